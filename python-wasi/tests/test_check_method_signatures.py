"""scientific/check-method-signatures.py: the build check that keeps wasm-trapping method
tables (a C function called with more or fewer arguments than it declares) out of the
scientific build."""

import pathlib
import subprocess
import sys

CHECK = pathlib.Path(__file__).parents[1] / "scientific" / "check-method-signatures.py"

TABLE = """
static PyMethodDef methods[] = {
    {"copy", (PyCFunction)gentype___copy__, METH_NOARGS, NULL},
    {"cast", (PyCFunction)(void(*)(void))get_cast,
        METH_VARARGS | METH_KEYWORDS, NULL},
    {"fast", (PyCFunction)fast, METH_FASTCALL | METH_KEYWORDS, NULL},
    {"klass", (PyCFunction)klass, METH_CLASS | METH_O, NULL},
    {NULL, NULL, 0, NULL}
};
static PyGetSetDef getset[] = {
    {"scalar_input", (getter)get_scalar_input, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}
};
"""


def check(tmp_path, definitions):
    (tmp_path / "module.c").write_text(TABLE)
    (tmp_path / "impl.c.src").write_text(definitions)
    return subprocess.run(
        [sys.executable, CHECK, tmp_path], capture_output=True, text=True, check=False
    )


MATCHING = """
static PyObject *
gentype___copy__(PyObject *self, PyObject *NPY_UNUSED(args))
{ return self; }

NPY_NO_EXPORT PyObject *
get_cast(PyObject *NPY_UNUSED(module), PyObject *args,
         PyObject *NPY_UNUSED(kwargs))
{ return args; }

static PyObject *fast(PyObject *m, PyObject *const *args, Py_ssize_t n, PyObject *kw) { return m; }
static PyObject *klass(PyObject *cls, PyObject *arg) { return cls; }

static PyObject *
get_scalar_input(PyArrayArrayConverterObject *self, void *NPY_UNUSED(closure))
{ return NULL; }
"""


def test_methods_declaring_what_their_flags_pass_are_accepted(tmp_path):
    result = check(tmp_path, MATCHING)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_each_mismatch_is_named_with_what_cpython_passes(tmp_path):
    broken = MATCHING.replace(
        "gentype___copy__(PyObject *self, PyObject *NPY_UNUSED(args))",
        "gentype___copy__(PyObject *self)",
    ).replace(
        "PyObject *args,\n         PyObject *NPY_UNUSED(kwargs))", "PyObject *args)"
    )
    result = check(tmp_path, broken)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2, lines
    assert "gentype___copy__ is METH_NOARGS (called with 2 arguments)" in lines[0]
    assert lines[0].endswith("impl.c.src declares 1")
    assert "get_cast is METH_KEYWORDS | METH_VARARGS (called with 3 arguments)" in lines[1]
    assert lines[1].endswith("declares 2")


def test_a_getter_cast_from_a_one_parameter_function_is_named(tmp_path):
    broken = MATCHING.replace(
        "get_scalar_input(PyArrayArrayConverterObject *self, void *NPY_UNUSED(closure))",
        "get_scalar_input(PyArrayArrayConverterObject *self)",
    )
    result = check(tmp_path, broken)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "get_scalar_input is cast to getter (called with 2 arguments)" in line
    assert line.endswith("declares 1")
