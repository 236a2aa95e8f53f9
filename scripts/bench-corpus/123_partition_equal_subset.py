def can_partition(values):
    """Return True if values split into two subsets with equal sums."""
    total = sum(values)
    if total % 2:
        return False
    reachable = 1
    for value in values:
        reachable |= reachable << value
    return bool(reachable >> (total // 2) & 1)


assert can_partition([1, 5, 11, 5])
assert not can_partition([1, 2, 3, 5])
assert can_partition([])
assert can_partition([2, 2])
assert not can_partition([100])
print("ok")
