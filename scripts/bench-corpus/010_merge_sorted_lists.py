def merge_sorted(left, right):
    """Merge two sorted lists into one sorted list."""
    merged = []
    i = j = 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            j += 1
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged


assert merge_sorted([1, 4, 7], [2, 3, 8, 9]) == [1, 2, 3, 4, 7, 8, 9]
assert merge_sorted([], [1, 2]) == [1, 2]
assert merge_sorted([5], []) == [5]
assert merge_sorted([1, 1], [1]) == [1, 1, 1]
print("ok")
