#!/usr/bin/env bash
# Bubble sort of a shuffled list.
set -euo pipefail
"$(dirname "$0")/run.sh" '.res' <<'PY'
import random

def bubble(xs):
    xs = list(xs)
    for i in range(len(xs)):
        for j in range(len(xs) - 1 - i):
            if xs[j] > xs[j + 1]:
                xs[j], xs[j + 1] = xs[j + 1], xs[j]
    return xs

data = random.sample(range(100), 20)
print("sorted:", bubble(data) == sorted(data))
print(bubble(data))
PY
