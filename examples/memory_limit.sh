#!/usr/bin/env bash
# A program that keeps allocating hits its memory limit: the interpreter's request for more
# memory is refused, Python raises MemoryError, and the run ends as "memory_limit". The server
# default is 128 MiB; this request asks for 64 MiB. Prints the outcome, the status, the last
# allocation that succeeded and the last line of the traceback.
set -euo pipefail
"$(dirname "$0")/run.sh" --with '{"memory_mb": 64}' \
    '.outcome, .res.status,
     (.res.output | split("\n") | (map(select(startswith("holding"))) | last), (map(select(length > 0)) | last))' <<'PY'
blocks = []
while True:
    blocks.append(bytearray(8 * 1024 * 1024))
    print(f"holding {8 * len(blocks)} MiB")
PY
