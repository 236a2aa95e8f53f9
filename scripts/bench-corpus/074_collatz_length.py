COLLATZ_CACHE = {1: 1}


def collatz_length(start):
    """Return the number of terms in the Collatz sequence starting at start."""
    path = []
    number = start
    while number not in COLLATZ_CACHE:
        path.append(number)
        number = number // 2 if number % 2 == 0 else 3 * number + 1
    length = COLLATZ_CACHE[number]
    for value in reversed(path):
        length += 1
        COLLATZ_CACHE[value] = length
    return COLLATZ_CACHE[start]


assert collatz_length(1) == 1
assert collatz_length(6) == 9
assert collatz_length(27) == 112
assert max(range(1, 1000), key=collatz_length) == 871
print("ok")
