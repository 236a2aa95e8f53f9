# The static C libraries the standard library links against, each built for wasm32-wasip1 from
# its pinned Debian source tarball into the toolchain's sysroot copy (sourced by build.sh; part of
# its cache key). CPython's configure finds them through the variables of wasm_lib_env.
# shellcheck shell=bash

wasm_libs_fetch() {
  fetch "$ZLIB_TARBALL" "$ZLIB_TARBALL_SHA256" src "$ZLIB_SRC_PACKAGE"
  fetch "$BZIP2_TARBALL" "$BZIP2_TARBALL_SHA256" src "$BZIP2_SRC_PACKAGE"
  fetch "$XZ_TARBALL" "$XZ_TARBALL_SHA256" src "$XZ_SRC_PACKAGE"
  fetch "$SQLITE_TARBALL" "$SQLITE_TARBALL_SHA256" src "$SQLITE_SRC_PACKAGE"
}

# unpack_lib TARBALL DIR: a fresh DIR holding the tarball's top folder's content.
unpack_lib() {
  rm -rf "$2"
  mkdir -p "$2"
  tar -xf "$DOWNLOADS/$1" -C "$2" --strip-components=1
}

# install_lib LIB HEADER...: the static library and its headers into the sysroot copy.
install_lib() {
  local sysroot="$WORK/toolchain/share/wasi-sysroot" lib="$1"
  shift
  install -m 644 "$lib" "$sysroot/lib/wasm32-wasi/"
  install -m 644 "$@" "$sysroot/include/wasm32-wasi/"
}

build_zlib() {
  local tc="$WORK/toolchain" dir="$WORK/zlib"
  unpack_lib "$ZLIB_TARBALL" "$dir"
  (cd "$dir" \
    && CHOST=wasm32-wasip1 CC="$tc/bin/clang" AR="$tc/bin/llvm-ar" \
       RANLIB="$tc/bin/llvm-ranlib" CFLAGS="-O2" ./configure --static --prefix=/usr \
    && make -j"$JOBS" libz.a)
  install_lib "$dir/libz.a" "$dir/zlib.h" "$dir/zconf.h"
}

# bzip2's Makefile builds its programs too; the library is these seven files.
build_bzip2() {
  local tc="$WORK/toolchain" dir="$WORK/bzip2" f
  unpack_lib "$BZIP2_TARBALL" "$dir"
  for f in blocksort huffman crctable randtable compress decompress bzlib; do
    "$tc/bin/clang" -O2 -D_FILE_OFFSET_BITS=64 -c "$dir/$f.c" -o "$dir/$f.o"
  done
  "$tc/bin/llvm-ar" rcs "$dir/libbz2.a" "$dir"/*.o
  install_lib "$dir/libbz2.a" "$dir/bzlib.h"
}

# liblzma alone: no threads (the guest has none), no command-line tools, no translations.
build_xz() {
  local tc="$WORK/toolchain" dir="$WORK/xz"
  unpack_lib "$XZ_TARBALL" "$dir"
  (cd "$dir" \
    && CC="$tc/bin/clang" AR="$tc/bin/llvm-ar" RANLIB="$tc/bin/llvm-ranlib" CFLAGS="-O2" \
       ./configure --host=wasm32-wasi --build="$(build-aux/config.guess)" --prefix=/usr \
         --enable-static --disable-shared --disable-threads --disable-xz --disable-xzdec \
         --disable-lzmadec --disable-lzmainfo --disable-lzma-links --disable-scripts \
         --disable-doc --disable-nls --disable-sandbox \
    && make -C src/liblzma -j"$JOBS")
  local sysroot="$tc/share/wasi-sysroot"
  install_lib "$dir/src/liblzma/.libs/liblzma.a" "$dir/src/liblzma/api/lzma.h"
  mkdir -p "$sysroot/include/wasm32-wasi/lzma"
  install -m 644 "$dir"/src/liblzma/api/lzma/*.h "$sysroot/include/wasm32-wasi/lzma/"
}

# SQLite's amalgamation is generated natively (host cc and tclsh), then compiled for the guest.
# Its own WASI support (`__wasi__` in sqlite.h) leaves out WAL, extension loading and threads,
# and locks with dot-files; on top: no memory-mapped I/O, and temporary tables in memory (a run's
# /tmp is not a place to spill to).
SQLITE_DEFINES=(-DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_OMIT_WAL
  -DSQLITE_MAX_MMAP_SIZE=0 -DSQLITE_TEMP_STORE=2 -DSQLITE_DEFAULT_MEMSTATUS=0
  -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE -DSQLITE_ENABLE_MATH_FUNCTIONS)
build_sqlite() {
  local tc="$WORK/toolchain" dir="$WORK/sqlite"
  unpack_lib "$SQLITE_TARBALL" "$dir"
  (cd "$dir" && CC=gcc ./configure --disable-tcl --disable-readline && make sqlite3.c)
  "$tc/bin/clang" -O2 "${SQLITE_DEFINES[@]}" -c "$dir/sqlite3.c" -o "$dir/sqlite3.o"
  "$tc/bin/llvm-ar" rcs "$dir/libsqlite3.a" "$dir/sqlite3.o"
  install_lib "$dir/libsqlite3.a" "$dir/sqlite3.h" "$dir/sqlite3ext.h"
}

build_wasm_libs() {
  build_zlib
  build_bzip2
  build_xz
  build_sqlite
}

# wasm_lib_env: the configure variables that point CPython at the libraries above.
wasm_lib_env() {
  local inc="$WORK/toolchain/share/wasi-sysroot/include/wasm32-wasi"
  printf '%s\n' \
    "ZLIB_CFLAGS=-I$inc" "ZLIB_LIBS=-lz" \
    "BZIP2_CFLAGS=-I$inc" "BZIP2_LIBS=-lbz2" \
    "LIBLZMA_CFLAGS=-I$inc" "LIBLZMA_LIBS=-llzma" \
    "LIBSQLITE3_CFLAGS=-I$inc" "LIBSQLITE3_LIBS=-lsqlite3"
}

# One BUILD-INFO line per library: version, tarball, checksum, Debian source package.
wasm_libs_info() {
  local lib version tarball sha package
  for lib in ZLIB BZIP2 XZ SQLITE; do
    version="${lib}_VERSION" tarball="${lib}_TARBALL" sha="${lib}_TARBALL_SHA256"
    package="${lib}_SRC_PACKAGE"
    printf '%s=%s tarball=%s sha256=%s (Debian %s source package %s)\n' \
      "${lib,,}" "${!version}" "${!tarball}" "${!sha}" "$DEBIAN_SUITE" "${!package}"
  done
}
