def proper_divisor_sums(limit):
    """Return a list where entry n is the sum of the proper divisors of n (n < limit)."""
    sums = [0] * limit
    for divisor in range(1, limit // 2 + 1):
        for multiple in range(2 * divisor, limit, divisor):
            sums[multiple] += divisor
    return sums


def classify(number, sums):
    total = sums[number]
    return "perfect" if total == number else "abundant" if total > number else "deficient"


sums = proper_divisor_sums(10_000)
assert [n for n in range(2, 10_000) if sums[n] == n] == [6, 28, 496, 8128]
assert classify(12, sums) == "abundant"
assert classify(13, sums) == "deficient"
assert sums[220] == 284 and sums[284] == 220
print("ok")
