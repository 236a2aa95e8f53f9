#!/usr/bin/env bash
# numpy's and pandas' own test suites inside the guest, against the scientific build.
#
#   python-wasi/test-scientific.sh --subset                the tests .ci/run checks (minutes)
#   python-wasi/test-scientific.sh --all SUITE [I/N] [-- PYTEST_ARG...]
#                                                          SUITE (numpy or pandas) whole, or
#                                                          its Ith of N shards of test files
#   python-wasi/test-scientific.sh SUITE PATH... [-- PYTEST_ARG...]
#                                                          test files or folders of SUITE,
#                                                          e.g. numpy numpy/linalg -- -k inv
#   --native first: the same tests with the host's python3 against PyPI's wheels of the same
#   versions (requirements-scientific-native.txt), for python-wasi/README.md's comparison.
#
# The guest runs the build's test interpreter (test/python.wasm: python.wasm plus numpy's C test
# modules) with test/site-packages (numpy and pandas with their tests) and pytest
# (requirements-scientific-tests.txt) on sys.path before the read-only library: a test-only
# layer, never in an image. Both sides use the projects' own pytest settings (numpy's
# pytest.ini, pandas' pyproject.toml, from the pinned sdists). Tests listed in
# scientific-known-failures.txt are deselected in the guest, each with its reason there.
# Prints pytest's report, then one line per test folder: passed, failed, skipped; keeps the
# JUnit XML in <cache>/scientific-tests/. Exits non-zero when a test fails.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=versions.env disable=SC1091
source "$HERE/versions.env"
# shellcheck source-path=SCRIPTDIR source=versions-scientific.env disable=SC1091
source "$HERE/versions-scientific.env"

# One test module or more of each area the sandbox changes or agents use most: array core,
# ufuncs, linalg without BLAS, random, dates; pandas' frames, group-by, merges, CSV, resampling.
SUBSET_NUMPY=(numpy/_core/tests/test_numeric.py numpy/_core/tests/test_datetime.py
  numpy/_core/tests/test_regression.py
  numpy/linalg/tests/test_linalg.py numpy/random/tests/test_generator_mt19937.py
  numpy/lib/tests/test_function_base.py numpy/fft)
SUBSET_PANDAS=(pandas/tests/frame/methods/test_sort_values.py pandas/tests/groupby/test_groupby.py
  pandas/tests/reshape/merge/test_merge.py pandas/tests/io/parser/test_parse_dates.py
  pandas/tests/resample/test_datetime_index.py pandas/tests/reshape/test_pivot.py)

die() { printf 'test-scientific: %s\n' "$*" >&2; exit 2; }
usage() { sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

native=""
[[ ${1:-} == --native ]] && native=1 && shift
runs=()  # "SUITE PATH..." per pytest run
extra=()
case "${1:-}" in
  --subset) runs=("numpy ${SUBSET_NUMPY[*]}" "pandas ${SUBSET_PANDAS[*]}") ;;
  --all)
    [[ ${2:-} == numpy || ${2:-} == pandas ]] || die "--all takes numpy or pandas"
    suite="$2" shard=1/1
    shift 2
    [[ ${1:-} =~ ^[0-9] ]] && shard="$1" && shift
    [[ ${1:-} == -- ]] && shift && extra=("$@")
    if ! [[ $shard =~ ^([0-9]+)/([0-9]+)$ ]] \
      || ((BASH_REMATCH[1] < 1 || BASH_REMATCH[1] > BASH_REMATCH[2])); then
      die "a shard is I/N with 1 <= I <= N, not '$shard'"
    fi
    runs=("$suite @shard ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}")
    ;;
  numpy | pandas)
    suite="$1"; shift
    paths=()
    while [[ $# -gt 0 && $1 != -- ]]; do paths+=("$1"); shift; done
    [[ ${1:-} == -- ]] && shift && extra=("$@")
    [[ ${#paths[@]} -gt 0 ]] || paths=("$suite")
    runs=("$suite ${paths[*]}")
    ;;
  "" | -h | --help) usage ;;
  *) usage 2 ;;
esac

# The native side needs no build of ours, only the pinned sdists' pytest settings.
if [[ -n $native ]]; then
  out="$(bash "$HERE/build.sh" --variant scientific --print-dir)"
else
  out="$(bash "$HERE/build.sh" --variant scientific | tail -n 1)"
  [[ -f "$out/test/python.wasm" ]] || die "$out has no test layer (test/): rebuild it"
fi
cache="$(dirname "$out")"
for sdist in "$NUMPY_SDIST" "$PANDAS_SDIST"; do
  [[ -f "$cache/downloads/$sdist" ]] \
    || die "no $sdist in $cache/downloads: run python-wasi/build.sh --variant scientific"
done
results="$cache/scientific-tests"
mkdir -p "$results"

# venv NAME REQUIREMENTS...: a venv of pinned wheels under the cache, made once.
venv() {
  local name="$1" dir; shift
  dir="$cache/tools/$name-$(cat "$@" | sha256sum | cut -c1-12)"
  if [[ ! -f "$dir/.complete" ]]; then
    rm -rf "$dir"
    python3 -m venv "$dir" >&2
    local req
    for req in "$@"; do
      "$dir/bin/pip" install -q --disable-pip-version-check --no-deps --only-binary=:all: \
        --require-hashes -r "$req" >&2
    done
    touch "$dir/.complete"
  fi
  echo "$dir"
}

# The pytest layer for the guest: the same pure-Python wheels, unpacked for Python 3.13.
tools="$cache/tools/scientific-test-layer-$(sha256sum "$HERE/requirements-scientific-tests.txt" | cut -c1-12)"
if [[ -z $native && ! -f "$tools/.complete" ]]; then
  rm -rf "$tools"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-deps \
    --only-binary=:all: --require-hashes --platform any --python-version "${PYTHON_VERSION%.*}" \
    --implementation py --no-compile --target "$tools" \
    -r "$HERE/requirements-scientific-tests.txt" >&2
  rm -rf "${tools:?}/bin"
  # RECORD lists the scripts pip wrote beside the target as ../../bin/...: outside every
  # preopen, where a stat in the guest fails with EPERM (not ENOENT) and breaks pytest's
  # plugin discovery.
  sed -i '/^\.\.\//d' "$tools"/*.dist-info/RECORD
  touch "$tools/.complete"
fi

run="$(mktemp -d)"
trap 'rm -rf "$run"' EXIT
mkdir -p "$run/work" "$run/tmp" "$run/root"
# The projects' own pytest settings, from the pinned sdists.
tar -xOf "$cache/downloads/$NUMPY_SDIST" "numpy-$NUMPY_VERSION/pytest.ini" >"$run/work/numpy.ini"
tar -xOf "$cache/downloads/$PANDAS_SDIST" "pandas-$PANDAS_VERSION/pyproject.toml" >"$run/work/pandas.toml"

if [[ -n $native ]]; then
  nvenv="$(venv scientific-native "$HERE/requirements-scientific-tests.txt" "$HERE/requirements-scientific-native.txt")"
  site="$("$nvenv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
else
  site="$out/test/site-packages"
  # WASI has no dup(): pytest captures through sys, without faulthandler's dup'd stderr; no
  # /dev/null, pytest's default log file; and no getuid(), which pytest's temporary folders
  # ask for unless given one.
  guest_args=(--capture=sys -p no:faulthandler -o log_file=/tmp/pytest-log.txt
    --basetemp=/tmp/basetemp -p pytest_wasi)
  cp "$HERE/pytest_wasi.py" "$run/work/"
  while read -r id _; do
    [[ -z $id || $id == \#* ]] || guest_args+=(--deselect "$id")
  done <"$HERE/scientific-known-failures.txt"
fi

# The guest starts in "/", which is no preopen: pytest must start in, and come back to, /work.
GUEST_MAIN='import os, sys; os.chdir("/work"); import pytest; sys.exit(pytest.main(sys.argv[1:]))'

# pytest SUITE XML PATH...: the suite's tests at PATHs (relative to site-packages), the JUnit
# report into the run's work folder as XML.
pytest() {
  local suite="$1" xml="$2"; shift 2
  local wd=/work rc=0
  [[ -n $native ]] && wd="$run/work"
  local config="$wd/$suite.ini"
  [[ $suite == pandas ]] && config="$wd/$suite.toml"
  local args=(-q -rfE -p no:cacheprovider -o addopts= --strict-markers -c "$config"
    --continue-on-collection-errors --junit-xml "$wd/$xml")
  if [[ -n $native ]]; then
    (cd "$run/work" && "$nvenv/bin/python" -m pytest "${args[@]}" --rootdir "$site" \
      --confcutdir "$site" "${@/#/$site/}" "${extra[@]}") || rc=$?
  else
    # The layers' guest paths name site-packages: hypothesis takes any other module for the
    # project's own and parses its source for constants, which takes minutes in the guest.
    # An empty, read-only "/": os.makedirs (pytest's JUnit report) walks up to it, and "/"
    # exists in the guest only as a preopen.
    "$cache/tools/wasmtime-py-$WASMTIME_PY_VERSION/bin/python" "$HERE/run-wasm.py" \
      --cache-dir "$cache/tools/cwasm" --dir "$run/root::/::ro" --dir "$out/lib::/usr/local/lib::ro" \
      --dir "$site::/test/site-packages::ro" --dir "$tools::/tools/site-packages::ro" \
      --dir "$run/work::/work" --dir "$run/tmp::/tmp" \
      --env PYTHONPATH=/test/site-packages:/tools/site-packages:/work \
      --env PYTHONDONTWRITEBYTECODE=1 --env TMPDIR=/tmp \
      "$out/test/python.wasm" -c "$GUEST_MAIN" "${args[@]}" "${guest_args[@]}" \
      --rootdir /test/site-packages --confcutdir /test/site-packages \
      "${@/#//test/site-packages/}" "${extra[@]}" || rc=$?
  fi
  return "$rc"
}

side=guest
[[ -n $native ]] && side=native
rc=0 xmls=()
for spec in "${runs[@]}"; do
  read -r suite paths_spec <<<"$spec"
  read -ra paths <<<"$paths_spec"
  name="$suite"
  if [[ ${paths[0]} == @shard ]]; then
    # Shard I of N: every Nth unit of the suite, in name order, from the Ith. numpy's units
    # are its test files; pandas' the entries of pandas/tests (a test file named directly
    # loads the conftests above it first, and pandas/tests/arrays/arrow's skips the whole
    # run when pyarrow is missing).
    i="${paths[1]}" n="${paths[2]}" name="$suite-$i-of-$n"
    if [[ $suite == numpy ]]; then
      units() { find numpy -path '*/tests/*' -name 'test_*.py'; }
    else
      units() { find pandas/tests -mindepth 1 -maxdepth 1 \( -type d -o -name 'test_*.py' \) \
        ! -name __pycache__; }
    fi
    mapfile -t paths < <(cd "$site" && units | sort | awk -v i="$i" -v n="$n" '(NR - i) % n == 0')
  fi
  echo "==> $side: $suite, ${#paths[@]} path(s)"
  pytest "$suite" "$side-$name.xml" "${paths[@]}" || rc=$?
  if [[ -f "$run/work/$side-$name.xml" ]]; then
    cp "$run/work/$side-$name.xml" "$results/"
    xmls+=("$results/$side-$name.xml")
  fi
done
[[ ${#xmls[@]} -gt 0 ]] || { echo "no JUnit XML: see pytest's report above"; exit "$rc"; }

# Per test folder: test cases passed, failed or errored, skipped (xfails included).
python3 - "${xmls[@]}" <<'EOF'
import collections, sys, xml.etree.ElementTree as ET

counts = collections.defaultdict(lambda: [0, 0, 0])
for path in sys.argv[1:]:
    for case in ET.parse(path).iter("testcase"):
        parts = case.get("classname", "").split(".")
        if "tests" in parts:
            # numpy.linalg.tests, pandas.tests.frame: the folder of tests, or its subfolder.
            i = parts.index("tests") + 1
            folder = ".".join(parts[: i + (i < len(parts) - 1 and not parts[i].startswith("test_"))])
        else:
            folder = parts[0]
        kinds = {child.tag for child in case}
        c = counts[folder]
        if kinds & {"failure", "error"}:
            c[1] += 1
        elif "skipped" in kinds:
            c[2] += 1
        else:
            c[0] += 1
total = [sum(c[i] for c in counts.values()) for i in range(3)]
print(f"{'folder':48} {'passed':>7} {'failed':>6} {'skipped':>7}")
for folder, (p, f, s) in sorted(counts.items()):
    print(f"{folder:48} {p:7} {f:6} {s:7}")
print(f"{'total':48} {total[0]:7} {total[1]:6} {total[2]:7}")
EOF
exit "$rc"
