"""Turns the extension modules meson installed as manifests (see fake-link.py) into static
archives, and writes what linking them into python.wasm needs.

    link-modules.py SITE_PACKAGES EXT_SUFFIX AR OUT_DIR

For each `<pkg>/<name><EXT_SUFFIX>` under SITE_PACKAGES: archive its objects into
OUT_DIR/<dotted name>.a (the manifests stay; sci_lib leaves them out of the guest's
library). Writes:

- OUT_DIR/inittab.txt: `<dotted name> PyInit_<name>`, one module a line, sorted;
- OUT_DIR/link-args.txt: the archives and -l libraries to add to the python.wasm link.

Objects that more than one module compiles from the same source (numpy's lapack-lite in
`lapack_lite` and `_umath_linalg`) each stay in their module's archive: an archive member is
linked only when it defines a symbol still undefined, so the first copy wins and the second
is never pulled in.
"""

import json
import os
import subprocess
import sys

MAGIC = "python-wasi static extension module"


def main(site, suffix, ar, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    modules = []
    for root, _dirs, files in os.walk(site):
        for name in files:
            if not name.endswith(suffix):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as f:
                manifest = json.load(f)
            if manifest.get("magic") != MAGIC:
                sys.exit(f"{path}: not a static-module manifest")
            rel = os.path.relpath(path, site)[: -len(suffix)]
            modules.append((rel.replace(os.sep, "."), manifest, path))
    if not modules:
        sys.exit(f"no extension modules (*{suffix}) under {site}")
    modules.sort()

    inits = {}
    for dotted, _manifest, _path in modules:
        init = "PyInit_" + dotted.rsplit(".", 1)[-1]
        if init in inits:
            sys.exit(f"{dotted} and {inits[init]} both define {init}: rename one")
        inits[init] = dotted

    archives, libs = [], []
    for dotted, manifest, _path in modules:
        archive = os.path.join(out_dir, dotted + ".a")
        if os.path.exists(archive):
            os.remove(archive)
        subprocess.run([ar, "rcs", archive, *manifest["objects"]], check=True)
        archives.append(archive)
        for a in manifest["archives"]:
            a = os.path.realpath(a)
            if a not in archives:
                archives.append(a)
        for lib in manifest["libs"]:
            if lib not in libs:
                libs.append(lib)

    with open(os.path.join(out_dir, "inittab.txt"), "w", encoding="utf-8") as f:
        for dotted, _manifest, _path in modules:
            f.write(f"{dotted} PyInit_{dotted.rsplit('.', 1)[-1]}\n")
    with open(os.path.join(out_dir, "link-args.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(archives + libs) + "\n")
    print(f"{len(modules)} extension modules, {len(archives)} archives, libs: {' '.join(libs)}")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
