#!/usr/bin/env bash
# Sends the Python program on stdin to runner-node's POST /run and prints the JSON answer.
#   echo "print(1)" | examples/run.sh
#   echo "print(input())" | examples/run.sh --with '{"stdin": "hi", "timeout_ms": 2000}' .res
# RUNNER_URL picks the server (default http://localhost:3000). `--with JSON` adds request fields
# (stdin, files, env, timeout_ms, memory_mb); the other arguments go to jq, applied to the
# answer (default: the whole answer).
set -euo pipefail
url="${RUNNER_URL:-http://localhost:3000}"
with='{}'
if [ "${1:-}" = "--with" ]; then
    with="$2"
    shift 2
fi
code="$(cat)"
jq -n --arg code "$code" --argjson with "$with" '{code: $code} + $with' |
    curl -sS --fail-with-body -H 'Content-Type: application/json' --data-binary @- "$url/run" |
    jq "${@:-.}"
