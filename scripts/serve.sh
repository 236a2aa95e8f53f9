#!/usr/bin/env bash
# Builds whatever is missing (CPython for WASI, runner-node) and starts runner-node on port 3000
# with its built-in defaults. Flags are passed through: `scripts/serve.sh --port 8080`.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stage "CPython for WASI" ensure_python_wasi
stage "cargo build runner-node" cargo build --quiet --locked -p runner-node --manifest-path "$REPO_ROOT/Cargo.toml"
log "starting runner-node (Ctrl-C stops it)"
exec "$CARGO_TARGET_DIR/debug/runner-node" "$@"
