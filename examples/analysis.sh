#!/usr/bin/env bash
# A data analysis with pandas and numpy, on a runner-node serving the scientific runtime
# (scripts/serve.sh --runtime scientific). The two CSV files of examples/analysis/ go in as
# files, analyse.py cleans, joins, groups, pivots, resamples and fits a trend, and the results
# it writes under out/ come back through `outputs`: this script saves them into OUT_DIR
# (default ./analysis-out) and prints what the program printed.
set -euo pipefail
url="${RUNNER_URL:-http://localhost:3000}"
here="$(dirname "$0")/analysis"
out="${OUT_DIR:-analysis-out}"
answer="$(jq -n --rawfile code "$here/analyse.py" \
    --rawfile orders "$here/orders.csv" --rawfile customers "$here/customers.csv" \
    '{code: $code, files: {"orders.csv": $orders, "customers.csv": $customers}, outputs: ["out/*"]}' |
    curl -sS --fail-with-body -H 'Content-Type: application/json' --data-binary @- "$url/run")"
if [ "$(jq -r .res.status <<<"$answer")" != Ok ]; then
    jq -r '"the analysis failed (\(.outcome)):\n\(.stderr)"' <<<"$answer" >&2
    exit 1
fi
mkdir -p "$out"
jq -c '.files[]' <<<"$answer" | while read -r file; do
    name="$(basename "$(jq -r .path <<<"$file")")"
    if [ "$(jq -r .encoding <<<"$file")" = base64 ]; then
        jq -r .content <<<"$file" | base64 -d >"$out/$name"
    else
        jq -j .content <<<"$file" >"$out/$name"
    fi
done
jq -j .stdout <<<"$answer"
echo "results in $out: $(jq -r '[.files[].path | sub("^out/"; "")] | join(" ")' <<<"$answer")"
