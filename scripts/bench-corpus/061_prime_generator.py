from itertools import islice


def primes():
    """Yield prime numbers indefinitely using an incremental sieve."""
    composites = {}
    candidate = 2
    while True:
        if candidate not in composites:
            yield candidate
            composites[candidate * candidate] = [candidate]
        else:
            for prime in composites.pop(candidate):
                composites.setdefault(candidate + prime, []).append(prime)
        candidate += 1


assert list(islice(primes(), 10)) == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
assert next(islice(primes(), 99, None)) == 541
assert sum(islice(primes(), 20)) == 639
print("ok")
