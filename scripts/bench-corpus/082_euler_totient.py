import math


def totient(number):
    """Return Euler's totient: how many integers in 1..number are coprime to it."""
    result = number
    remaining = number
    prime = 2
    while prime * prime <= remaining:
        if remaining % prime == 0:
            while remaining % prime == 0:
                remaining //= prime
            result -= result // prime
        prime += 1
    if remaining > 1:
        result -= result // remaining
    return result


assert totient(1) == 1
assert totient(9) == 6
assert totient(36) == 12
assert totient(97) == 96
assert all(totient(n) == sum(math.gcd(n, k) == 1 for k in range(1, n + 1)) for n in range(1, 200))
print("ok")
