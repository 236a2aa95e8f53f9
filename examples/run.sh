#!/usr/bin/env bash
# Sends the Python program on stdin to runner-node's POST /run and prints the JSON answer.
#   echo "print(1)" | examples/run.sh
# RUNNER_URL picks the server (default http://localhost:3000); extra arguments are jq filters
# applied to the answer (default: the whole answer).
set -euo pipefail
url="${RUNNER_URL:-http://localhost:3000}"
code="$(cat)"
jq -n --arg code "$code" '{code: $code}' |
    curl -sS --fail-with-body -H 'Content-Type: application/json' --data-binary @- "$url/run" |
    jq "${@:-.}"
