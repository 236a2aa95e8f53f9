#!/usr/bin/env bash
# Builds the runner-node and runner-operator container images on an empty base (FROM scratch):
# each holds its binary, exactly the shared libraries `ldd` lists for it, and (runner-node) the
# CPython-for-WASI build with the interpreter precompiled. No base image and no registry are
# needed: only cargo, the Docker engine and what scripts/lib.sh installs.
#
#   bash scripts/images.sh [--release] [--rootfs-only] [--runtime standard|scientific|all]
#                          [--tag TAG] [--repository PREFIX]
#
# Default: the dev-profile binaries scripts/test.sh already built (dependencies at opt-level 3;
# nothing is compiled twice), tagged PREFIX/runner-node:TAG and PREFIX/runner-operator:TAG with
# PREFIX ghcr.io/python-sandbox and TAG the workspace version, the images the chart names by
# default. --runtime scientific (or all) builds runner-node for the scientific runtime (numpy
# and pandas; python-wasi/build.sh --variant scientific) as PREFIX/runner-node:TAG-scientific,
# the image the chart's runner.scientificImage names by default.
# --release builds optimised binaries first (a second full build, ~30 min on 2 cores).
# --rootfs-only stops before Docker, leaving each image's root filesystem in
# $SANDBOX_CACHE/images/NAME/rootfs (images/release.Dockerfile uses that in its build stage).
# Prints one line per image: name, reference, size in bytes.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
tag="$VERSION" prefix="ghcr.io/python-sandbox" profile=dev rootfs_only="" runtimes=standard
while [ $# -gt 0 ]; do
    case "$1" in
    --release) profile=release ;;
    --rootfs-only) rootfs_only=1 ;;
    --runtime)
        case "${2:-}" in
        standard | scientific) runtimes="$2" ;;
        all) runtimes="standard scientific" ;;
        *) log "--runtime takes standard, scientific or all" && exit 2 ;;
        esac
        shift
        ;;
    --tag) tag="$2" && shift ;;
    --repository) prefix="$2" && shift ;;
    *) log "unknown argument $1 (see the head of $0)" && exit 2 ;;
    esac
    shift
done

STAGING="$SANDBOX_CACHE/images"
PYTHON_IN_IMAGE=/opt/python-sandbox/python
PRECOMPILED_IN_IMAGE=/opt/python-sandbox/python.cwasm

# build_binaries: builds runner-node and runner-operator and copies them to $STAGING/bin.
build_binaries() {
    local attempt
    for attempt in 1 2 3; do
        if [ "$profile" = release ]; then
            cargo build --locked --release -p runner-node -p runner-operator
        else
            # The whole workspace with its tests, as cargo nextest builds it: the same features,
            # so after scripts/test.sh this compiles nothing (building only the two binaries
            # would unify features differently and rebuild much of the dependency tree).
            cargo build --locked --workspace --all-targets
        fi
        copy_binaries && return 0
        log "attempt $attempt: a build in another checkout replaced the binaries; building again"
    done
    return 1
}

# copy_binaries: copies the binaries out of the target dir. Checkouts share the target dir, so
# a build in another one may have replaced a binary since ours; in the dev profile the debug
# info names the checkout that built it, and a foreign binary fails. (No grep -q: it would
# stop reading, and strings' SIGPIPE would fail the pipeline.)
copy_binaries() {
    local name dir="$CARGO_TARGET_DIR/debug"
    [ "$profile" = release ] && dir="$CARGO_TARGET_DIR/release"
    mkdir -p "$STAGING/bin"
    for name in runner-node runner-operator; do
        cp "$dir/$name" "$STAGING/bin/$name"
        if [ "$profile" = dev ] && ! strings -n 8 "$STAGING/bin/$name" | grep -xF "$REPO_ROOT" >/dev/null; then
            return 1
        fi
    done
}

# new_rootfs NAME [BINARY]: an empty root filesystem for image NAME, with the non-root user's
# entry and the binary BINARY (default NAME) stripped at /usr/local/bin/BINARY (no symbols:
# 8 MiB less for runner-node; a panic's message and location still reach the log, its backtrace
# shows addresses). Sets ROOTFS.
new_rootfs() {
    local name="$1" binary="${2:-$1}"
    ROOTFS="$STAGING/$name/rootfs"
    rm -rf "${STAGING:?}/$name"
    mkdir -p "$ROOTFS"/{etc,usr/local/bin} "$ROOTFS/tmp"
    chmod 1777 "$ROOTFS/tmp"
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin\n' \
        >"$ROOTFS/etc/passwd"
    printf 'root:x:0:\nnonroot:x:65532:\n' >"$ROOTFS/etc/group"
    strip --strip-all -o "$ROOTFS/usr/local/bin/$binary" "$STAGING/bin/$binary"
    copy_libraries "$STAGING/bin/$binary"
}

# copy_libraries BINARY: copies the shared libraries BINARY loads (and the dynamic loader) into
# ROOTFS at the same paths, following symlinks.
copy_libraries() {
    local lib
    for lib in $(ldd "$1" | grep -o '/[^ ]*'); do
        mkdir -p "$ROOTFS$(dirname "$lib")"
        cp -L "$lib" "$ROOTFS$lib"
    done
}

# add_python: the CPython-for-WASI build, read-only for everyone. The standard library goes in
# as one zip of its bytecode at lib/python3XY.zip, which CPython puts first on sys.path, so the
# sources (and a second copy of everything) stay out of the image. lib/python3.X/ keeps what
# must be a folder: os.py (CPython's landmark for finding its prefix), site-packages (the
# build's own packages, e.g. tzdata with its zone files, and where runner-node mounts its
# sitecustomize.py) and the license; BUILD-INFO beside python.wasm names the runtime. Stored, not deflated: every run is a
# fresh interpreter that would inflate each module it imports again (an import-heavy run took
# 470 ms deflated against 300 ms stored or from the folder); registries compress layers anyway.
add_python() {
    local src="$RUNNER_PYTHON_DIR/lib" dest="$ROOTFS$PYTHON_IN_IMAGE" stdlib
    stdlib="$(basename "$(compgen -G "$src/python3.*")")"
    mkdir -p "$dest/lib/$stdlib/site-packages" "$dest/lib/$stdlib/lib-dynload"
    # Data for wasmtime, not a program of the image.
    install -m 0444 "$RUNNER_PYTHON_DIR/python.wasm" "$RUNNER_PYTHON_DIR/BUILD-INFO" "$dest/"
    cp "$src/$stdlib/os.py" "$src/$stdlib/LICENSE.txt" "$dest/lib/$stdlib/"
    cp -R "$src/$stdlib/site-packages/." "$dest/lib/$stdlib/site-packages/"
    python3 - "$src/$stdlib" "$dest/lib/${stdlib//./}.zip" <<'PY'
import sys, zipfile
from pathlib import Path

stdlib, out = Path(sys.argv[1]), sys.argv[2]
tag = "cpython-" + stdlib.name.removeprefix("python").replace(".", "")
with zipfile.ZipFile(out, "w") as zf:
    for py in sorted(stdlib.rglob("*.py")):
        module = py.relative_to(stdlib)
        if module.parts[0] == "site-packages":
            continue
        # python-wasi/build.sh compiles every module to unchecked-hash bytecode.
        pyc = py.parent / "__pycache__" / f"{py.stem}.{tag}.pyc"
        # A fixed timestamp: the same inputs give the same zip, byte for byte.
        entry = zipfile.ZipInfo(str(module.with_suffix(".pyc")), date_time=(1980, 1, 1, 0, 0, 0))
        zf.writestr(entry, pyc.read_bytes(), zipfile.ZIP_STORED)
PY
    # Data, not programs (numpy ships a script with its executable bit set).
    find "$dest" -type f -perm /111 -exec chmod a-x {} +
    chmod -R a-w "$dest"
}

# precompile NAME: the interpreter snapshot compiled by the image's own runner-node, at the
# path the image's RUNNER_PRECOMPILED names. Compiled for a baseline CPU, so it loads on any
# node; a node that cannot use it says so in the log and compiles its own (docs/snapshot.md).
precompile() {
    local log="$STAGING/$1/precompile.log"
    RUNNER_PYTHON_DIR="$ROOTFS$PYTHON_IN_IMAGE" "$ROOTFS/usr/local/bin/runner-node" \
        precompile --output "$ROOTFS$PRECOMPILED_IN_IMAGE" >"$log" 2>&1 ||
        { log "runner-node precompile failed:" && cat "$log" >&2 && return 1; }
    chmod a-w "$ROOTFS$PRECOMPILED_IN_IMAGE" "$ROOTFS$PRECOMPILED_IN_IMAGE.meta"
}

# docker_build NAME [DOCKERFILE REF]: builds image NAME from images/DOCKERFILE.Dockerfile
# (default NAME) and its staged rootfs, tagged REF (default PREFIX/NAME:TAG).
docker_build() {
    local name="$1" dockerfile="${2:-$1}" ref="${3:-$prefix/$1:$tag}"
    # The classic builder: BuildKit is optional on Docker engines, and FROM scratch needs nothing
    # it adds.
    DOCKER_BUILDKIT=0 docker build --quiet --build-arg "VERSION=$VERSION" \
        -f "images/$dockerfile.Dockerfile" -t "$ref" "$STAGING/$name" >/dev/null
    printf '%s %s %s\n' "$name" "$ref" "$(docker image inspect -f '{{.Size}}' "$ref")"
}

# runner_node RUNTIME: the runner-node image's rootfs for RUNTIME, staged as image_name's.
runner_node() {
    local runtime="$1" name
    name="$(image_name "$runtime")"
    ensure_python_wasi "$runtime"
    new_rootfs "$name" runner-node
    add_python
    precompile "$name"
    # Writable only through the volumes a pod mounts there (the root filesystem is read-only).
    mkdir -p "$ROOTFS/var/cache/runner" "$ROOTFS/var/run/runner/data" "$ROOTFS/etc/runner"
}

runner_operator() {
    new_rootfs runner-operator
}

# image_name RUNTIME: runner-node, or runner-node-RUNTIME for another runtime than standard.
image_name() { if [ "$1" = standard ]; then echo runner-node; else echo "runner-node-$1"; fi; }

build_images() {
    local runtime
    for runtime in $runtimes; do
        if [ "$runtime" = standard ]; then
            docker_build runner-node
        else
            docker_build "$(image_name "$runtime")" runner-node "$prefix/runner-node:$tag-$runtime"
        fi
    done
    docker_build runner-operator
}

stage "tools (apt)" ensure_apt binutils
for runtime in $runtimes; do
    stage "CPython for WASI ($runtime)" ensure_python_wasi "$runtime"
done
stage "binaries ($profile)" build_binaries
for runtime in $runtimes; do
    stage "$(image_name "$runtime") rootfs" runner_node "$runtime"
done
stage "runner-operator rootfs" runner_operator
[ -n "$rootfs_only" ] || stage "docker build" build_images
