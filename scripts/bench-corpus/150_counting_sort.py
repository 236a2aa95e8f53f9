def counting_sort(values, key=lambda value: value):
    """Stable sort of items whose key is a small non-negative integer."""
    if not values:
        return []
    counts = [0] * (max(map(key, values)) + 1)
    for value in values:
        counts[key(value)] += 1
    position = 0
    for index, count in enumerate(counts):
        counts[index], position = position, position + count
    result = [None] * len(values)
    for value in values:
        result[counts[key(value)]] = value
        counts[key(value)] += 1
    return result


assert counting_sort([4, 2, 2, 8, 3, 3, 1]) == [1, 2, 2, 3, 3, 4, 8]
assert counting_sort([]) == []
records = [("b", 2), ("a", 1), ("c", 2), ("d", 0)]
assert counting_sort(records, key=lambda record: record[1]) == [
    ("d", 0), ("a", 1), ("b", 2), ("c", 2),
]
print("ok")
