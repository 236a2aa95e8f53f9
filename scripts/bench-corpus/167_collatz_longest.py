def longest_collatz_start(limit):
    """Return the start below limit producing the longest Collatz chain, and its length."""
    lengths = [0] * limit
    lengths[1] = 1
    best_start, best_length = 1, 1
    for start in range(2, limit):
        number, steps = start, 0
        while number >= limit or lengths[number] == 0:
            number = number // 2 if number % 2 == 0 else 3 * number + 1
            steps += 1
        lengths[start] = steps + lengths[number]
        if lengths[start] > best_length:
            best_start, best_length = start, lengths[start]
    return best_start, best_length


assert longest_collatz_start(10) == (9, 20)
assert longest_collatz_start(1000) == (871, 179)
assert longest_collatz_start(100_000) == (77031, 351)
print("ok")
