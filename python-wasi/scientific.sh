# shellcheck shell=bash
# The `scientific` variant (build.sh --variant scientific): numpy and pandas compiled for
# wasm32-wasip1 and linked into python.wasm as built-in modules, their Python parts and
# pandas' pure-Python dependencies in the read-only library's site-packages.
#
# Sourced by build.sh, which calls the variant_* hooks defined here. The standard build runs
# unchanged up to `make-host`; then:
#   sci-toolchain  libc++/libc++abi (trixie) into the sysroot copy, C++ exception stubs,
#                  compiler wrappers for meson, the cross Python and meson cross file
#   sci-venv       Cython, meson, ninja, versioneer (pip --require-hashes) in a venv
#   numpy, pandas  meson setup/compile/install of each sdist; an extension module's link
#                  writes a manifest of its objects (scientific/fake-link.py) instead
#   sci-link-test  the test interpreter: python.wasm linked with numpy's C test modules too
#                  (numpy._core._multiarray_tests and four more), kept apart as test/python.wasm
#   sci-link       archive each module's objects, add them to Modules/config.c's inittab
#                  under their dotted names, relink python.wasm
#   sci-lib        (after install-stdlib) the Python parts and pure-Python dependencies
#                  into lib/python3.13/site-packages, precompiled like the stdlib; numpy and
#                  pandas with their test suites into test/site-packages (test-scientific.sh)

# shellcheck source-path=SCRIPTDIR source=versions-scientific.env
source "$HERE/versions-scientific.env"

SCI_FILES="$HERE/scientific"

# The variant's key: the standard recipe's key plus this file, its pins and scientific/.
variant_key() {
  local base="$1" sum files
  mapfile -t files < <(cd "$HERE" && find scientific -type f | sort)
  sum="$( { echo "$base"; cd "$HERE" \
    && sha256sum scientific.sh versions-scientific.env "${files[@]}"; } \
    | sha256sum | cut -c1-12)"
  printf 'cpython-%s-wasip1-scientific-%s' "$PYTHON_VERSION" "$sum"
}

sci_venv_dir() {
  local sum
  sum="$(printf '%s' "$BUILD_REQUIREMENTS" | sha256sum | cut -c1-12)"
  echo "$CACHE_ROOT/tools/sci-build-$sum"
}

# fetch_pypi FILE SHA256 URL: a pinned file from PyPI's file host into $DOWNLOADS.
fetch_pypi() {
  local file="$1" sha="$2" url="$3"
  mkdir -p "$DOWNLOADS"
  if [[ -f "$DOWNLOADS/$file" ]] \
    && (cd "$DOWNLOADS" && echo "$sha  $file" | sha256sum -c --quiet - >/dev/null 2>&1); then
    return 0
  fi
  command -v curl >/dev/null || die "curl is needed to fetch $file"
  local tmp
  tmp="$(mktemp -d "$DOWNLOADS/.fetch.XXXXXX")"
  if ! curl -fsSL --retry 3 -o "$tmp/$file" "$url"; then
    rm -rf "$tmp"
    die "could not fetch $url"
  fi
  if ! (cd "$tmp" && echo "$sha  $file" | sha256sum -c --quiet -); then
    rm -rf "$tmp"
    die "$file does not match its pinned sha256 in versions-scientific.env"
  fi
  mv -f "$tmp/$file" "$DOWNLOADS/$file"
  rm -rf "$tmp"
}

variant_fetch() {
  fetch "$LIBCXX_DEB" "$LIBCXX_DEB_SHA256" deb "libc++-$LLVM_MAJOR-dev-wasm32=$LIBCXX_VERSION"
  fetch "$LIBCXXABI_DEB" "$LIBCXXABI_DEB_SHA256" deb \
    "libc++abi-$LLVM_MAJOR-dev-wasm32=$LIBCXX_VERSION"
  fetch_pypi "$NUMPY_SDIST" "$NUMPY_SDIST_SHA256" "$NUMPY_SDIST_URL"
  fetch_pypi "$PANDAS_SDIST" "$PANDAS_SDIST_SHA256" "$PANDAS_SDIST_URL"
}

# --- sci-toolchain ----------------------------------------------------------------------
# Compiler wrappers for meson: an extension module's link (-shared) writes a manifest of its
# inputs (fake-link.py); every other command goes to the toolchain's clang without -fPIC
# (the objects are linked statically; PIC code would go through a GOT) and -pthread.
write_cc_wrapper() {
  local out="$1" real="$2" venv
  venv="$(sci_venv_dir)"
  cat >"$out" <<EOF
#!/bin/sh
for a in "\$@"; do
  if [ "\$a" = -shared ]; then exec "$venv/bin/python" "$SCI_FILES/fake-link.py" "\$@"; fi
done
for a in "\$@"; do
  shift
  case "\$a" in -fPIC|-fpic|-pthread) ;; *) set -- "\$@" "\$a" ;; esac
done
exec "$real" "\$@"
EOF
  chmod +x "$out"
}

sci_toolchain() {
  local tc="$WORK/toolchain" sci="$WORK/sci" build_py
  local sysroot="$tc/share/wasi-sysroot"
  build_py="$(build_python_dir)/build/python"
  rm -rf "$sci"
  mkdir -p "$sci/bin" "$sci/deb"
  # include/wasm32-wasi/c++/v1 (a symlink into lib/llvm-19/include) and
  # lib/wasm32-wasi/libc++{,abi}.a, where clang++ --target=wasm32-wasip1 looks.
  dpkg-deb -x "$DOWNLOADS/$LIBCXX_DEB" "$sci/deb"
  dpkg-deb -x "$DOWNLOADS/$LIBCXXABI_DEB" "$sci/deb"
  cp -a "$sci/deb/usr/." "$sysroot/"
  rm -rf "$sci/deb"
  # shellcheck disable=SC2086 # OPT_FLAGS is a list of flags
  "$tc/bin/clang" $OPT_FLAGS -Wall -Werror -c "$SCI_FILES/cxa-abort.c" -o "$sci/cxa-abort.o"
  write_cc_wrapper "$sci/bin/cc" "$tc/bin/clang"
  write_cc_wrapper "$sci/bin/c++" "$tc/bin/clang++"
  # The cross Python: the build Python seeing the wasm build's sysconfig (pyconfig.h, EXT_SUFFIX,
  # include dirs), as CPython's own PYTHON_FOR_BUILD runs it. SCI_PYTHONPATH adds to it.
  cat >"$sci/bin/python-wasm" <<EOF
#!/bin/sh
export _PYTHON_PROJECT_BASE="$WORK/host"
export _PYTHON_HOST_PLATFORM=wasi-wasm32
export _PYTHON_SYSCONFIGDATA_NAME=_sysconfigdata__wasi_wasm32-wasi
export PYTHONPATH="$WORK/host/$(cat "$WORK/host/pybuilddir.txt")\${SCI_PYTHONPATH:+:\$SCI_PYTHONPATH}"
exec "$build_py" "\$@"
EOF
  chmod +x "$sci/bin/python-wasm"
  "$sci/bin/python-wasm" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))' \
    | grep -qx '.cpython-313-wasm32-wasi.so' || die "the cross Python does not see the wasm sysconfig"
  # meson's Python dependency puts the install scheme's include dir (/usr/local/include/
  # python3.13) before the build tree's: a host CPython installed there would shadow the
  # wasm build's headers and pyconfig.h.
  [[ ! -e /usr/local/include/python$PY_MM ]] \
    || die "/usr/local/include/python$PY_MM exists on this host and would shadow the wasm headers"
  # libc++ works with trixie's wasi-libc: containers, algorithms, strings, iostreams.
  cat >"$sci/probe.cpp" <<'EOF'
#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>
static int twice(int x) { if (x < 0) throw std::invalid_argument("negative"); return 2 * x; }
int main(int argc, char **) {
  std::vector<double> v{3, 1, 2};
  std::sort(v.begin(), v.end());
  std::unordered_map<std::string, int> m;
  m["a"] = twice(argc);
  std::printf("%g %g %g %d\n", v[0], v[1], v[2], m["a"]);
  return 0;
}
EOF
  # shellcheck disable=SC2086
  "$tc/bin/clang++" $OPT_FLAGS -std=c++20 "$sci/probe.cpp" "$sci/cxa-abort.o" -o "$sci/probe.wasm"
  "${RUNNER[@]}" "$sci/probe.wasm" | grep -qx '1 2 3 2' || die "the libc++ probe did not run"
  rm -f "$sci/probe.cpp" "$sci/probe.wasm"
}

# The meson cross file: wasm32-wasip1 through the wrappers, the cross Python, the venv's
# Cython. numpy's vendored meson and PyPI's meson both read it.
# write_cross_file NAME [FLAG..]: $WORK/sci/NAME, with FLAGs added to the C and C++ flags.
write_cross_file() {
  local name="$1"; shift
  local sci="$WORK/sci" venv tc="$WORK/toolchain" flag
  venv="$(sci_venv_dir)"
  # pyconfig.h defines these for CPython's own sources; numpy's and pandas' files that do
  # not include Python.h need them too before <signal.h> and friends.
  local defs="'-D_WASI_EMULATED_SIGNAL', '-D_WASI_EMULATED_PROCESS_CLOCKS', '-D_WASI_EMULATED_GETPID'"
  defs+=", '-ffile-prefix-map=$WORK=/build'"
  for flag in "$@"; do defs+=", '$flag'"; done
  # Cython finds `cimport numpy`'s numpy/__init__.pxd on sys.path: the staged wasm numpy.
  # meson runs `cython` from PATH whatever the cross file says, so this wrapper goes first
  # on PATH (its own dir: the compiler wrappers must not be taken for the build machine's).
  mkdir -p "$sci/path"
  cat >"$sci/path/cython" <<EOF
#!/bin/sh
PYTHONPATH="$(sci_site)" exec "$venv/bin/cython" "\$@"
EOF
  chmod +x "$sci/path/cython"
  cat >"$sci/$name" <<EOF
[binaries]
c = '$sci/bin/cc'
cpp = '$sci/bin/c++'
ar = '$tc/bin/llvm-ar'
nm = '$tc/bin/llvm-nm'
strip = '$tc/bin/llvm-strip'
python = '$sci/bin/python-wasm'
cython = '$sci/path/cython'
pkg-config = 'false'

[host_machine]
system = 'wasi'
cpu_family = 'wasm32'
cpu = 'wasm32'
endian = 'little'

[properties]
needs_exe_wrapper = true
longdouble_format = 'IEEE_QUAD_LE'

[built-in options]
c_args = [$defs]
cpp_args = [$defs]
EOF
}

# --- sci-venv ---------------------------------------------------------------------------
sci_venv() {
  local venv python=python3
  venv="$(sci_venv_dir)"
  if [[ -x "$venv/bin/cython" && -x "$venv/bin/ninja" && -f "$venv/.complete" ]]; then
    echo "reusing $venv"
  else
    [[ -x /usr/bin/python3 ]] && python=/usr/bin/python3
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv"
    printf '%s\n' "$BUILD_REQUIREMENTS" | sed '/^$/d' >"$venv/requirements.txt"
    "$venv/bin/pip" install -q --disable-pip-version-check --no-deps --only-binary=:all: \
      --require-hashes -r "$venv/requirements.txt"
    touch "$venv/.complete"
  fi
  "$venv/bin/cython" --version
  "$venv/bin/meson" --version
  "$venv/bin/ninja" --version
}

# --- numpy, pandas ----------------------------------------------------------------------
# unpack_sdist TARBALL DIR NAME: unpack, apply scientific/NAME-*.patch in name order, and check
# that every C method declares the parameters CPython passes (a mismatch traps in wasm).
unpack_sdist() {
  local tarball="$1" dir="$2" name="$3" p
  rm -rf "$dir"
  mkdir -p "$dir"
  tar -xf "$DOWNLOADS/$tarball" -C "$dir" --strip-components=1
  for p in "$SCI_FILES/$name"-*.patch; do
    [[ -e "$p" ]] || continue
    echo "applying $(basename "$p")"
    patch -d "$dir" -p1 --forward --batch <"$p"
  done
  "$(sci_venv_dir)/bin/python" "$SCI_FILES/check-method-signatures.py" "$dir/$name" \
    || die "$name: the C methods above would trap in wasm when called; fix their parameters in scientific/$name-method-signatures.patch"
}

# Options both projects get: -O2 like the interpreter, assertions off.
SCI_MESON_OPTS=(--prefix=/usr/local -Dbuildtype=release -Doptimization=2 -Db_ndebug=true)
# numpy: no BLAS/LAPACK (lapack-lite fallback), no SIMD dispatch (wasm32 has no runtime
# CPU features here), no threads.
NUMPY_MESON_OPTS=(-Dallow-noblas=true -Dblas=none -Dlapack=none -Ddisable-optimization=true
  -Ddisable-highway=true -Ddisable-svml=true -Ddisable-threading=true)

# sci_meson_build MESON SRC BUILD CROSS_FILE INSTALL_TAGS [OPTION..]: configure, compile, and
# install into $WORK/sci/stage (INSTALL_TAGS: meson install --tags, "" for everything).
sci_meson_build() {
  local meson="$1" src="$2" bld="$3" cross="$4" tags="$5"; shift 5
  local venv sci="$WORK/sci"
  venv="$(sci_venv_dir)"
  rm -rf "$bld"
  # meson looks up ninja and the build machine's python3 on PATH.
  (cd "$src" && PATH="$sci/path:$venv/bin:$PATH" $meson setup "$bld" --cross-file "$sci/$cross" \
    "${SCI_MESON_OPTS[@]}" "$@")
  PATH="$sci/path:$venv/bin:$PATH" "$venv/bin/ninja" -C "$bld" -j"$JOBS"
  (cd "$bld" && PATH="$sci/path:$venv/bin:$PATH" $meson install --destdir "$sci/stage" --no-rebuild \
    ${tags:+--tags "$tags"})
}

build_numpy() {
  local sci="$WORK/sci" venv
  venv="$(sci_venv_dir)"
  unpack_sdist "$NUMPY_SDIST" "$sci/numpy" numpy
  write_cross_file cross-numpy.ini
  # numpy builds with its vendored meson (its `features` module is not upstream).
  sci_meson_build "$venv/bin/python $sci/numpy/vendored-meson/meson/meson.py" \
    "$sci/numpy" "$sci/numpy-build" cross-numpy.ini runtime,python-runtime \
    "${NUMPY_MESON_OPTS[@]}"
  # A full install (C headers, generated ones included) for pandas' build to compile against,
  # outside the guest's library.
  (cd "$sci/numpy-build" && PATH="$sci/path:$venv/bin:$PATH" "$venv/bin/python" \
    "$sci/numpy/vendored-meson/meson/meson.py" install --destdir "$sci/numpy-devel" \
    --no-rebuild)
}

# Functions pandas' copy of numpy's datetime code (src/vendored/numpy/datetime) defines under
# the same names as numpy's _multiarray_umath: linked into one module, the two would clash
# (wasm-ld has no --allow-multiple-definition, llvm-objcopy cannot rename wasm symbols), so
# pandas' copies are renamed at compile time, which keeps each package calling its own.
# A fourth, get_datetime_metadata_from_dtype (a struct in pandas' copy, a pointer in
# numpy's: unrenamed, pandas' capsule got numpy's and trapped on the call), is also the name
# of a function-like macro and a struct field in pandas, so -D cannot rename it:
# scientific/pandas-datetime-metadata-name.patch renames the function itself.
PANDAS_RENAMES=(add_minutes_to_datetimestruct get_datetimestruct_days is_leapyear)

build_pandas() {
  local sci="$WORK/sci" venv site
  venv="$(sci_venv_dir)"
  site="$sci/stage/usr/local/lib/python$PY_MM/site-packages"
  unpack_sdist "$PANDAS_SDIST" "$sci/pandas" pandas
  # pandas' meson.build runs its scripts with the cross Python (the only `python` meson
  # knows for the host machine). It asks numpy.get_include(): answer with the wasm numpy's
  # headers without importing it. generate_pxi.py imports Cython's Tempita (pure Python on
  # the build Python), generate_version.py imports versioneer.
  local shim="$sci/pandas-pythonpath"
  rm -rf "$shim"
  mkdir -p "$shim/numpy"
  printf 'def get_include():\n    return %s\n' "'$sci/numpy-devel/usr/local/lib/python$PY_MM/site-packages/numpy/_core/include'" \
    >"$shim/numpy/__init__.py"
  local purelib name
  purelib="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
  for name in Cython cython.py versioneer.py; do
    ln -s "$purelib/$name" "$shim/$name"
  done
  [[ -d "$site/numpy" ]] || die "numpy is not staged"
  local renames=() sym
  for sym in "${PANDAS_RENAMES[@]}"; do renames+=("-D$sym=pandas_$sym"); done
  write_cross_file cross-pandas.ini "${renames[@]}"
  # numpy tags its files (runtime, python-runtime: the modules and Python files, not tests
  # or C headers); pandas installs its Python packages untagged, so it installs everything
  # and its test suite (pandas/tests, 2/3 of its files) is moved out here, for the test layer.
  SCI_PYTHONPATH="$shim" sci_meson_build "$venv/bin/meson" "$sci/pandas" "$sci/pandas-build" \
    cross-pandas.ini ""
  rm -rf "$sci/pandas-tests"
  mv "$(sci_site)/pandas/tests" "$sci/pandas-tests"
}

# --- sci-link ---------------------------------------------------------------------------
sci_site() { echo "$WORK/sci/stage/usr/local/lib/python$PY_MM/site-packages"; }

# The test layer's site-packages: numpy as a full install (its tests and C test modules
# included: numpy-devel) and pandas with its tests put back.
sci_test_site() { echo "$WORK/sci/test-site"; }

make_test_site() {
  local test_site
  test_site="$(sci_test_site)"
  rm -rf "$test_site"
  mkdir -p "$test_site"
  cp -R "$WORK/sci/numpy-devel/usr/local/lib/python$PY_MM/site-packages/numpy" "$test_site/"
  cp -R "$(sci_site)/pandas" "$test_site/"
  cp -R "$WORK/sci/pandas-tests" "$test_site/pandas/tests"
}

# sci_relink SITE LINK_DIR: links python.wasm with the extension modules under SITE (their
# objects archived into LINK_DIR), starting from the build's own Modules/config.c.
sci_relink() {
  local site="$1" links="$2" dir="$WORK/host" venv
  venv="$(sci_venv_dir)"
  [[ -f "$WORK/sci/config.c.orig" ]] || cp "$dir/Modules/config.c" "$WORK/sci/config.c.orig"
  cp "$WORK/sci/config.c.orig" "$dir/Modules/config.c"
  "$venv/bin/python" "$SCI_FILES/link-modules.py" "$site" \
    "$("$WORK/sci/bin/python-wasm" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')" \
    "$WORK/toolchain/bin/llvm-ar" "$links"
  # The inittab: the modules under their dotted names (CPython gh-102700), declared before
  # makesetup's MARKER 1 and listed before MARKER 2, as makesetup does for Setup modules.
  # config.c is newer than its inputs afterwards, so make does not regenerate it.
  local decls="" entries="" name init
  while read -r name init; do
    decls+="extern PyObject* $init(void);\n"
    entries+="    {\"$name\", $init},\n"
  done <"$links/inittab.txt"
  sed -i -e "/ADDMODULE MARKER 1/i\\
$decls" -e "/ADDMODULE MARKER 2/i\\
$entries" "$dir/Modules/config.c"
  grep -q '{"numpy._core._multiarray_umath", PyInit__multiarray_umath}' "$dir/Modules/config.c" \
    || die "config.c does not list numpy._core._multiarray_umath"
  # Relink: make rebuilds config.o and libpython, then python.wasm with the archives, libc++
  # and the exception stubs (make_host puts EXTRA_PYTHON_LDFLAGS on python.wasm's link only;
  # each step runs in a subshell, so the addition reaches neither the other link nor
  # BUILD-INFO).
  local extra
  mapfile -t extra <"$links/link-args.txt"
  # -lc-printscan-long-double: wasi-libc's strtold/printf("%Lg") for numpy's longdouble
  # (without it they abort).
  # --fatal-warnings: wasm-ld only warns when a call binds to a function of another
  # signature (the same name defined differently in two modules), and the call then traps.
  EXTRA_PYTHON_LDFLAGS+=("${extra[@]}" -lc++ -lc++abi -lc-printscan-long-double
    "$WORK/sci/cxa-abort.o" "-Wl,--fatal-warnings")
  rm -f "$dir/python.wasm"
  make_host
}

# The test interpreter, linked first and kept aside: the production link comes last, so
# Modules/config.c (BUILD-INFO's module list) and python.wasm are the production ones.
sci_link_test() {
  make_test_site
  sci_relink "$(sci_test_site)" "$WORK/sci/link-test"
  grep -q '"numpy._core._multiarray_tests"' "$WORK/host/Modules/config.c" \
    || die "the test interpreter lacks numpy._core._multiarray_tests"
  mv "$WORK/host/python.wasm" "$WORK/sci/python-test.wasm"
}

sci_link() {
  sci_relink "$(sci_site)" "$WORK/sci/link"
}

# --- sci-lib (after install-stdlib) -----------------------------------------------------
sci_lib() {
  local lib="$WORK/stage/out/lib/python$PY_MM" venv build_py
  venv="$(sci_venv_dir)"
  build_py="$(build_python_dir)/build/python"
  mkdir -p "$lib/site-packages"
  # Everything meson installed except the extension-module manifests: those modules are
  # built in, and nothing may stand where the import system would look for a file.
  cp -R "$(sci_site)/." "$lib/site-packages/"
  find "$lib/site-packages" -name "*.cpython-${PY_MM/./}-wasm32-wasi.so" -delete
  # dist-info from each sdist's PKG-INFO (the same format as METADATA), so importlib.metadata
  # and the runner's package list see numpy and pandas like the pip-installed packages.
  local name version info
  for name in numpy pandas; do
    version="NUMPY_VERSION"
    [[ $name == pandas ]] && version="PANDAS_VERSION"
    info="$lib/site-packages/$name-${!version}.dist-info"
    mkdir -p "$info"
    cp "$WORK/sci/$name/PKG-INFO" "$info/METADATA"
    echo python-wasi >"$info/INSTALLER"
  done
  printf '%s\n' "$GUEST_REQUIREMENTS" | sed '/^$/d' >"$WORK/sci/guest-requirements.txt"
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps --no-compile \
    --only-binary=:all: --require-hashes --target "$lib/site-packages" \
    -r "$WORK/sci/guest-requirements.txt"
  rm -rf "$lib/site-packages/bin"
  find "$lib/site-packages" -name __pycache__ -type d -prune -exec rm -rf {} +
  # Precompiled like the stdlib (see install_stdlib).
  "$build_py" -E -s -m compileall -q -j0 -o 0 --invalidation-mode unchecked-hash \
    -d "/usr/local/lib/python$PY_MM/site-packages" "$lib/site-packages"
  # The test layer (python-wasi/test-scientific.sh), never in an image: the test interpreter
  # and numpy and pandas with their tests, which stand before the library's copies on
  # sys.path. Not precompiled: pytest rewrites the test modules' bytecode anyway.
  local test="$WORK/stage/out/test"
  mkdir -p "$test/site-packages"
  "/usr/lib/llvm-$LLVM_MAJOR/bin/llvm-strip" --strip-debug "$WORK/sci/python-test.wasm" \
    -o "$test/python.wasm"
  cp -R "$(sci_test_site)/." "$test/site-packages/"
  find "$test/site-packages" -name "*.cpython-${PY_MM/./}-wasm32-wasi.so" -delete
}

variant_build_info() {
  echo "preimport=numpy pandas"
  echo "numpy=$NUMPY_VERSION sdist sha256=$NUMPY_SDIST_SHA256 (PyPI)"
  echo "pandas=$PANDAS_VERSION sdist sha256=$PANDAS_SDIST_SHA256 (PyPI)"
  echo "libcxx=$LIBCXX_VERSION $LIBCXX_DEB sha256=$LIBCXX_DEB_SHA256 $LIBCXXABI_DEB sha256=$LIBCXXABI_DEB_SHA256 (Debian $DEBIAN_SUITE)"
  echo "scientific_patches=$(cd "$HERE" && find scientific -name '*.patch' | sort | tr '\n' ' ')"
  echo "site_packages=$(printf '%s\n' "$GUEST_REQUIREMENTS" | sed -n 's/^\([^ ]*\) .*/\1/p' | tr '\n' ' ')"
}

variant_after_make_host() {
  step sci-toolchain sci_toolchain
  step sci-venv sci_venv
  step numpy build_numpy
  step pandas build_pandas
  step sci-link-test sci_link_test
  step sci-link sci_link
}

variant_after_install_stdlib() {
  step sci-lib sci_lib
}

# --- Guest check ------------------------------------------------------------------------
variant_check() {
  local out="$1"
  log "check: numpy and pandas in the guest"
  run_guest "$out" -c "$(cat "$SCI_FILES/check.py")" >&2 || die "scientific check failed"
  log "scientific check passed: $out"
}
