# Shared by scripts/serve.sh, scripts/test.sh and .ci/run: caches, installs and stage timing.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
# Everything built or downloaded lives here, outside the repository.
export SANDBOX_CACHE="${SANDBOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/python-sandbox}"
# One target dir shared by every checkout: a clean clone reuses the compiled dependencies.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$SANDBOX_CACHE/target}"

log() { printf '==> %s\n' "$*" >&2; }

# stage NAME CMD...: runs CMD, printing how long it took.
stage() {
    local name="$1" start end
    shift
    log "$name"
    start=$(date +%s)
    "$@"
    end=$(date +%s)
    printf '==> %s done in %ss\n' "$name" "$((end - start))" >&2
}

# background NAME LOG CMD...: starts CMD in the background, in a process group of its own,
# with its output in LOG, for wait_background NAME to wait for (a stage of its own, which
# shows LOG's end if CMD fails); stop_background (an EXIT trap) stops what is left running.
declare -A BACKGROUND_PIDS BACKGROUND_LOGS
background() {
    local name="$1" logfile="$2"
    shift 2
    mkdir -p "$(dirname "$logfile")"
    log "$name: started in the background (log: $logfile)"
    setsid "$@" >"$logfile" 2>&1 </dev/null &
    BACKGROUND_PIDS[$name]=$!
    BACKGROUND_LOGS[$name]="$logfile"
}

wait_background() {
    local name="$1" rc=0
    wait "${BACKGROUND_PIDS[$name]}" || rc=$?
    unset "BACKGROUND_PIDS[$name]"
    if [ "$rc" -ne 0 ]; then
        tail -n 40 "${BACKGROUND_LOGS[$name]}" >&2
        log "$name failed (exit $rc); full log: ${BACKGROUND_LOGS[$name]}"
        return "$rc"
    fi
    grep -E '^==> .* (done in|built) ' "${BACKGROUND_LOGS[$name]}" | tail -n 3 >&2 || true
}

stop_background() {
    local pid
    for pid in "${BACKGROUND_PIDS[@]}"; do
        kill -- "-$pid" 2>/dev/null || true
    done
}

# ensure_apt PKG...: installs the Debian packages that are missing (needs root or sudo).
ensure_apt() {
    local missing=() pkg sudo=""
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    log "installing ${missing[*]}"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_python_wasi [RUNTIME]: builds CPython for WASI (RUNTIME: standard, the default, or
# scientific) if needed and exports RUNNER_PYTHON_DIR.
ensure_python_wasi() {
    local dir variant=()
    [ "${1:-standard}" = standard ] || variant=(--variant "$1")
    dir="$(bash "$REPO_ROOT/python-wasi/build.sh" "${variant[@]}" | tail -n 1)"
    [ -f "$dir/python.wasm" ] || { log "python-wasi/build.sh gave no python.wasm"; return 1; }
    export RUNNER_PYTHON_DIR="$dir"
}

# ensure_venv NAME REQUIREMENTS: sets VENV to a venv holding the pinned packages of
# REQUIREMENTS, at $SANDBOX_CACHE/NAME-<digest of the file> (editing the file builds a new venv;
# an unchanged one is reused). Not in a $(...): errexit must stop a failed install there.
ensure_venv() {
    local name="$1" req="$2" venv python=python3
    venv="$SANDBOX_CACHE/$name-$(sha256sum "$req" | cut -c1-12)"
    if [ ! -f "$venv/.complete" ]; then
        [ -x /usr/bin/python3 ] && python=/usr/bin/python3
        ensure_apt python3-venv
        rm -rf "$venv"
        log "creating $venv from ${req#"$REPO_ROOT"/}"
        "$python" -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
        touch "$venv/.complete"
    fi
    VENV="$venv"
}

# ensure_pytools: the Python test tools of scripts/requirements-test.txt. Exports PYTOOLS (the
# venv) and puts its bin/ first on PATH.
ensure_pytools() {
    ensure_venv pytools "$REPO_ROOT/scripts/requirements-test.txt"
    export PYTOOLS="$VENV" PATH="$VENV/bin:$PATH"
}

# ensure_checkov: checkov (scripts/requirements-checkov.txt) in a venv of its own, its pins
# clash with pytest's. Exports CHECKOV, the program, which the chart and image tests run.
ensure_checkov() {
    ensure_venv checkov "$REPO_ROOT/scripts/requirements-checkov.txt"
    export CHECKOV="$VENV/bin/checkov"
}

# ensure_promtool: Prometheus' promtool, which the chart's alert tests run, from Debian's
# prometheus package, unpacked into the cache rather than installed (no daemon, none of its web
# assets). Exports PROMTOOL.
ensure_promtool() {
    local dir="$SANDBOX_CACHE/promtool" sudo=""
    if [ ! -x "$dir/promtool" ]; then
        log "unpacking promtool from Debian's prometheus package into $dir"
        [ "$(id -u)" -eq 0 ] || sudo=sudo
        rm -rf "$dir" && mkdir -p "$dir/deb"
        (cd "$dir/deb" && { apt-get download -qq prometheus 2>/dev/null ||
            { $sudo apt-get update -qq && apt-get download -qq prometheus; }; })
        dpkg-deb -x "$dir"/deb/prometheus_*.deb "$dir/deb/root"
        mv "$dir/deb/root/usr/bin/promtool" "$dir/promtool"
        rm -rf "$dir/deb"
    fi
    export PROMTOOL="$dir/promtool"
}

# ensure_packages NAME REQUIREMENTS [PIP_ARG...]: sets PACKAGES to a `pip install --target`
# folder of the pure-Python packages REQUIREMENTS pins, for the guest's Python (the README's
# command, with PIP_ARGs such as --no-deps), at
# $SANDBOX_CACHE/NAME-<digest of the file, what it includes and PIP_ARGs>/site-packages.
ensure_packages() {
    local name="$1" req="$2" dir
    shift 2
    dir="$SANDBOX_CACHE/$name-$( (cat "$req" "$REPO_ROOT/examples/packages/requirements.txt" &&
        echo "$@") | sha256sum | cut -c1-12)"
    if [ ! -f "$dir/.complete" ]; then
        rm -rf "$dir"
        log "installing the packages of ${req#"$REPO_ROOT"/} into $dir"
        "$PYTOOLS/bin/pip" install -q --disable-pip-version-check --no-compile --require-hashes \
            --target "$dir/site-packages" --only-binary=:all: --platform any \
            --python-version 3.13 --implementation py "$@" -r "$req"
        touch "$dir/.complete"
    fi
    PACKAGES="$dir/site-packages"
}

# ensure_test_packages: the packages of examples/packages/requirements.txt; exports
# RUNNER_TEST_PACKAGES (the folder runner-node's package tests serve with --site-packages).
# Also RUNNER_TEST_SCIENTIFIC_PACKAGES: examples/packages/requirements-scientific.txt's, made
# with --no-deps against the scientific runtime's numpy and pandas.
ensure_test_packages() {
    ensure_packages test-packages "$REPO_ROOT/examples/packages/requirements.txt"
    export RUNNER_TEST_PACKAGES="$PACKAGES"
    ensure_packages test-scientific-packages \
        "$REPO_ROOT/examples/packages/requirements-scientific.txt" --no-deps
    export RUNNER_TEST_SCIENTIFIC_PACKAGES="$PACKAGES"
}
