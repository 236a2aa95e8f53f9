def majority_element(values):
    """Return the element occurring more than half the time (Boyer-Moore vote)."""
    candidate, count = None, 0
    for value in values:
        if count == 0:
            candidate = value
        count += 1 if value == candidate else -1
    if values.count(candidate) * 2 > len(values):
        return candidate
    return None


assert majority_element([3, 2, 3]) == 3
assert majority_element([2, 2, 1, 1, 1, 2, 2]) == 2
assert majority_element([1, 2, 3]) is None
assert majority_element(["x"]) == "x"
print("ok")
