def heap_sort(values):
    """Sort values in place in ascending order using a binary max-heap."""
    def sift_down(root, end):
        while 2 * root + 1 < end:
            child = 2 * root + 1
            if child + 1 < end and values[child + 1] > values[child]:
                child += 1
            if values[root] >= values[child]:
                return
            values[root], values[child] = values[child], values[root]
            root = child

    for start in range(len(values) // 2 - 1, -1, -1):
        sift_down(start, len(values))
    for end in range(len(values) - 1, 0, -1):
        values[0], values[end] = values[end], values[0]
        sift_down(0, end)
    return values


assert heap_sort([5, 2, 9, 1, 5, 6]) == [1, 2, 5, 5, 6, 9]
assert heap_sort([]) == []
assert heap_sort([1]) == [1]
assert heap_sort(list(range(50, 0, -1))) == list(range(1, 51))
print("ok")
