#!/usr/bin/env bash
# Build CPython for wasm32-wasip1 (interpreter + standard library) from pinned sources.
#
#   python-wasi/build.sh              build if needed; last stdout line = output dir
#   python-wasi/build.sh --print-dir  print the output dir only (no build, no network)
#   python-wasi/build.sh --check      build if needed, then smoke-test the guest
#   python-wasi/build.sh --run ARG..  build if needed, then run python.wasm ARG..
#                                     (stdlib at /usr/local/lib, the cwd at /work)
#   python-wasi/build.sh --variant scientific [--check|--run ...|--print-dir]
#                                     the same for a variant (NAME.sh: numpy, pandas)
#
# Output: $PYTHON_WASI_CACHE (default $SANDBOX_CACHE/python-wasi, ~/.cache/python-sandbox/python-wasi)/<key>/
#   python.wasm, lib/python3.13/, BUILD-INFO. <key> hashes versions.env, this script and
#   patches/*.patch, so changing the recipe builds into a new directory.
# Everything fetched comes from Debian's archive through apt (private apt state in the
# cache) or from PyPI through pip, and is checked against versions.env's sha256 pins.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=versions.env disable=SC1091
source "$HERE/versions.env"
# shellcheck source-path=SCRIPTDIR source=wasm-libs.sh
source "$HERE/wasm-libs.sh"
export SOURCE_DATE_EPOCH

# --- Extension points (all part of the cache key) ------------------------------------
# Patches applied to the CPython source with `patch -p1`, in name order.
PATCH_DIR="$HERE/patches"
# Extra flags for compiling CPython, and for linking python.wasm only (not configure's
# test programs), e.g. `-Wl,--export=NAME` for a snapshot entry point.
EXTRA_CFLAGS=()
EXTRA_PYTHON_LDFLAGS=()
# Optimisation of the interpreter (CPython's default is -O3; -O2 is smaller).
OPT_FLAGS="-DNDEBUG -O2"
# Parts of the standard library that cannot work in the sandbox or are tests/tools.
STDLIB_DROP=(test idlelib tkinter turtledemo ensurepip lib2to3 turtle.py)
# Pure-Python stand-ins (stdlib/) that replace modules needing native code the guest cannot
# have; each sets `__sandbox_stand_in__ = True`.
STAND_INS=(ctypes mmap ssl)

PY_MM="${PYTHON_VERSION%.*}"                       # 3.13
CACHE_ROOT="${PYTHON_WASI_CACHE:-${SANDBOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/python-sandbox}/python-wasi}"
JOBS="${PYTHON_WASI_JOBS:-2}"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'python-wasi: error: %s\n' "$*" >&2; exit 1; }

# --- Variants -------------------------------------------------------------------------
# `--variant NAME` (the first argument) builds the variant that $HERE/NAME.sh describes
# into its own key, cpython-<version>-wasip1-NAME-<hash>. NAME.sh defines variant_key and
# overrides these hooks; the standard build runs them as no-ops.
VARIANT=standard
variant_fetch() { :; }                 # fetch and check the variant's pinned files
variant_after_make_host() { :; }       # steps after make-host (may relink python.wasm)
variant_after_install_stdlib() { :; }  # steps that add to the staged lib/
variant_build_info() { :; }            # extra BUILD-INFO lines
variant_check() { :; }                 # guest checks after check_guest (argument: output dir)
if [[ "${1:-}" == --variant ]]; then
  [[ -n "${2:-}" ]] || die "--variant needs a name"
  VARIANT="$2"
  shift 2
fi
if [[ $VARIANT != standard ]]; then
  [[ $VARIANT =~ ^[a-z][a-z0-9-]*$ && -f "$HERE/$VARIANT.sh" ]] \
    || die "unknown variant '$VARIANT' (no $HERE/$VARIANT.sh)"
  # shellcheck source-path=SCRIPTDIR source=scientific.sh
  source "$HERE/$VARIANT.sh"
fi

# The key names the recipe: pins, these scripts, the runner it tests with, patches and
# stand-ins.
cache_key() {
  local inputs=("$HERE/versions.env" "$HERE/build.sh" "$HERE/wasm-libs.sh" "$HERE/runner-entry.c")
  local f
  while IFS= read -r f; do inputs+=("$f"); done < <(find "$HERE/stdlib" -type f -name '*.py' | sort)
  if [[ -d "$PATCH_DIR" ]]; then
    local p
    for p in "$PATCH_DIR"/*.patch; do [[ -e "$p" ]] && inputs+=("$p"); done
  fi
  local sum
  sum="$(cd "$HERE" && sha256sum "${inputs[@]#"$HERE/"}" | sha256sum | cut -c1-12)"
  printf 'cpython-%s-wasip1-%s' "$PYTHON_VERSION" "$sum"
}

KEY="$(cache_key)"
[[ $VARIANT == standard ]] || KEY="$(variant_key "$KEY")"
OUT="$CACHE_ROOT/$KEY"
STAMP="$OUT/.complete"
WORK="$CACHE_ROOT/work/$KEY"
LOGS="$WORK/logs"
DOWNLOADS="$CACHE_ROOT/downloads"
APT_DIR="$CACHE_ROOT/apt"
VENV="$CACHE_ROOT/tools/wasmtime-py-$WASMTIME_PY_VERSION"
RUNNER=("$VENV/bin/python" "$HERE/run-wasm.py" --cache-dir "$CACHE_ROOT/tools/cwasm")

# Run a build step with its output in a log file; show the log's tail if it fails.
step() {
  local name="$1"; shift
  log "$name"
  mkdir -p "$LOGS"
  local logfile="$LOGS/$name.log" rc=0 start=$SECONDS
  # A subshell run in the background keeps `set -e` in force inside the step (bash
  # ignores it in functions called from an `if` or `||` context).
  ( "$@" ) >"$logfile" 2>&1 </dev/null &
  wait $! || rc=$?
  if [[ $rc -ne 0 ]]; then
    tail -n 40 "$logfile" >&2
    die "step '$name' failed (exit $rc); full log: $logfile"
  fi
  log "$name done in $((SECONDS - start))s"
}

# --- Host toolchain -------------------------------------------------------------------
ensure_host_packages() {
  local missing=() pkg
  # shellcheck disable=SC2086 # HOST_PACKAGES is a space-separated list
  for pkg in $HOST_PACKAGES; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
      || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  # As root, or as a user who may sudo (asked for a password then, if sudo wants one).
  local sudo=()
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null ||
      die "missing Debian packages (install them as root, or run this with sudo available): ${missing[*]}"
    sudo=(sudo)
  fi
  log "apt-get install ${missing[*]}"
  "${sudo[@]}" apt-get update -qq >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
}

# --- Pinned downloads -----------------------------------------------------------------
# apt with its own state, lists and sources under the cache: it sees only $DEBIAN_SUITE
# and changes nothing system-wide.
apt_private() {
  local cmd="$1"; shift
  "$cmd" \
    -o "Dir::State=$APT_DIR/state" \
    -o "Dir::State::Lists=$APT_DIR/state/lists" \
    -o "Dir::State::status=$APT_DIR/state/status" \
    -o "Dir::Cache=$APT_DIR/cache" \
    -o "Dir::Cache::archives=$APT_DIR/cache/archives" \
    -o "Dir::Etc::SourceList=$APT_DIR/sources.list" \
    -o "Dir::Etc::SourceParts=$APT_DIR/sources.list.d" \
    -o "Dir::Etc::Preferences=$APT_DIR/preferences" \
    -o "Dir::Etc::PreferencesParts=$APT_DIR/preferences.d" \
    -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false" \
    -o "Acquire::Languages=none" \
    -o "APT::Sandbox::User=root" \
    "$@"
}

APT_UPDATED=0
apt_private_update() {
  [[ $APT_UPDATED -eq 1 ]] && return 0
  mkdir -p "$APT_DIR/state/lists/partial" "$APT_DIR/cache/archives/partial" \
    "$APT_DIR/sources.list.d" "$APT_DIR/preferences.d"
  touch "$APT_DIR/state/status"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  printf 'deb [signed-by=%s] %s %s main\ndeb-src [signed-by=%s] %s %s main\n' \
    "$keyring" "$DEBIAN_MIRROR" "$DEBIAN_SUITE" "$keyring" "$DEBIAN_MIRROR" "$DEBIAN_SUITE" \
    >"$APT_DIR/sources.list"
  apt_private apt-get update -qq
  APT_UPDATED=1
}

# fetch FILE SHA256 KIND NAME: put FILE into $DOWNLOADS, via `apt-get source` (KIND=src)
# or `apt-get download` (KIND=deb), and check it against the pin.
fetch() {
  local file="$1" sha="$2" kind="$3" name="$4"
  mkdir -p "$DOWNLOADS"
  if [[ -f "$DOWNLOADS/$file" ]] \
    && (cd "$DOWNLOADS" && echo "$sha  $file" | sha256sum -c --quiet - >/dev/null 2>&1); then
    return 0
  fi
  apt_private_update
  local tmp problem=""
  tmp="$(mktemp -d "$DOWNLOADS/.fetch.XXXXXX")"
  case "$kind" in
    src) (cd "$tmp" && apt_private apt-get source -qq --download-only --tar-only "$name") ;;
    deb) (cd "$tmp" && apt_private apt-get download -qq "$name") ;;
  esac || problem="apt-get failed to fetch '$name' from $DEBIAN_SUITE"
  if [[ -z "$problem" && ! -f "$tmp/$file" ]]; then
    problem="apt did not deliver $file for '$name' (got: $(ls "$tmp"))"
  elif [[ -z "$problem" ]] && ! (cd "$tmp" && echo "$sha  $file" | sha256sum -c --quiet -); then
    problem="$file does not match its pinned sha256 in versions.env"
  fi
  [[ -z "$problem" ]] && mv -f "$tmp/$file" "$DOWNLOADS/$file"
  rm -rf "$tmp"
  [[ -z "$problem" ]] || die "$problem"
}

fetch_all() {
  fetch "$PYTHON_TARBALL" "$PYTHON_TARBALL_SHA256" src "$PYTHON_SRC_PACKAGE"
  wasm_libs_fetch
  fetch "$WASI_LIBC_DEB" "$WASI_LIBC_DEB_SHA256" deb "wasi-libc=$WASI_LIBC_VERSION"
}

# wasmtime-py in a venv, installed with pip --require-hashes.
ensure_runner() {
  [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import wasmtime' 2>/dev/null && return 0
  local python=python3
  [[ -x /usr/bin/python3 ]] && python=/usr/bin/python3
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  "$python" -m venv "$VENV" || die "'$python -m venv' failed (Debian: install python3-venv)"
  printf 'wasmtime==%s --hash=sha256:%s --hash=sha256:%s\n' "$WASMTIME_PY_VERSION" \
    "$WASMTIME_PY_SHA256_X86_64" "$WASMTIME_PY_SHA256_AARCH64" >"$VENV/requirements.txt"
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps --only-binary=:all: \
    --require-hashes -r "$VENV/requirements.txt"
}

# --- Build steps ----------------------------------------------------------------------
# A wasi-sdk-shaped toolchain dir: wrappers that pin target, sysroot and resource dir
# (without --sysroot the host's /usr/include leaks in), plus a sysroot copy we can add
# zlib to.
make_toolchain() {
  local tc="$WORK/toolchain" llvm="/usr/lib/llvm-$LLVM_MAJOR"
  local sysroot="$tc/share/wasi-sysroot" res="$tc/lib/clang/$LLVM_MAJOR"
  rm -rf "$tc"
  mkdir -p "$tc/bin" "$tc/deb" "$tc/share" "$res/lib/wasm32-unknown-wasip1"
  dpkg-deb -x "$DOWNLOADS/$WASI_LIBC_DEB" "$tc/deb"
  mv "$tc/deb/usr" "$sysroot"
  rm -rf "$tc/deb"
  # clang 19 looks for the builtins under the target triple; Debian ships them as wasi/.
  ln -s "$llvm/lib/clang/$LLVM_MAJOR/include" "$res/include"
  ln -s "$llvm/lib/clang/$LLVM_MAJOR/lib/wasi/libclang_rt.builtins-wasm32.a" \
    "$res/lib/wasm32-unknown-wasip1/libclang_rt.builtins.a"
  local flags="--target=wasm32-wasip1 --sysroot=$sysroot -resource-dir=$res"
  local tool
  for tool in clang clang++; do
    printf '#!/bin/sh\nexec %s/bin/%s %s "$@"\n' "$llvm" "$tool" "$flags" >"$tc/bin/$tool"
  done
  printf '#!/bin/sh\nexec %s/bin/clang %s -E "$@"\n' "$llvm" "$flags" >"$tc/bin/clang-cpp"
  chmod +x "$tc/bin/clang" "$tc/bin/clang++" "$tc/bin/clang-cpp"
  for tool in llvm-ar llvm-ranlib llvm-nm llvm-strip wasm-ld; do
    ln -s "$llvm/bin/$tool" "$tc/bin/$tool"
  done
  ln -s llvm-ranlib "$tc/bin/ranlib"
  ln -s llvm-ar "$tc/bin/ar"
  # Smoke test: a C program compiles and links for wasm32-wasip1.
  printf '#include <pthread.h>\nint main(void) { pthread_t t; (void)t; return 0; }\n' \
    >"$tc/probe.c"
  "$tc/bin/clang" -O2 "$tc/probe.c" -o "$tc/probe.wasm"
  rm -f "$tc/probe.c" "$tc/probe.wasm"
}

unpack_python() {
  local src="$WORK/src"
  rm -rf "$src"
  mkdir -p "$src"
  tar -xf "$DOWNLOADS/$PYTHON_TARBALL" -C "$src" --strip-components=1
  if [[ -d "$PATCH_DIR" ]]; then
    local p
    for p in "$PATCH_DIR"/*.patch; do
      [[ -e "$p" ]] || continue
      echo "applying $(basename "$p")"
      patch -d "$src" -p1 --forward --batch <"$p"
    done
  fi
}

# The build Python (autoconf's "build" machine: this one) that a cross build needs to
# run its generators and compileall; it must be the same version. Shared by every key
# with the same tarball and recipe, so changing only the wasm side does not rebuild it.
# -O1 without -g: it compiles in about half the time of CPython's default -O3 -g.
BUILD_PYTHON_OPT="-DNDEBUG -O1"
BUILD_PYTHON_ARGS=(--disable-test-modules --without-ensurepip)
build_python_dir() {
  local recipe
  recipe="$(printf '%s\n' "$BUILD_PYTHON_OPT" "${BUILD_PYTHON_ARGS[@]}" | sha256sum | cut -c1-8)"
  echo "$CACHE_ROOT/work/build-python-$PYTHON_VERSION-${PYTHON_TARBALL_SHA256:0:12}-$recipe"
}

build_build_python() {
  local dir src
  dir="$(build_python_dir)"
  [[ -f "$dir/.complete" ]] && { echo "reusing $dir"; return 0; }
  rm -rf "$dir"
  mkdir -p "$dir/src" "$dir/build"
  src="$dir/src"
  tar -xf "$DOWNLOADS/$PYTHON_TARBALL" -C "$src" --strip-components=1
  (cd "$dir/build" && OPT="$BUILD_PYTHON_OPT" "$src/configure" "${BUILD_PYTHON_ARGS[@]}" \
    && make -j"$JOBS" all)
  "$dir/build/python" -c 'import sys; print(sys.version)'
  touch "$dir/.complete"
}

configure_host() {
  local tc="$WORK/toolchain" src="$WORK/src" dir="$WORK/host" build_py
  local sysroot="$tc/share/wasi-sysroot"
  build_py="$(build_python_dir)/build/python"
  local libs
  mapfile -t libs < <(wasm_lib_env)
  rm -rf "$dir"
  mkdir -p "$dir"
  # configure is called by a relative path so that srcdir (compiled into python.wasm as
  # VPATH) does not depend on where the cache lives: the build is then reproducible.
  (cd "$dir" && env \
    CONFIG_SITE="$src/Tools/wasm/config.site-wasm32-wasi" \
    CC="$tc/bin/clang" CPP="$tc/bin/clang-cpp" CXX="$tc/bin/clang++" \
    AR="$tc/bin/llvm-ar" RANLIB="$tc/bin/llvm-ranlib" \
    OPT="$OPT_FLAGS" \
    CFLAGS="-ffile-prefix-map=$WORK=/build ${EXTRA_CFLAGS[*]}" \
    PKG_CONFIG_PATH="" PKG_CONFIG_LIBDIR="$sysroot/lib/pkgconfig" \
    PKG_CONFIG_SYSROOT_DIR="$sysroot" \
    "${libs[@]}" \
    HOSTRUNNER="${RUNNER[*]} --dir $src::/" \
    ../src/configure \
      --host=wasm32-wasip1 --build="$("$src/config.guess")" \
      --with-build-python="$build_py" \
      --prefix=/usr/local \
      --disable-test-modules \
      --without-system-expat --without-system-libmpdec \
      --without-ensurepip)
}

# runner-entry.c: the snapshot entry points runner-node uses (see that file), linked into
# python.wasm only.
compile_runner_entry() {
  local dir="$WORK/host" tc="$WORK/toolchain"
  # shellcheck disable=SC2086 # OPT_FLAGS is a list of flags
  "$tc/bin/clang" $OPT_FLAGS -Wall -Werror -ffile-prefix-map="$HERE=/python-wasi" \
    -I "$WORK/src/Include" -I "$dir" -c "$HERE/runner-entry.c" -o "$dir/runner-entry.o"
}

make_host() {
  local dir="$WORK/host"
  local link="$dir/runner-entry.o ${EXTRA_PYTHON_LDFLAGS[*]}"
  # LINKFORSHARED is used only for the python.wasm link; keep configure's value.
  local linkforshared
  linkforshared="$(sed -n 's/^LINKFORSHARED=[[:space:]]*//p' "$dir/Makefile")"
  make -C "$dir" -j"$JOBS" all LINKFORSHARED="$linkforshared $link"
}

# Install the stdlib (upstream's libinstall: the file set its Makefile defines) into a
# staging dir, then cut what the sandbox cannot use and precompile the rest.
install_stdlib() {
  local dir="$WORK/host" stage="$WORK/stage" build_py
  build_py="$(build_python_dir)/build/python"
  rm -rf "$stage"
  # libinstall compiles .pyc itself (3 optimisation levels, timestamp-checked); those
  # are discarded below and rebuilt once as unchecked-hash .pyc.
  make -C "$dir" libinstall DESTDIR="$stage/root" COMPILEALL_OPTS="-j0 -q"
  local lib="$stage/root/usr/local/lib/python$PY_MM"
  [[ -f "$lib/os.py" ]] || die "libinstall produced no stdlib at $lib"
  local d
  for d in "${STDLIB_DROP[@]}" "${STAND_INS[@]}"; do rm -rf "${lib:?}/$d"; done
  cp -R "$HERE/stdlib/." "$lib/"
  # zoneinfo's IANA database: PyPI's tzdata, where the guest's site finds it.
  printf 'tzdata==%s --hash=sha256:%s\n' "$TZDATA_VERSION" "$TZDATA_WHEEL_SHA256" \
    >"$WORK/tzdata-requirements.txt"
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps --no-compile \
    --only-binary=:all: --require-hashes --target "$lib/site-packages" \
    -r "$WORK/tzdata-requirements.txt"
  # The sysconfig data records build paths; show the guest neutral ones instead of the
  # host's (and keep the stdlib the same wherever the cache and the repo live).
  sed -i -e "s|$WORK|/build|g" -e "s|$CACHE_ROOT|/cache|g" -e "s|$HERE|/python-wasi|g" \
    "$lib"/_sysconfigdata_*.py
  find "$lib" -name __pycache__ -type d -prune -exec rm -rf {} +
  # unchecked-hash: deterministic, and valid whatever mtimes the files get when copied
  # (the lib is read-only in the guest, so stale-looking .pyc would be recompiled on
  # every start). -d: the path the guest sees in tracebacks.
  "$build_py" -E -s -m compileall -q -j0 -o 0 --invalidation-mode unchecked-hash \
    -d "/usr/local/lib/python$PY_MM" -x 'bad_coding|badsyntax' "$lib"
  # Empty, but its presence is how getpath finds exec_prefix; without it every start
  # prints "Could not find platform dependent libraries".
  mkdir -p "$lib/lib-dynload" "$stage/out/lib"
  mv "$lib" "$stage/out/lib/python$PY_MM"
  rm -rf "$stage/root"
}

finish_output() {
  local stage="$WORK/stage/out" dir="$WORK/host"
  "/usr/lib/llvm-$LLVM_MAJOR/bin/llvm-strip" --strip-debug "$dir/python.wasm" \
    -o "$stage/python.wasm"
  {
    echo "key=$KEY"
    echo "runtime=$VARIANT"
    echo "stand_ins=${STAND_INS[*]}"
    echo "python=$PYTHON_VERSION target=wasm32-wasip1 prefix=/usr/local opt=$OPT_FLAGS"
    echo "python_tarball=$PYTHON_TARBALL sha256=$PYTHON_TARBALL_SHA256 (Debian $DEBIAN_SUITE source package $PYTHON_SRC_PACKAGE)"
    wasm_libs_info
    echo "tzdata=$TZDATA_VERSION wheel sha256=$TZDATA_WHEEL_SHA256 (PyPI)"
    echo "wasi_libc_deb=$WASI_LIBC_DEB sha256=$WASI_LIBC_DEB_SHA256 (Debian $DEBIAN_SUITE)"
    echo "clang=$(dpkg-query -W -f='${Version}' "clang-$LLVM_MAJOR") (Debian package clang-$LLVM_MAJOR)"
    echo "patches=$(cd "$HERE" && find patches -name '*.patch' 2>/dev/null | sort | tr '\n' ' ')"
    echo "extra_cflags=${EXTRA_CFLAGS[*]}"
    echo "extra_python_ldflags=${EXTRA_PYTHON_LDFLAGS[*]}"
    echo "python_wasm_sha256=$(sha256sum "$stage/python.wasm" | cut -d' ' -f1)"
    variant_build_info
    echo "modules=$(module_list)"
  } >"$stage/BUILD-INFO"
}

# Built-in extension modules, from the host build's generated config.c.
module_list() {
  sed -n 's/^ *{"\([A-Za-z0-9_.]*\)", PyInit_.*/\1/p' "$WORK/host/Modules/config.c" \
    | sort | tr '\n' ' '
}

# --- Guest checks ---------------------------------------------------------------------
run_guest() {
  local out="$1"; shift
  "${RUNNER[@]}" --dir "$out/lib::/usr/local/lib::ro" "$out/python.wasm" "$@"
}

# The guest checks (check-guest.py) are not part of the cache key: they test a build, they do
# not make it.
check_guest() {
  local out="$1"
  log "check: python.wasm --version and imports (stdlib at /usr/local/lib, read-only)"
  run_guest "$out" --version >&2
  local err
  err="$(mktemp)"
  run_guest "$out" -c "import json, re, math, datetime, collections, decimal, zlib, hashlib, unicodedata; print('ok')" \
    2>"$err" | grep -x ok >/dev/null || { cat "$err" >&2; die "basic import check failed"; }
  # A clean start prints nothing on stderr (a broken layout warns about prefixes).
  [[ ! -s "$err" ]] || { cat "$err" >&2; die "python.wasm wrote to stderr on a plain start"; }
  rm -f "$err"
  run_guest "$out" -c "$(cat "$HERE/check-guest.py")" >&2 || die "module check failed"
  local rc=0
  run_guest "$out" -c "import sys; sys.exit(3)" || rc=$?
  [[ $rc -eq 3 ]] || die "sys.exit(3) gave exit status $rc"
  # runner-node's snapshot entry points (runner-entry.c) beside the usual `_start`.
  local exports name
  exports="$("${RUNNER[@]}" --list-exports "$out/python.wasm")"
  for name in _start wizer-initialize runner-run runner-session-alloc runner-session-run; do
    grep -qx -- "$name" <<<"$exports" || die "python.wasm does not export $name"
  done
  log "check passed: $out"
}

# --- Main -----------------------------------------------------------------------------
build() {
  [[ -f "$STAMP" ]] && return 0
  mkdir -p "$CACHE_ROOT"
  # One build per cache at a time; a waiting build finds the stamp and returns.
  exec 9>"$CACHE_ROOT/.lock"
  flock 9
  [[ -f "$STAMP" ]] && return 0
  BUILD_START=$SECONDS
  log "building $KEY (logs: $LOGS)"
  ensure_host_packages
  log "fetch pinned sources (apt, $DEBIAN_SUITE) and check sha256"
  fetch_all
  variant_fetch
  step runner ensure_runner
  rm -rf "$WORK"
  mkdir -p "$WORK"
  step toolchain make_toolchain
  step zlib build_zlib
  step bzip2 build_bzip2
  step xz build_xz
  step sqlite build_sqlite
  step unpack-python unpack_python
  step build-python build_build_python
  step configure-host configure_host
  step runner-entry compile_runner_entry
  step make-host make_host
  variant_after_make_host
  step install-stdlib install_stdlib
  variant_after_install_stdlib
  step finish finish_output
  check_guest "$WORK/stage/out"
  variant_check "$WORK/stage/out"
  touch "$WORK/stage/out/.complete"
  rm -rf "$OUT"
  mv -T "$WORK/stage/out" "$OUT"
  # Keep the logs, drop the build trees (~1 GB).
  find "$WORK" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
  log "built $OUT in $((SECONDS - BUILD_START))s"
}

main() {
  local mode="build"
  case "${1:-}" in
    --print-dir) echo "$OUT"; return 0 ;;
    --check) mode=check ;;
    --run) mode=run; shift ;;
    "") ;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; return 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  case "$mode" in
    run)
      # Keep the guest's stdout clean: build progress goes to stderr.
      build >&2
      ensure_runner >&2
      exec "${RUNNER[@]}" --dir "$OUT/lib::/usr/local/lib::ro" --dir "$PWD::/work" \
        "$OUT/python.wasm" "$@"
      ;;
    check)
      build >&2
      ensure_runner >&2
      check_guest "$OUT"
      variant_check "$OUT"
      ;;
    build) build >&2 ;;
  esac
  echo "$OUT"
}

main "$@"
