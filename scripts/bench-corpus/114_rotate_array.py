def rotate_right(values, steps):
    """Rotate values right by steps in place using three reversals."""
    if not values:
        return values
    steps %= len(values)

    def reverse(start, end):
        while start < end:
            values[start], values[end] = values[end], values[start]
            start, end = start + 1, end - 1

    reverse(0, len(values) - 1)
    reverse(0, steps - 1)
    reverse(steps, len(values) - 1)
    return values


assert rotate_right([1, 2, 3, 4, 5, 6, 7], 3) == [5, 6, 7, 1, 2, 3, 4]
assert rotate_right([-1, -100, 3, 99], 2) == [3, 99, -1, -100]
assert rotate_right([1, 2], 5) == [2, 1]
assert rotate_right([], 3) == []
print("ok")
