from collections import Counter


def unique_permutations(values):
    """Return all distinct permutations of values in lexicographic order."""
    counts = Counter(values)
    result, current = [], []

    def build():
        if len(current) == len(values):
            result.append(tuple(current))
            return
        for value in sorted(counts):
            if counts[value]:
                counts[value] -= 1
                current.append(value)
                build()
                current.pop()
                counts[value] += 1

    build()
    return result


assert unique_permutations([1, 1, 2]) == [(1, 1, 2), (1, 2, 1), (2, 1, 1)]
assert len(unique_permutations([1, 2, 3, 4])) == 24
assert unique_permutations([]) == [()]
assert len(unique_permutations("aabb")) == 6
print("ok")
