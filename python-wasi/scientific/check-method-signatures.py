"""Finds C methods whose parameter count does not match their method table's flags.

CPython calls a method through a pointer of the type its flags promise (METH_NOARGS: two
parameters, METH_VARARGS|METH_KEYWORDS: three, ...). Native ABIs tolerate a function that
declares fewer or more; WebAssembly traps ("indirect call type mismatch") and the run ends.
scientific.sh runs this over each unpacked, patched sdist and stops the build on a finding.

Usage: check-method-signatures.py DIR...   (exit status 1 and one line per mismatch)

A textual check: it sees `{"name", (cast)function, FLAGS, ...}` table entries and
`[static] [NPY_NO_EXPORT] PyObject *function(...) {` definitions in .c, .cpp, .h and
numpy's .c.src templates. Names made by templates (@name@) and definitions it cannot read are
skipped, not guessed.
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
# Flags that do not change the parameters.
NEUTRAL = {"METH_CLASS", "METH_STATIC", "METH_COEXIST"}

# {"name", (PyCFunction)(void(*)(void))function, METH_A | METH_B, ...}
ENTRY = re.compile(
    r'\{\s*"[^"]*"\s*,\s*(?:\([^()]*(?:\([^()]*\)[^()]*)*\)\s*)*([A-Za-z_]\w*)\s*,'
    r"\s*(METH_[A-Z_|\s]+?)\s*[,}]"
)
# PyObject *\nfunction(PyObject *NPY_UNUSED(self), PyObject *args)\n{
DEFINITION = re.compile(
    r"^(?:static\s+)?(?:NPY_NO_EXPORT\s+)?PyObject\s*\*\s*([A-Za-z_]\w*)\s*"
    r"\(((?:[^()]|\([^()]*\))*)\)\s*\{",
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
            for where, count in defined.get(m.group(1), []) if wanted else []:
                if count != wanted:
                    yield (
                        f"{path}: {m.group(1)} is {' | '.join(sorted(flags))} "
                        f"(called with {wanted} arguments) but {where} declares {count}"
                    )


def main() -> int:
    found = list(mismatches(sys.argv[1:]))
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
