import random


def radix_sort(values, base=10):
    """Sort non-negative integers with least-significant-digit radix sort."""
    if not values:
        return []
    result, place = list(values), 1
    while place <= max(values):
        buckets = [[] for _ in range(base)]
        for value in result:
            buckets[(value // place) % base].append(value)
        result = [value for bucket in buckets for value in bucket]
        place *= base
    return result


rng = random.Random(3)
sample = [rng.randrange(100_000) for _ in range(300)]
assert radix_sort(sample) == sorted(sample)
assert radix_sort([170, 45, 75, 90, 802, 24, 2, 66]) == [2, 24, 45, 66, 75, 90, 170, 802]
assert radix_sort([]) == []
assert radix_sort([0, 0, 1], base=2) == [0, 0, 1]
print("ok")
