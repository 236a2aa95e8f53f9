from functools import lru_cache


@lru_cache(maxsize=None)
def fibonacci(n):
    """Return the n-th Fibonacci number using memoized recursion."""
    if n < 2:
        return n
    return fibonacci(n - 1) + fibonacci(n - 2)


assert fibonacci(0) == 0
assert fibonacci(1) == 1
assert fibonacci(10) == 55
assert fibonacci(50) == 12586269025
assert [fibonacci(i) for i in range(8)] == [0, 1, 1, 2, 3, 5, 8, 13]
print("ok")
