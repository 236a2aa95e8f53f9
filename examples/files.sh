#!/usr/bin/env bash
# Files both ways: a CSV goes in as text and a small binary file as base64; the program writes a
# report and a chart-like binary, and `outputs` brings back what matches (text as text, anything
# else as base64), with what the caps left out listed in files_omitted.
set -euo pipefail
request='{
  "files": {
    "sales.csv": "region,amount\nnorth,120\nsouth,80\nnorth,45\n",
    "header.bin": {"base64": "iVBORw0KGgo="}
  },
  "outputs": ["report/*.txt", "chart.*"]
}'
"$(dirname "$0")/run.sh" --with "$request" \
    -r '.files[] | "\(.path) \(.encoding) \(.size) bytes: \(.content)"' <<'PY'
import collections, csv, os

totals = collections.Counter()
for row in csv.DictReader(open("sales.csv")):
    totals[row["region"]] += int(row["amount"])
os.makedirs("report", exist_ok=True)
with open("report/totals.txt", "w") as f:
    for region, amount in sorted(totals.items()):
        f.write(f"{region}={amount}\n")
# A binary output: the input's PNG signature plus one byte per region.
with open("chart.bin", "wb") as f:
    f.write(open("header.bin", "rb").read() + bytes(len(totals)))
PY
