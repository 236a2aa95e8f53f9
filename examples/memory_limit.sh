#!/usr/bin/env bash
# A program that keeps allocating hits its memory limit: the interpreter's request for more
# memory is refused, Python raises MemoryError, and the run ends as "memory_limit". The server
# default is 128 MiB; this request asks for 64 MiB.
set -euo pipefail
"$(dirname "$0")/run.sh" --with '{"memory_mb": 64}' \
    '.outcome, .res.status, (.res.output | split("\n") | map(select(length > 0)) | .[-2:][])' <<'PY'
blocks = []
while True:
    blocks.append(bytearray(8 * 1024 * 1024))
    print(f"holding {8 * len(blocks)} MiB")
PY
