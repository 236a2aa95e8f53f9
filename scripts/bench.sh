#!/usr/bin/env bash
# Benchmarks runner-node (in process, over HTTP, memory, CPU-bound) against native CPython and
# the no-snapshot path, and writes docs/benchmarks.md. Not part of the test run: about 3 minutes
# per round on 2 cores.
#
#   bash scripts/bench.sh [--rounds N]
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

stage "tools (apt)" ensure_apt wrk hyperfine python3
stage "CPython for WASI" ensure_python_wasi
stage "cargo build" cargo build --locked -p runner-node --bin runner-node --example bench
# Private copies: another checkout sharing the target dir may rebuild them meanwhile.
bins="$(mktemp -d)"
trap 'rm -rf "$bins"' EXIT
cp "$CARGO_TARGET_DIR/debug/examples/bench" "$CARGO_TARGET_DIR/debug/runner-node" "$bins/"
stage "benchmark" /usr/bin/python3 scripts/bench.py "$@" \
    --bench-bin "$bins/bench" --server-bin "$bins/runner-node" \
    --python-dir "$RUNNER_PYTHON_DIR" --out docs/benchmarks.md
