# Runs CPython's regrtest inside the guest (test-stdlib.sh passes it with -c). The guest starts
# in "/", which is no preopen: regrtest must start, and come back to, a folder it may use.
# Arguments: regrtest's, plus `--known-failures FILE` (patterns to skip, `#` comments allowed).
import os
import sys

os.chdir("/work")
args = sys.argv[1:]
if "--known-failures" in args:
    i = args.index("--known-failures")
    with open(args[i + 1], encoding="utf-8") as f:
        patterns = [line.split("#", 1)[0].strip() for line in f]
    args[i:i + 2] = [a for p in patterns if p for a in ("-i", p)]
sys.argv[1:] = args

from test.libregrtest.main import main  # noqa: E402

main()
