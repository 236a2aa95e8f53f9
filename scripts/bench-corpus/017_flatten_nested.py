def flatten(items):
    """Recursively flatten nested lists and tuples into a flat list."""
    flat = []
    for item in items:
        if isinstance(item, (list, tuple)):
            flat.extend(flatten(item))
        else:
            flat.append(item)
    return flat


assert flatten([1, [2, [3, [4]], 5]]) == [1, 2, 3, 4, 5]
assert flatten([]) == []
assert flatten([[[]]]) == []
assert flatten([(1, 2), ["a", ("b",)]]) == [1, 2, "a", "b"]
print("ok")
