#!/usr/bin/env bash
# Benchmarks runner-node (in process, over HTTP, memory, CPU-bound) against native CPython and
# the no-snapshot path, and writes docs/benchmarks.md. Not part of the test run: about 3 minutes
# per round on 2 cores.
#
#   bash scripts/bench.sh [--rounds N]
#   bash scripts/bench.sh --tracing [--rounds N] [--baseline REV]
#   bash scripts/bench.sh --packages [--rounds N] [--baseline REV]
#   bash scripts/bench.sh --scientific [--rounds N]
#   bash scripts/bench.sh --fairness [--rounds N] [--baseline REV]
#   bash scripts/bench.sh --sessions [--rounds N]
#
# --tracing measures only what traces cost, --packages only what a pool's package folder costs
# (scripts/requirements-bench-packages.txt, about 20 MiB), --scientific only the scientific
# runtime (against PyPI's numpy and pandas of the same versions, natively), --fairness only how
# CPU-bound runs affect other requests, and throughput (hello, fib, scripts/bench-corpus),
# --sessions only what sessions cost (create, a run in one, idle memory) and streaming, each
# in its own section of docs/benchmarks.md; with --baseline REV all but --scientific also
# measure runner-node as built at git revision REV (e.g. the commit before the feature landed),
# built from a temporary worktree into the same target directory.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

args=() baseline="" packages="" scientific=""
while [ $# -gt 0 ]; do
    case "$1" in
        --baseline) baseline="${2:?--baseline needs a git revision}"; shift 2 ;;
        --packages) packages=1; shift ;;
        --scientific) scientific=1; shift ;;
        *) args+=("$1"); shift ;;
    esac
done

stage "tools (apt)" ensure_apt wrk hyperfine python3
stage "CPython for WASI" ensure_python_wasi
if [ -n "$packages" ]; then
    stage "Python tools" ensure_pytools
    stage "bench packages" ensure_packages bench-packages "$REPO_ROOT/scripts/requirements-bench-packages.txt"
    args+=(--packages "$PACKAGES")
fi
if [ -n "$scientific" ]; then
    dir="$RUNNER_PYTHON_DIR"
    stage "CPython for WASI (scientific)" ensure_python_wasi scientific
    args+=(--scientific "$RUNNER_PYTHON_DIR")
    export RUNNER_PYTHON_DIR="$dir"
    stage "native numpy and pandas" ensure_venv bench-scientific-native \
        "$REPO_ROOT/python-wasi/requirements-scientific-native.txt"
    args+=(--native-python "$VENV/bin/python")
fi
# Private copies: another checkout sharing the target dir may rebuild them meanwhile.
bins="$(mktemp -d)"
trap 'rm -rf "$bins"; git worktree remove --force "$bins/baseline-src" 2>/dev/null || true' EXIT
if [ -n "$baseline" ]; then
    git worktree add --detach "$bins/baseline-src" "$baseline"
    build_baseline() { (cd "$bins/baseline-src" && cargo build --locked --workspace --bin runner-node); }
    stage "cargo build ($baseline)" build_baseline
    cp "$CARGO_TARGET_DIR/debug/runner-node" "$bins/runner-node-baseline"
    args+=(--baseline-bin "$bins/runner-node-baseline" --baseline-rev "$(git rev-parse --short "$baseline")")
fi
# --workspace, not -p: the same features as the tests' build, so no dependency is rebuilt.
stage "cargo build" cargo build --locked --workspace --bin runner-node --example bench
cp "$CARGO_TARGET_DIR/debug/examples/bench" "$CARGO_TARGET_DIR/debug/runner-node" "$bins/"
stage "benchmark" /usr/bin/python3 scripts/bench.py "${args[@]}" \
    --bench-bin "$bins/bench" --server-bin "$bins/runner-node" \
    --python-dir "$RUNNER_PYTHON_DIR" --out docs/benchmarks.md
