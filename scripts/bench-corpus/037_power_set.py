from itertools import chain, combinations


def power_set(items):
    """Return every subset of items, ordered by size then position."""
    items = list(items)
    by_size = (combinations(items, size) for size in range(len(items) + 1))
    return [set(subset) for subset in chain.from_iterable(by_size)]


subsets = power_set([1, 2, 3])
assert len(subsets) == 8
assert subsets[0] == set()
assert subsets[-1] == {1, 2, 3}
assert {2, 3} in subsets
assert len(power_set(range(6))) == 64
print("ok")
