import random


def quicksort(values):
    """Return a sorted copy of values using three-way partition quicksort."""
    if len(values) <= 1:
        return list(values)
    pivot = values[len(values) // 2]
    smaller = [value for value in values if value < pivot]
    equal = [value for value in values if value == pivot]
    larger = [value for value in values if value > pivot]
    return quicksort(smaller) + equal + quicksort(larger)


rng = random.Random(11)
sample = [rng.randint(-100, 100) for _ in range(500)]
assert quicksort(sample) == sorted(sample)
assert quicksort([]) == []
assert quicksort([3, 3, 3]) == [3, 3, 3]
assert quicksort(["pear", "apple", "fig"]) == ["apple", "fig", "pear"]
print("ok")
