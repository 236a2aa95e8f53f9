"""Stand-in for the linker when meson links a Python extension module (`-shared`).

wasm32-wasip1 has no dynamic loading, so an extension module is not linked on its own: its
objects are linked into python.wasm. This writes, in place of `X.cpython-313-wasm32-wasi.so`,
a JSON manifest of what the link would have used (objects, static libraries, -l libraries),
with absolute paths. meson installs it like any extension module; scientific.sh then reads
it to archive the module's objects and link them into the interpreter.
"""

import json
import os
import shlex
import sys

MAGIC = "python-wasi static extension module"


def expand(args):
    """Expands @response-file arguments (meson uses them for long command lines)."""
    out = []
    for arg in args:
        if arg.startswith("@") and os.path.isfile(arg[1:]):
            with open(arg[1:], encoding="utf-8") as f:
                out.extend(expand(shlex.split(f.read())))
        else:
            out.append(arg)
    return out


def main(argv):
    args = expand(argv)
    output = None
    objects, archives, libs = [], [], []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-o":
            output = args[i + 1]
            i += 2
            continue
        if arg.endswith((".o", ".obj")):
            objects.append(os.path.abspath(arg))
        elif arg.endswith(".a"):
            archives.append(os.path.abspath(arg))
        elif arg.startswith("-l"):
            libs.append(arg)
        i += 1
    if output is None:
        sys.exit("fake-link: no -o in " + shlex.join(argv))
    missing = [p for p in objects + archives if not os.path.exists(p)]
    if missing:
        sys.exit("fake-link: missing inputs: " + " ".join(missing))
    with open(output, "w", encoding="utf-8") as f:
        json.dump({"magic": MAGIC, "objects": objects, "archives": archives, "libs": libs},
                  f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
