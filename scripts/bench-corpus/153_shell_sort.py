import random


def shell_sort(values):
    """Sort values in place using Shell sort with Ciura's gap sequence."""
    for gap in (701, 301, 132, 57, 23, 10, 4, 1):
        for index in range(gap, len(values)):
            current = values[index]
            position = index
            while position >= gap and values[position - gap] > current:
                values[position] = values[position - gap]
                position -= gap
            values[position] = current
    return values


rng = random.Random(99)
sample = [rng.uniform(-1, 1) for _ in range(400)]
assert shell_sort(list(sample)) == sorted(sample)
assert shell_sort([]) == []
assert shell_sort([2, 1]) == [1, 2]
assert shell_sort(list("shellsort")) == sorted("shellsort")
print("ok")
