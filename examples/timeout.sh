#!/usr/bin/env bash
# A program that never ends is stopped at its time limit: outcome "timeout", no exit code, and
# the output written before the limit is kept. The server default is 5 s; a request may ask for
# less (or more, up to the server's maximum).
set -euo pipefail
"$(dirname "$0")/run.sh" --with '{"timeout_ms": 1000}' \
    -c '{outcome, exit_code, status: .res.status, output: .res.output}' <<'PY'
print("working...")
while True:
    pass
PY
