#!/usr/bin/env bash
# Benchmarks runner-node (in process, over HTTP, memory, CPU-bound) against native CPython and
# the no-snapshot path, and writes docs/benchmarks.md. Not part of the test run: about 3 minutes
# per round on 2 cores.
#
#   bash scripts/bench.sh [--rounds N]
#   bash scripts/bench.sh --tracing [--rounds N] [--baseline REV]
#
# --tracing measures only what traces cost (its own section of docs/benchmarks.md); with
# --baseline REV it also measures runner-node as built at git revision REV (e.g. the commit
# before tracing landed), built from a temporary worktree into the same target directory.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

args=() baseline=""
while [ $# -gt 0 ]; do
    case "$1" in
        --baseline) baseline="${2:?--baseline needs a git revision}"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done

stage "tools (apt)" ensure_apt wrk hyperfine python3
stage "CPython for WASI" ensure_python_wasi
# Private copies: another checkout sharing the target dir may rebuild them meanwhile.
bins="$(mktemp -d)"
trap 'rm -rf "$bins"; git worktree remove --force "$bins/baseline-src" 2>/dev/null || true' EXIT
if [ -n "$baseline" ]; then
    git worktree add --detach "$bins/baseline-src" "$baseline"
    build_baseline() { (cd "$bins/baseline-src" && cargo build --locked -p runner-node --bin runner-node); }
    stage "cargo build ($baseline)" build_baseline
    cp "$CARGO_TARGET_DIR/debug/runner-node" "$bins/runner-node-baseline"
    args+=(--baseline-bin "$bins/runner-node-baseline" --baseline-rev "$(git rev-parse --short "$baseline")")
fi
stage "cargo build" cargo build --locked -p runner-node --bin runner-node --example bench
cp "$CARGO_TARGET_DIR/debug/examples/bench" "$CARGO_TARGET_DIR/debug/runner-node" "$bins/"
stage "benchmark" /usr/bin/python3 scripts/bench.py "${args[@]}" \
    --bench-bin "$bins/bench" --server-bin "$bins/runner-node" \
    --python-dir "$RUNNER_PYTHON_DIR" --out docs/benchmarks.md
