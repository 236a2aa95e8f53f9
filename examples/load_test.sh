#!/usr/bin/env bash
# Many concurrent runs with wrk (Debian package `wrk`): LOAD_CONNECTIONS clients (default 8)
# each send POST /run back to back for LOAD_SECONDS (default 10), then it prints throughput,
# latency percentiles and how many runs completed. Loopback only: point a load test at your
# own machine (a remote pool: `kubectl port-forward` it first).
#   LOAD_SECONDS=5 LOAD_CONNECTIONS=16 examples/load_test.sh
set -euo pipefail
url="${RUNNER_URL:-http://localhost:3000}"
seconds="${LOAD_SECONDS:-10}"
connections="${LOAD_CONNECTIONS:-8}"
code="${LOAD_CODE:-print(sum(i * i for i in range(10000)))}"

command -v wrk >/dev/null || { echo "load_test.sh needs wrk: apt-get install wrk" >&2; exit 1; }
host="${url#*://}"
host="${host%%/*}"
case "$host" in
    localhost | localhost:* | 127.* | \[::1\] | \[::1\]:*) ;;
    *) echo "load_test.sh only targets loopback (localhost, 127.0.0.1, [::1]), not $host" >&2; exit 1 ;;
esac
# Bounds: a load test is a measurement, not a flood.
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ] || [ "$seconds" -gt 60 ]; then
    echo "LOAD_SECONDS must be 1..60, got $seconds" >&2; exit 1
fi
if ! [[ "$connections" =~ ^[0-9]+$ ]] || [ "$connections" -lt 1 ] || [ "$connections" -gt 64 ]; then
    echo "LOAD_CONNECTIONS must be 1..64, got $connections" >&2; exit 1
fi

threads=$((connections < 2 ? connections : 2))
body="$(jq -cn --arg code "$code" '{code: $code}')"
echo "load: $connections connections for ${seconds}s against $url/run"
echo "code: $code"
# --timeout: a reply slower than this counts as an error instead of stalling a connection.
wrk --threads "$threads" --connections "$connections" --duration "${seconds}s" --timeout 30s \
    --script "$(dirname "$0")/load_test.lua" "$url/run" -- "$body" |
    sed -n '/^runs:/,$p'
