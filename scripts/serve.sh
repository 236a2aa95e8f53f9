#!/usr/bin/env bash
# Builds whatever is missing (CPython for WASI, runner-node) and starts runner-node on port 3000
# with its built-in defaults. Flags are passed through: `scripts/serve.sh --port 8080`.
# `--runtime scientific` first serves the build with numpy and pandas (python-wasi/build.sh
# --variant scientific: about 25 minutes on 2 cores the first time, then cached).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runtime=standard
if [ "${1:-}" = --runtime ]; then
    runtime="${2:?--runtime needs standard or scientific}"
    shift 2
fi
case "$runtime" in
standard | scientific) ;;
*) log "unknown runtime '$runtime' (standard or scientific)" && exit 2 ;;
esac
stage "CPython for WASI ($runtime)" ensure_python_wasi "$runtime"
# Cargo's own progress shows through the long first build. `--workspace --bin runner-node`,
# not `-p runner-node`: the features the tests' build resolves, so a machine that ran the tests
# (or CI) rebuilds no dependency here.
stage "cargo build runner-node" cargo build --locked --workspace --bin runner-node \
    --manifest-path "$REPO_ROOT/Cargo.toml"
# A server started here answers this machine only: runner-node's own default (0.0.0.0) is for
# images and pods. RUNNER_HOST=0.0.0.0 (or --host) serves the network, without a token unless
# --auth-token-file is given.
export RUNNER_HOST="${RUNNER_HOST:-127.0.0.1}"
log "starting runner-node on $RUNNER_HOST (Ctrl-C stops it)"
exec "$CARGO_TARGET_DIR/debug/runner-node" "$@"
