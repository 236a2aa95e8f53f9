"""Finds C functions CPython would call with another number of arguments than they declare.

CPython calls a method through a pointer of the type its flags promise (METH_NOARGS: two
parameters, METH_VARARGS|METH_KEYWORDS: three, ...), and a getter, setter or type slot through
its typedef (`getter`: two, `setter`: three, `reprfunc`: one, ...). Native ABIs tolerate a
function that declares fewer or more; WebAssembly traps ("indirect call type mismatch") and the
run ends. The compiler checks such pointers unless a cast silences it, which is where these
hide. scientific.sh runs this over each unpacked, patched sdist and stops the build on a
finding.

Usage: check-method-signatures.py DIR...   (exit status 1 and one line per mismatch)

Give it the package's own folder (numpy/numpy): an sdist also holds other projects' C
(numpy's vendored meson and its test cases).

A textual check: it sees `{"name", (cast)function, FLAGS, ...}` method table entries, casts
to CPython's function-pointer typedefs (`(getter)function`), and `[static] [NPY_NO_EXPORT]
TYPE function(...) {` definitions in .c, .cpp, .h and numpy's .c.src templates. Names made by
templates (@name@) and definitions it cannot read are skipped, not guessed.
"""

import pathlib
import re
import sys

# Parameters CPython passes, by the flags that choose the calling convention.
ARITY = {
    frozenset({"METH_NOARGS"}): 2,
    frozenset({"METH_O"}): 2,
    frozenset({"METH_VARARGS"}): 2,
    frozenset({"METH_VARARGS", "METH_KEYWORDS"}): 3,
    frozenset({"METH_FASTCALL"}): 3,
    frozenset({"METH_FASTCALL", "METH_KEYWORDS"}): 4,
    frozenset({"METH_METHOD", "METH_FASTCALL", "METH_KEYWORDS"}): 5,
}
# CPython's function-pointer typedefs (Include/object.h, descrobject.h, methodobject.h) and
# how many parameters each passes.
TYPEDEF_ARITY = {
    "unaryfunc": 1, "binaryfunc": 2, "ternaryfunc": 3, "inquiry": 1, "lenfunc": 1,
    "ssizeargfunc": 2, "ssizeobjargproc": 3, "objobjargproc": 3, "objobjproc": 2,
    "visitproc": 2, "traverseproc": 3, "freefunc": 1, "destructor": 1, "getattrfunc": 2,
    "getattrofunc": 2, "setattrfunc": 3, "setattrofunc": 3, "reprfunc": 1, "hashfunc": 1,
    "richcmpfunc": 3, "getiterfunc": 1, "iternextfunc": 1, "descrgetfunc": 3,
    "descrsetfunc": 3, "initproc": 3, "newfunc": 3, "allocfunc": 2, "getbufferproc": 3,
    "releasebufferproc": 2, "vectorcallfunc": 4, "getter": 2, "setter": 3,
}
# (getter)function, (setter)&function
CAST = re.compile(r"\(\s*(" + "|".join(TYPEDEF_ARITY) + r")\s*\)\s*&?\s*([A-Za-z_]\w*)")
# Flags that do not change the parameters.
NEUTRAL = {"METH_CLASS", "METH_STATIC", "METH_COEXIST"}

# {"name", (PyCFunction)(void(*)(void))function, METH_A | METH_B, ...}
ENTRY = re.compile(
    r'\{\s*"[^"]*"\s*,\s*(?:\([^()]*(?:\([^()]*\)[^()]*)*\)\s*)*([A-Za-z_]\w*)\s*,'
    r"\s*(METH_[A-Z_|\s]+?)\s*[,}]"
)
# PyObject *\nfunction(PyObject *NPY_UNUSED(self), PyObject *args)\n{
DEFINITION = re.compile(
    r"^(?:static\s+)?(?:NPY_NO_EXPORT\s+)?(?:PyObject\s*\*|int|void|Py_ssize_t|Py_hash_t|npy_hash_t)"
    r"\s*([A-Za-z_]\w*)\s*\(((?:[^()]|\([^()]*\))*)\)\s*\{",
    re.M,
)
SUFFIXES = (".c", ".cpp", ".h", ".c.src", ".cpp.src", ".h.src")


def parameter_count(params: str) -> int:
    params = re.sub(r"\([^()]*\)", "", params)  # NPY_UNUSED(x) -> NPY_UNUSED
    return len([p for p in params.split(",") if p.strip() and p.strip() != "void"])


def sources(roots):
    for root in roots:
        for path in sorted(pathlib.Path(root).rglob("*")):
            if path.is_file() and path.name.endswith(SUFFIXES):
                yield path, path.read_text(errors="replace")


def candidates(defined, name, path):
    """The definitions `name` may mean where `path` uses it: its own file's (a static function
    there wins), else every file's."""
    found = defined.get(name, [])
    return [d for d in found if d[0] == path] or found


def mismatches(roots):
    files = list(sources(roots))
    defined = {}
    for path, text in files:
        for m in DEFINITION.finditer(text):
            defined.setdefault(m.group(1), []).append((path, parameter_count(m.group(2))))
    for path, text in files:
        for m in ENTRY.finditer(text):
            flags = frozenset(f.strip() for f in m.group(2).split("|")) - NEUTRAL
            wanted = ARITY.get(flags)
            for where, count in candidates(defined, m.group(1), path) if wanted else []:
                if count != wanted:
                    yield (
                        f"{path}: {m.group(1)} is {' | '.join(sorted(flags))} "
                        f"(called with {wanted} arguments) but {where} declares {count}"
                    )
        for m in CAST.finditer(text):
            wanted = TYPEDEF_ARITY[m.group(1)]
            for where, count in candidates(defined, m.group(2), path):
                if count != wanted:
                    yield (
                        f"{path}: {m.group(2)} is cast to {m.group(1)} "
                        f"(called with {wanted} arguments) but {where} declares {count}"
                    )


def main() -> int:
    found = list(mismatches(sys.argv[1:]))
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
