# Run once by python.wasm's `wizer-initialize` (python-wasi/runner-entry.c) when runner-node
# snapshots the interpreter, in a private namespace: `__main__` stays untouched. Everything this
# leaves in memory is in every run's starting state; what must differ per run is reset in
# `enter`, which each run calls before the program.
import atexit
import os
import random
import sys

# Pure-Python (or built-in) modules many programs import: importing them here makes them free
# at run time. Each costs snapshot memory, the floor under every run's memory limit.
PRELOAD = (
    "abc base64 bisect collections contextlib copy csv dataclasses datetime decimal enum "
    "fractions functools hashlib heapq io itertools json math numbers operator pathlib re "
    "statistics string struct textwrap time traceback typing uuid"
).split()
for name in PRELOAD:
    __import__(name)

# The runner's own packages, read-only: after the standard library (a package cannot replace a
# standard module) and before the runtime's site-packages (a pool may bring a newer version of
# one of the runtime's distributions).
PACKAGES = os.environ.get("RUNNER_PACKAGES")
if PACKAGES:
    site = next((i for i, p in enumerate(sys.path) if p.endswith("site-packages")), len(sys.path))
    sys.path.insert(site, PACKAGES)

# Pre-imports the runtime and the runner ask for: what they cost is paid here, once.
for name in os.environ.get("RUNNER_PREIMPORT", "").split():
    try:
        __import__(name)
    except BaseException as error:  # noqa: BLE001 - any failure stops the snapshot with its reason
        print(f"pre-importing {name!r} failed: {type(error).__name__}: {error}", file=sys.stderr)
        raise SystemExit(1) from None

# As `python -c` does: the working directory comes first on sys.path (resolved at each import).
sys.path.insert(0, "")

# The folder every program starts in; runner-node preopens each run's own there.
WORK_DIR = "/work"


def enter(argv, environ):
    """Turns the snapshot's state into this run's: arguments, environment, folder, randomness."""
    # `python -c CODE ARG...` gives sys.argv == ['-c', ARG...].
    sys.argv = ["-c", *argv[3:]]
    sys.orig_argv = list(argv)
    # os.environ was read from the (empty) environment of the snapshot; `environ` is this run's,
    # already reloaded into the C library, so only the Python mapping is replaced.
    os.environ._data.clear()
    os.environ._data.update(environ)
    os.chdir(WORK_DIR)
    reseed()


def reseed():
    """Gives this run its own random state where the snapshot froze one.

    Module-level generators seeded at import time would replay the same sequence in every run:
    random's, numpy's legacy global one, and tempfile's name sequence (keyed by a pid that is
    always 42 here). os.urandom, uuid4 and secrets read fresh host randomness on every call.
    """
    random.seed()
    tempfile = sys.modules.get("tempfile")
    if tempfile is not None:
        tempfile._name_sequence = None
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        # A whole MT19937 key (624 words) of fresh entropy. `numpy.random.seed()` would make
        # the same kind of key through a SeedSequence and a Python-level loop: 0.45 ms of every
        # run in the guest, against 25 us for this.
        numpy = sys.modules["numpy"]
        numpy_random.seed(numpy.frombuffer(os.urandom(2496), dtype=numpy.uint32))


def leave():
    """What finalizing the interpreter would show the program; returns an exit status override."""
    atexit._run_exitfuncs()
    status = 0
    for stream, failed_status in ((sys.stdout, 120), (sys.stderr, 0)):
        try:
            if stream is not None:
                stream.flush()
        except Exception:
            status = status or failed_status
    return status


def session_run(source):
    """Runs `source` (bytes) in `__main__`, as one run of a session: what the program defines
    stays for its next run, like a notebook cell. Returns the exit status `python -c` would
    have: SystemExit and exceptions are handled here, so the interpreter never exits."""
    main = sys.modules["__main__"].__dict__
    # A fresh reader of this run's stdin: nothing buffered from an earlier run is read.
    stdin = sys.stdin
    sys.stdin = type(stdin)(
        open(0, "rb", closefd=False), encoding=stdin.encoding, errors=stdin.errors
    )
    try:
        exec(compile(source, "<string>", "exec"), main)
        status = 0
    except SystemExit as exit:
        status = exit_status(exit.code)
    except BaseException as error:  # noqa: BLE001 - reported as `python -c` would report it
        # The traceback starts at the program, not at this function.
        error = error.with_traceback(error.__traceback__.tb_next)
        sys.last_exc = error
        sys.excepthook(type(error), error, error.__traceback__)
        status = 1
    for stream, failed_status in ((sys.stdout, 120), (sys.stderr, 0)):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            status = status or failed_status
    return status


def exit_status(code):
    """The status `SystemExit(code)` ends `python` with; a message other than a number is
    printed to stderr, as CPython does."""
    if code is None:
        return 0
    if isinstance(code, int):
        # What fits the 32-bit status WASI passes; CPython's overflow gives -1 too.
        return code if -(2**31) <= code < 2**31 else -1
    try:
        print(code, file=sys.stderr)
    except Exception:  # noqa: BLE001
        pass
    return 1


# Last: every object made so far is the snapshot's. Moving them to the collector's permanent
# generation means no run's garbage collection walks them (and so writes to their pages).
import gc  # noqa: E402

gc.collect()
gc.freeze()
