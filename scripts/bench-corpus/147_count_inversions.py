def sort_and_count(values):
    """Return (sorted values, number of inversions) using merge sort."""
    if len(values) <= 1:
        return list(values), 0
    middle = len(values) // 2
    left, left_count = sort_and_count(values[:middle])
    right, right_count = sort_and_count(values[middle:])
    merged, inversions, i, j = [], left_count + right_count, 0, 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            inversions += len(left) - i
            j += 1
    return merged + left[i:] + right[j:], inversions


assert sort_and_count([2, 4, 1, 3, 5]) == ([1, 2, 3, 4, 5], 3)
assert sort_and_count([5, 4, 3, 2, 1])[1] == 10
assert sort_and_count([])[1] == 0
assert sort_and_count(list(range(100)))[1] == 0
print("ok")
