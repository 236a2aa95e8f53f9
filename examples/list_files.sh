#!/usr/bin/env bash
# Walks every folder the sandbox can see: the read-only stdlib and its own /work, nothing else.
set -euo pipefail
"$(dirname "$0")/run.sh" '.res' <<'PY'
import os

for top in ["/", "/usr/local/lib", "/work", "/etc", "/proc", "/root"]:
    try:
        print(top, "->", sorted(os.listdir(top))[:5])
    except OSError as e:
        print(top, "->", type(e).__name__, e.strerror)
PY
