import math


def binomial(n, k):
    """Return n choose k using the multiplicative formula."""
    if k < 0 or k > n:
        return 0
    k = min(k, n - k)
    result = 1
    for step in range(1, k + 1):
        result = result * (n - k + step) // step
    return result


assert binomial(5, 2) == 10
assert binomial(10, 0) == 1
assert binomial(3, 5) == 0
assert binomial(52, 5) == 2598960
assert all(binomial(n, k) == math.comb(n, k) for n in range(30) for k in range(n + 1))
print("ok")
