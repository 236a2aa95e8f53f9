/*
 * Entry points that let runner-node snapshot an initialised interpreter and run one program per
 * instance of that snapshot. Linked into python.wasm beside CPython's own `_start`, which still
 * works as plain `python`.
 *
 *   wizer-initialize  run once, ahead of time, under a snapshotting tool (wasmtime-wizer):
 *                     starts the interpreter and runs the Python source given as argv[2] in a
 *                     private namespace. That source imports what every run should find
 *                     imported and defines `enter(argv, environ)`, which each run calls
 *                     first, and `leave()`, called after the program (atexit handlers,
 *                     flushing; returns the exit status to use if that fails, else 0).
 *                     The instance's memory is then captured.
 *   runner-run        one run, in a fresh instance of the snapshot, with this run's WASI
 *                     context: re-reads what wasi-libc cached from the snapshot's context
 *                     (preopens, environ), calls `enter(argv, environ)`, runs argv[2]
 *                     exactly as `python -c` does, calls `leave()` and exits with the status.
 *                     The interpreter is not torn down: the instance is discarded whole.
 *   runner-session-alloc  malloc for the host: where it writes a session run's code.
 *   runner-session-run    one run of a session, in an instance the host keeps between runs:
 *                     (code, length) as runner-session-alloc gave it, freed here. The first
 *                     call prepares the instance as runner-run does (preopens, environ,
 *                     `enter`); every call hands the code to the initialisation source's
 *                     `session_run(code)`, which runs it in `__main__` (so globals persist),
 *                     handles SystemExit and exceptions itself and returns the exit status,
 *                     returned here. Nothing exits or traps on the way, so the instance stays
 *                     whole for the next run.
 *
 * Both read their arguments from WASI `args_get`, so the host passes `python -c CODE` to either,
 * as it would to `_start`.
 */
#include <Python.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>
#include <wasi/libc.h>
#include <wasi/libc-environ.h>

/* Forgets the preopened folders wasi-libc found, so the next path lookup reads them again.
 * Defined in wasi-libc's preopens.c (this release's wasi/libc.h does not declare it yet). */
extern void __wasilibc_reset_preopens(void);
/* Runs the module's static constructors (wasi-libc's crt1 does this for `_start`). */
extern void __wasm_call_ctors(void);
/* CPython internals (Include/internal/pycore_pylifecycle.h) that `python -c` itself uses. */
extern int _PyRun_SimpleStringFlagsWithName(const char *command, const char *name,
                                            PyCompilerFlags *flags);

/* The hooks the initialisation source defines; kept across the snapshot. */
static PyObject *enter_hook;
static PyObject *leave_hook;
static PyObject *session_hook;

/* Exit status for failures of this file's own glue (CPython uses 120 for a failed finalize). */
#define GLUE_FAILURE 121

static _Noreturn void fail(const char *what) {
    if (PyErr_Occurred()) {
        PyErr_Print();
    }
    fprintf(stderr, "runner-entry: %s\n", what);
    _Exit(GLUE_FAILURE);
}

/* The WASI argv as a NULL-terminated array of C strings (never freed: one per instance). */
static char **wasi_argv(size_t *argc) {
    size_t size;
    if (__wasi_args_sizes_get(argc, &size) != 0) {
        fail("args_sizes_get failed");
    }
    char **argv = calloc(*argc + 1, sizeof(char *));
    char *buf = malloc(size);
    if (argv == NULL || buf == NULL || __wasi_args_get((uint8_t **)argv, (uint8_t *)buf) != 0) {
        fail("cannot read the arguments");
    }
    return argv;
}

/* argv as a Python list of str, decoded as CPython decodes its own command line. */
static PyObject *argv_list(size_t argc, char **argv) {
    PyObject *list = PyList_New((Py_ssize_t)argc);
    for (size_t i = 0; list != NULL && i < argc; i++) {
        PyObject *arg = PyUnicode_DecodeFSDefault(argv[i]);
        if (arg == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, arg);
    }
    return list;
}

/* The C environment as a dict of bytes, the shape of `os.environ._data` on POSIX. */
static PyObject *environ_dict(void) {
    PyObject *dict = PyDict_New();
    for (char **entry = __wasilibc_get_environ(); dict != NULL && entry && *entry; entry++) {
        const char *eq = strchr(*entry, '=');
        if (eq == NULL) {
            continue;
        }
        PyObject *key = PyBytes_FromStringAndSize(*entry, eq - *entry);
        PyObject *value = PyBytes_FromString(eq + 1);
        if (key == NULL || value == NULL || PyDict_SetItem(dict, key, value) < 0) {
            Py_CLEAR(dict);
        }
        Py_XDECREF(key);
        Py_XDECREF(value);
    }
    return dict;
}

__attribute__((export_name("wizer-initialize"))) void runner_initialize(void) {
    __wasm_call_ctors();
    size_t argc;
    char **argv = wasi_argv(&argc);
    if (argc < 3) {
        fail("usage: python -c INIT_SOURCE");
    }

    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    /* What runs see: unbuffered stdio, so stdout and stderr interleave as written. */
    config.buffered_stdio = 0;
    /* The stdlib is read-only and precompiled. */
    config.write_bytecode = 0;
    config.parse_argv = 0;
    PyStatus status = PyConfig_SetBytesArgv(&config, 2, argv);
    if (!PyStatus_Exception(status)) {
        status = Py_InitializeFromConfig(&config);
    }
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        Py_ExitStatusException(status);
    }

    PyObject *globals = PyDict_New();
    if (globals == NULL || PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) < 0 ||
        PyDict_SetItemString(globals, "__name__", PyUnicode_FromString("__runner_init__")) < 0) {
        fail("cannot create the initialisation namespace");
    }
    PyObject *done = PyRun_String(argv[2], Py_file_input, globals, globals);
    if (done == NULL) {
        fail("the initialisation source raised");
    }
    Py_DECREF(done);
    enter_hook = PyDict_GetItemString(globals, "enter");
    leave_hook = PyDict_GetItemString(globals, "leave");
    if (enter_hook == NULL || leave_hook == NULL) {
        fail("the initialisation source must define enter(argv, environ) and leave()");
    }
    Py_INCREF(enter_hook);
    Py_INCREF(leave_hook);
    /* Optional: an initialisation source without sessions leaves it out. */
    session_hook = PyDict_GetItemString(globals, "session_run");
    Py_XINCREF(session_hook);
    Py_DECREF(globals);
}

/* Turns a fresh instance of the snapshot into this run's: re-reads what wasi-libc cached from
 * the snapshot's context (preopens, environ) and calls `enter(argv, environ)`. Returns argv. */
static char **prepare_run(void) {
    if (enter_hook == NULL) {
        fail("a run entry called on an instance that was not initialised");
    }
    __wasilibc_reset_preopens();
    __wasilibc_deinitialize_environ();
    __wasilibc_initialize_environ();

    size_t argc;
    char **argv = wasi_argv(&argc);
    if (argc < 3 || strcmp(argv[1], "-c") != 0) {
        fail("usage: python -c CODE");
    }
    PyObject *args = argv_list(argc, argv);
    PyObject *env = environ_dict();
    PyObject *entered = args && env ? PyObject_CallFunctionObjArgs(enter_hook, args, env, NULL) : NULL;
    if (entered == NULL) {
        fail("cannot prepare the run");
    }
    Py_DECREF(entered);
    Py_DECREF(args);
    Py_DECREF(env);
    return argv;
}

__attribute__((export_name("runner-run"))) void runner_run(void) {
    char **argv = prepare_run();

    /* As Modules/main.c pymain_run_command: SystemExit ends the process from PyErr_Print. */
    PyCompilerFlags cf = _PyCompilerFlags_INIT;
    cf.cf_flags |= PyCF_IGNORE_COOKIE;
    int exitcode = _PyRun_SimpleStringFlagsWithName(argv[2], "<string>", &cf) != 0 ? 1 : 0;
    /* Py_RunMain would finalize here; of that, only atexit handlers and flushing are visible
     * to the program, and `leave` does them (with CPython's 120 if flushing fails). */
    PyObject *left = PyObject_CallNoArgs(leave_hook);
    if (left == NULL) {
        fail("leave() raised");
    }
    long status = PyLong_AsLong(left);
    Py_DECREF(left);
    if (status != 0) {
        exitcode = (int)status;
    }
    if (exitcode != 0) {
        _Exit(exitcode);
    }
}

__attribute__((export_name("runner-session-alloc"))) void *runner_session_alloc(size_t size) {
    return malloc(size);
}

__attribute__((export_name("runner-session-run"))) int runner_session_run(char *code, size_t length) {
    static int prepared;
    if (session_hook == NULL) {
        fail("the initialisation source defines no session_run(code)");
    }
    if (!prepared) {
        /* argv (python -c "") only carries the arguments; the code comes with each call. */
        prepare_run();
        prepared = 1;
    }
    PyObject *source = PyBytes_FromStringAndSize(code, (Py_ssize_t)length);
    free(code);
    PyObject *status = source ? PyObject_CallOneArg(session_hook, source) : NULL;
    Py_XDECREF(source);
    if (status == NULL) {
        fail("session_run() raised");
    }
    long exitcode = PyLong_AsLong(status);
    Py_DECREF(status);
    return (int)exitcode;
}
