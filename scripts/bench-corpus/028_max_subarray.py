def max_subarray(values):
    """Return the largest sum of a contiguous non-empty subarray (Kadane)."""
    best = current = values[0]
    for value in values[1:]:
        current = max(value, current + value)
        best = max(best, current)
    return best


assert max_subarray([-2, 1, -3, 4, -1, 2, 1, -5, 4]) == 6
assert max_subarray([1]) == 1
assert max_subarray([-3, -1, -2]) == -1
assert max_subarray([5, 4, -1, 7, 8]) == 23
print("ok")
