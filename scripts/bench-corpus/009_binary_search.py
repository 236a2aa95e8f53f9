def binary_search(sorted_values, target):
    """Return the index of target in sorted_values, or -1 if absent."""
    low, high = 0, len(sorted_values) - 1
    while low <= high:
        middle = (low + high) // 2
        if sorted_values[middle] == target:
            return middle
        if sorted_values[middle] < target:
            low = middle + 1
        else:
            high = middle - 1
    return -1


values = [1, 3, 5, 7, 9, 11, 13]
assert binary_search(values, 7) == 3
assert binary_search(values, 1) == 0
assert binary_search(values, 13) == 6
assert binary_search(values, 4) == -1
assert binary_search([], 1) == -1
print("ok")
