#!/usr/bin/env bash
# Interpreter facts as the guest sees them.
set -euo pipefail
"$(dirname "$0")/run.sh" '.res' <<'PY'
import os, sys, platform
print("version:", sys.version.split()[0])
print("platform:", sys.platform, platform.machine())
print("argv:", sys.argv)
print("prefix:", sys.prefix)
print("cwd:", os.getcwd())
print("env:", sorted(os.environ))
print("recursion limit:", sys.getrecursionlimit())
PY
