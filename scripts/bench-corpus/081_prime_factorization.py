from collections import Counter


def prime_factors(number):
    """Return the prime factorization of number as a Counter of prime -> exponent."""
    factors = Counter()
    divisor = 2
    while divisor * divisor <= number:
        while number % divisor == 0:
            factors[divisor] += 1
            number //= divisor
        divisor += 1 if divisor == 2 else 2
    if number > 1:
        factors[number] += 1
    return factors


assert prime_factors(360) == {2: 3, 3: 2, 5: 1}
assert prime_factors(97) == {97: 1}
assert prime_factors(1) == {}
assert prime_factors(600851475143) == {71: 1, 839: 1, 1471: 1, 6857: 1}
assert prime_factors(2 ** 10) == {2: 10}
print("ok")
