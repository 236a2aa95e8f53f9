import random


def levenshtein(source, target):
    """Return the Levenshtein distance between two strings (two-row DP)."""
    previous = list(range(len(target) + 1))
    for i, source_char in enumerate(source, start=1):
        current = [i] + [0] * len(target)
        for j, target_char in enumerate(target, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (source_char != target_char))
        previous = current
    return previous[-1]


def mutate(text, edits, rng):
    letters = list(text)
    for _ in range(edits):
        letters[rng.randrange(len(letters))] = rng.choice("xyz")
    return "".join(letters)


rng = random.Random(8)
base = "".join(rng.choice("abcdefgh") for _ in range(200))
assert levenshtein(base, base) == 0
assert levenshtein(base, mutate(base, 20, rng)) <= 20
assert levenshtein(base, base[40:]) == 40
assert levenshtein(base, base[::-1]) == levenshtein(base[::-1], base)
assert levenshtein("sunday", "saturday") == 3
print("ok")
