#!/usr/bin/env bash
# Runs every check and test from a fresh clone: installs what is missing, builds CPython for
# WASI (cached), then formatting, lints, unit and integration tests.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

stage "tools (apt)" ensure_apt curl jq shellcheck wrk
stage "CPython for WASI" ensure_python_wasi
# The scientific build (numpy and pandas; ~25 min cold on 2 cores, nothing when cached) runs
# beside the stages that do not need it; a failing stage stops it.
trap stop_background EXIT
background "CPython for WASI (scientific)" "$SANDBOX_CACHE/logs/scientific-build.log" \
    bash python-wasi/build.sh --variant scientific
stage "CPython's own tests, in the guest (subset)" bash python-wasi/test-stdlib.sh --subset
stage "shellcheck" shellcheck -x scripts/*.sh python-wasi/*.sh examples/*.sh e2e/*.sh .ci/run
stage "Python test tools" ensure_pytools
stage "test packages" ensure_test_packages
stage "checkov" ensure_checkov
stage "promtool" ensure_promtool
stage "cargo fmt" cargo fmt --all --check
stage "cargo clippy" cargo clippy --locked --workspace --all-targets --quiet -- -D warnings
if cargo nextest --version >/dev/null 2>&1; then
    stage "cargo nextest" cargo nextest run --locked --workspace --no-fail-fast
else
    # nextest runs each test in its own process and in parallel; plain cargo test also works.
    stage "cargo test" cargo test --locked --workspace --no-fail-fast
fi
stage "CPython for WASI (scientific), waited for" wait_background "CPython for WASI (scientific)"
stage "numpy's and pandas' own tests, in the guest (subset)" bash python-wasi/test-scientific.sh --subset
# pytest exits 5 when it collects no tests: not a failure while a suite is empty.
run_pytest() { python -m pytest || [ $? -eq 5 ]; }
stage "pytest" run_pytest
