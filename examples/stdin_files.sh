#!/usr/bin/env bash
# Input two ways: text on the program's stdin, and files created in its working directory /work
# before it starts (sent as {"name": "contents"}; sub-folders are allowed).
set -euo pipefail
request='{
  "stdin": "alice\nbob\n",
  "files": {
    "prices.csv": "item,price\napple,3\npear,2\nplum,5\n",
    "notes/hello.txt": "files can live in folders too\n"
  }
}'
"$(dirname "$0")/run.sh" --with "$request" -r '.res.output' <<'PY'
import csv, os, sys

for name in sys.stdin.read().split():
    print(f"hello {name} (from stdin)")

with open("prices.csv") as f:
    rows = list(csv.DictReader(f))
print("items:", [r["item"] for r in rows], "total:", sum(int(r["price"]) for r in rows))
print("notes/hello.txt:", open("notes/hello.txt").read().strip())
print("cwd:", os.getcwd(), "holds", sorted(os.listdir(".")))
PY
