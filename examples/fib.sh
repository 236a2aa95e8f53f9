#!/usr/bin/env bash
# A recursive Fibonacci: pure computation inside the sandbox.
set -euo pipefail
"$(dirname "$0")/run.sh" '.res' <<'PY'
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

print([fib(n) for n in range(15)])
print("fib(25) =", fib(25))
PY
