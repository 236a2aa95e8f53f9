import math
from itertools import permutations


def permutation_rank(sequence):
    """Return the 0-based lexicographic rank of a permutation of distinct items."""
    remaining = sorted(sequence)
    rank = 0
    for item in sequence:
        position = remaining.index(item)
        rank += position * math.factorial(len(remaining) - 1)
        remaining.pop(position)
    return rank


def nth_permutation(items, rank):
    remaining, result = sorted(items), []
    while remaining:
        position, rank = divmod(rank, math.factorial(len(remaining) - 1))
        result.append(remaining.pop(position))
    return result


assert permutation_rank("abc") == 0
assert permutation_rank("cba") == 5
assert all(permutation_rank(p) == i for i, p in enumerate(permutations(range(5))))
assert "".join(map(str, nth_permutation(range(10), 999_999))) == "2783915460"
print("ok")
