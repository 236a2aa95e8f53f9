"""Compares the guest's run of numpy's or pandas' tests with the native run of the same suite.

Usage: compare-scientific.py SUITE [--results DIR]

Reads the JUnit reports python-wasi/test-scientific.sh left in DIR (default: the cache's
python-wasi/scientific-tests/) for SUITE (numpy or pandas): every guest-SUITE-*.xml and
native-SUITE-*.xml. Guest and native shards differ (each side shards its own tree), so tests
are matched by id, over the test modules the guest ran. Prints how many of the tests that pass
natively pass in the guest (the issue's measure), and where the rest went: skipped in the
guest, failed there, or absent there (a parametrisation the guest does not generate), by
module for the failures.
"""

import argparse
import collections
import os
import pathlib
import sys
import xml.etree.ElementTree as ET


def outcomes(paths):
    """{test id: outcome} and {test id: module} over the JUnit reports `paths`."""
    result, module = {}, {}
    for path in paths:
        for case in ET.parse(path).iter("testcase"):
            classname = case.get("classname", "")
            test = f"{classname}::{case.get('name')}"
            kinds = {child.tag for child in case}
            if kinds & {"failure", "error"}:
                outcome = "failed"
            elif "skipped" in kinds:
                outcome = "skipped"
            else:
                outcome = "passed"
            # A test reported twice (an error in teardown after a pass) counts as failed.
            if result.get(test) != "failed":
                result[test] = outcome
            parts = classname.split(".")
            # numpy._core.tests.test_numeric.TestX -> numpy._core.tests.test_numeric
            cut = next((i for i, p in enumerate(parts) if p.startswith("test_")), len(parts) - 1)
            module[test] = ".".join(parts[: cut + 1])
    return result, module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("suite", choices=["numpy", "pandas"])
    cache = os.environ.get("SANDBOX_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "python-sandbox"
    )
    parser.add_argument("--results", type=pathlib.Path,
                        default=pathlib.Path(cache, "python-wasi", "scientific-tests"))
    args = parser.parse_args()
    guest_files = sorted(args.results.glob(f"guest-{args.suite}-*.xml"))
    native_files = sorted(args.results.glob(f"native-{args.suite}-*.xml"))
    if not guest_files or not native_files:
        print(f"need guest-{args.suite}-*.xml and native-{args.suite}-*.xml in {args.results}: "
              "run python-wasi/test-scientific.sh --all (and --native --all) first",
              file=sys.stderr)
        return 2
    guest, guest_module = outcomes(guest_files)
    native, native_module = outcomes(native_files)
    modules = set(guest_module.values())
    passing = [t for t, o in native.items() if o == "passed" and native_module[t] in modules]
    where = collections.Counter(guest.get(t, "absent") for t in passing)
    failing_by_module = collections.Counter(
        native_module[t] for t in passing if guest.get(t) == "failed"
    )
    absent_by_module = collections.Counter(native_module[t] for t in passing if t not in guest)
    total = len(passing)
    print(f"{args.suite}: {len(guest_files)} guest and {len(native_files)} native reports, "
          f"{len(modules)} test modules run in the guest")
    print(f"guest totals: {collections.Counter(guest.values())}")
    print(f"pass natively in those modules: {total}")
    for outcome in ("passed", "skipped", "failed", "absent"):
        share = 100 * where[outcome] / total if total else 0.0
        print(f"  {outcome:8} in the guest: {where[outcome]:7} ({share:.1f}%)")
    if absent_by_module:
        print("absent in the guest, by module (top 10):")
        for name, count in absent_by_module.most_common(10):
            print(f"  {count:6}  {name}")
    if failing_by_module:
        print("failing in the guest, by module:")
        for name, count in failing_by_module.most_common():
            print(f"  {count:6}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
