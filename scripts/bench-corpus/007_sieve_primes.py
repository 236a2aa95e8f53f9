def primes_up_to(limit):
    """Return all primes less than or equal to limit using the sieve of Eratosthenes."""
    if limit < 2:
        return []
    is_prime = [True] * (limit + 1)
    is_prime[0] = is_prime[1] = False
    for candidate in range(2, int(limit ** 0.5) + 1):
        if is_prime[candidate]:
            for multiple in range(candidate * candidate, limit + 1, candidate):
                is_prime[multiple] = False
    return [number for number, prime in enumerate(is_prime) if prime]


assert primes_up_to(10) == [2, 3, 5, 7]
assert primes_up_to(1) == []
assert len(primes_up_to(1000)) == 168
assert primes_up_to(1000)[-1] == 997
print("ok")
