def catalan(count):
    """Return the first count Catalan numbers via the recurrence."""
    numbers = [1]
    for n in range(1, count):
        numbers.append(sum(numbers[i] * numbers[n - 1 - i] for i in range(n)))
    return numbers[:count]


def balanced_parentheses(pairs):
    if pairs == 0:
        return [""]
    return [
        f"({inner}){rest}"
        for split in range(pairs)
        for inner in balanced_parentheses(split)
        for rest in balanced_parentheses(pairs - 1 - split)
    ]


assert catalan(8) == [1, 1, 2, 5, 14, 42, 132, 429]
assert len(balanced_parentheses(4)) == catalan(5)[4]
assert sorted(balanced_parentheses(2)) == ["(())", "()()"]
assert catalan(20)[-1] == 1767263190
print("ok")
