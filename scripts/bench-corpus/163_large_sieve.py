def sieve(limit):
    """Return a bytearray where entry n is 1 if n is prime (n < limit)."""
    flags = bytearray([1]) * limit
    flags[:2] = b"\x00\x00"[:limit]
    for candidate in range(2, int(limit ** 0.5) + 1):
        if flags[candidate]:
            first = candidate * candidate
            flags[first::candidate] = bytes(len(range(first, limit, candidate)))
    return flags


def twin_prime_pairs_below(limit):
    flags = sieve(limit)
    return sum(1 for n in range(3, limit - 2) if flags[n] and flags[n + 2])


assert sum(sieve(100)) == 25
assert sum(sieve(1_000_000)) == 78498
assert sum(sieve(5_000_000)) == 348513
assert twin_prime_pairs_below(100_000) == 1224
assert sum(sieve(2)) == 0
print("ok")
