#!/usr/bin/env bash
# Runs CPython's own regression tests inside the guest, against the standard build.
#
#   python-wasi/test-stdlib.sh --subset      the modules .ci/run checks (a few minutes)
#   python-wasi/test-stdlib.sh --all         every test module (long; run outside CI)
#   python-wasi/test-stdlib.sh TEST...       the named modules, e.g. test_json test_re
#
# The `test` package comes from the pinned CPython tarball into a test-only layer
# (<cache>/test-lib/<tarball>/), never into the production library. The build leaves out
# CPython's C test modules (_testcapi & co.): tests that need them are skipped by regrtest
# itself. Tests in regrtest-known-failures.txt are skipped, each with its reason there. Prints
# regrtest's report, then one line per module: tests run, failed, skipped; exits non-zero when
# a module fails.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=versions.env disable=SC1091
source "$HERE/versions.env"

# Modules of the standard library the sandbox adds or changes, and a spread of the rest.
# (test_asyncio is not here: regrtest skips all of it without sockets; tests/stdlib.rs and
# check-guest.py run asyncio programs instead.)
SUBSET=(test_bz2 test_lzma test_sqlite3 test_zoneinfo test_json test_re test_datetime
  test_decimal test_csv test_zlib test_hashlib test_pathlib test_dataclasses test_tempfile)

case "${1:-}" in
  --subset) tests=("${SUBSET[@]}") ;;
  --all) tests=() ;;
  "" | -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) tests=("$@") ;;
esac

out="$(bash "$HERE/build.sh" | tail -n 1)"
cache="$(dirname "$out")"
testlib="$cache/test-lib/cpython-$PYTHON_VERSION-${PYTHON_TARBALL_SHA256:0:12}"
if [[ ! -f "$testlib/.complete" ]]; then
  rm -rf "$testlib"
  mkdir -p "$testlib"
  tar -xf "$cache/downloads/$PYTHON_TARBALL" -C "$testlib" --strip-components=2 \
    "Python-$PYTHON_VERSION/Lib/test"
  touch "$testlib/.complete"
fi

run="$(mktemp -d)"
trap 'rm -rf "$run"' EXIT
mkdir -p "$run/work" "$run/tmp"
cp "$HERE/regrtest-known-failures.txt" "$run/work/known-failures.txt"
rc=0
"$cache/tools/wasmtime-py-$WASMTIME_PY_VERSION/bin/python" "$HERE/run-wasm.py" \
  --cache-dir "$cache/tools/cwasm" \
  --dir "$out/lib::/usr/local/lib::ro" --dir "$testlib::/testlib::ro" \
  --dir "$run/work::/work" --dir "$run/tmp::/tmp" --env PYTHONPATH=/testlib \
  "$out/python.wasm" -c "$(cat "$HERE/run-regrtest.py")" \
  --tempdir /tmp/regrtest --junit-xml /work/junit.xml \
  --known-failures /work/known-failures.txt "${tests[@]}" || rc=$?

# Per module: test cases run, failed or errored (subtest failures count once per case), skipped.
# (A test of the whole suite can leave regrtest unable to write its XML; its report above holds.)
[[ -f "$run/work/junit.xml" ]] || { echo "no junit.xml: see regrtest's report above"; exit "$rc"; }
python3 - "$run/work/junit.xml" <<'EOF'
import collections, sys, xml.etree.ElementTree as ET

counts = collections.defaultdict(lambda: [0, 0, 0])
for case in ET.parse(sys.argv[1]).iter("testcase"):
    parts = case.get("name", "").split(".")
    module = ".".join(parts[:2]) if parts[0] == "test" else parts[0]
    kinds = {child.tag for child in case}
    c = counts[module]
    c[0] += 1
    c[1] += bool(kinds & {"failure", "error"})
    c[2] += "skipped" in kinds
print(f"{'module':40} {'run':>6} {'failed':>6} {'skipped':>7}")
for module, (run, failed, skipped) in sorted(counts.items()):
    print(f"{module:40} {run:6} {failed:6} {skipped:7}")
EOF
exit "$rc"
