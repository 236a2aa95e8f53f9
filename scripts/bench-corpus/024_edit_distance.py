def edit_distance(source, target):
    """Return the Levenshtein distance between two strings."""
    previous = list(range(len(target) + 1))
    for i, source_char in enumerate(source, start=1):
        current = [i]
        for j, target_char in enumerate(target, start=1):
            cost = 0 if source_char == target_char else 1
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost))
        previous = current
    return previous[-1]


assert edit_distance("kitten", "sitting") == 3
assert edit_distance("", "abc") == 3
assert edit_distance("flaw", "lawn") == 2
assert edit_distance("same", "same") == 0
assert edit_distance("intention", "execution") == 5
print("ok")
