#!/usr/bin/env bash
# The smallest run: prints {"res":{"status":"Ok","output":"hello world\n"}, ...}.
set -euo pipefail
"$(dirname "$0")/run.sh" <<'PY'
print("hello world")
PY
