def insertion_sort(values, key=lambda value: value):
    """Return a stably sorted copy of values using insertion sort."""
    result = list(values)
    for index in range(1, len(result)):
        current = result[index]
        position = index
        while position > 0 and key(result[position - 1]) > key(current):
            result[position] = result[position - 1]
            position -= 1
        result[position] = current
    return result


people = [("ann", 31), ("bob", 25), ("cid", 31), ("dee", 25)]
assert insertion_sort([3, 1, 2]) == [1, 2, 3]
assert insertion_sort(people, key=lambda person: person[1]) == [
    ("bob", 25), ("dee", 25), ("ann", 31), ("cid", 31),
]
assert insertion_sort([]) == []
assert insertion_sort("sorting") == sorted("sorting")
print("ok")
