def max_loot(houses):
    """Return the most money robbable from a street without robbing adjacent houses."""
    take, skip = 0, 0
    for value in houses:
        take, skip = skip + value, max(take, skip)
    return max(take, skip)


def max_loot_circular(houses):
    if len(houses) == 1:
        return houses[0]
    return max(max_loot(houses[1:]), max_loot(houses[:-1]))


assert max_loot([1, 2, 3, 1]) == 4
assert max_loot([2, 7, 9, 3, 1]) == 12
assert max_loot([]) == 0
assert max_loot_circular([2, 3, 2]) == 3
assert max_loot_circular([1, 2, 3, 1]) == 4
print("ok")
