#!/usr/bin/env python3
"""Run a WASI preview 1 command module with wasmtime-py (the PyPI `wasmtime` package).

This is the build's host runner: it smoke-tests `python.wasm` and backs
`build.sh --check` / `build.sh --run`. It grants the guest only what the flags say:
no preopened directory, no environment variable and no argument is passed implicitly.

    run-wasm.py [--dir HOST::GUEST[::ro]]... [--env NAME=VALUE]... [--cache-dir DIR]
                MODULE [ARG]...
    run-wasm.py [--cache-dir DIR] --list-exports MODULE

With --cache-dir, the compiled module is kept there (keyed by the module's sha256 and
the wasmtime version), so later runs skip the several seconds Cranelift needs.

The guest's argv[0] is the module's file name. Its exit status becomes ours; a trap
(stack overflow, unreachable, ...) prints the wasmtime error and exits with 134.
"""

import argparse
import hashlib
import importlib.metadata
import os
import sys
import tempfile

import wasmtime
from wasmtime import _ffi as ffi

# CPython for WASI is linked with an 8 MiB stack (configure.ac, gh-117645); the wasm
# stack of the host must be large enough for deep but legal recursion in the guest.
MAX_WASM_STACK = 8 * 1024 * 1024

# The C API's engine enables async support, which requires the async stack to be larger
# than max_wasm_stack; wasmtime-py has no setter for it, so the raw binding is used.
ASYNC_STACK_SIZE = MAX_WASM_STACK + 1024 * 1024

# Exit status for a trap, the one a native process gets from abort().
TRAP_EXIT_CODE = 134


def parse_dir(spec: str) -> tuple[str, str, bool]:
    """`HOST::GUEST` or `HOST::GUEST::ro` -> (host, guest, writable)."""
    parts = spec.split("::")
    if len(parts) == 2:
        return parts[0], parts[1], True
    if len(parts) == 3 and parts[2] == "ro":
        return parts[0], parts[1], False
    raise argparse.ArgumentTypeError(f"expected HOST::GUEST[::ro], got {spec!r}")


def parse_env(spec: str) -> tuple[str, str]:
    name, sep, value = spec.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {spec!r}")
    return name, value


def load_module(engine: wasmtime.Engine, path: str, cache_dir: str | None) -> wasmtime.Module:
    if cache_dir is None:
        return wasmtime.Module.from_file(engine, path)
    with open(path, "rb") as f:
        wasm = f.read()
    digest = hashlib.sha256(wasm).hexdigest()
    version = importlib.metadata.version("wasmtime")
    cached = os.path.join(cache_dir, f"{digest}-wasmtime-{version}.cwasm")
    if os.path.exists(cached):
        try:
            # Only this script writes the cache dir; deserializing trusts its contents.
            return wasmtime.Module.deserialize_file(engine, cached)
        except wasmtime.WasmtimeError:
            pass  # stale or incompatible: compile again below
    module = wasmtime.Module(engine, wasm)
    os.makedirs(cache_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(module.serialize())
    os.replace(tmp, cached)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", action="append", default=[], type=parse_dir,
                        metavar="HOST::GUEST[::ro]", help="preopen a host directory")
    parser.add_argument("--env", action="append", default=[], type=parse_env,
                        metavar="NAME=VALUE", help="set a guest environment variable")
    parser.add_argument("--cache-dir", metavar="DIR",
                        help="keep compiled modules in DIR (see above)")
    parser.add_argument("--list-exports", action="store_true",
                        help="print the module's export names, one per line, and exit")
    parser.add_argument("module", help="path to a .wasm command module")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="guest arguments")
    opts = parser.parse_args()

    config = wasmtime.Config()
    ffi.wasmtime_config_async_stack_size_set(config.ptr(), ASYNC_STACK_SIZE)
    config.max_wasm_stack = MAX_WASM_STACK
    engine = wasmtime.Engine(config)
    module = load_module(engine, opts.module, opts.cache_dir)
    if opts.list_exports:
        print("\n".join(export.name for export in module.exports))
        return 0

    wasi = wasmtime.WasiConfig()
    wasi.argv = [os.path.basename(opts.module), *opts.args]
    wasi.env = opts.env
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    for host, guest, writable in opts.dir:
        wasi.preopen_dir(host, guest, writable)

    store = wasmtime.Store(engine)
    store.set_wasi(wasi)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, module)
    start = instance.exports(store)["_start"]
    try:
        start(store)
    except wasmtime.ExitTrap as exit_trap:
        return exit_trap.code
    except wasmtime.WasmtimeError as err:
        sys.stdout.flush()
        print(f"run-wasm: guest trapped: {err}", file=sys.stderr)
        return TRAP_EXIT_CODE
    return 0


if __name__ == "__main__":
    sys.exit(main())
