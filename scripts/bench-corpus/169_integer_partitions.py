def partition_counts(limit):
    """Return p(0..limit): the number of integer partitions of each n."""
    counts = [1] + [0] * limit
    for part in range(1, limit + 1):
        for total in range(part, limit + 1):
            counts[total] += counts[total - part]
    return counts


def partitions(n, largest=None):
    largest = n if largest is None else largest
    if n == 0:
        yield ()
        return
    for part in range(min(n, largest), 0, -1):
        for rest in partitions(n - part, part):
            yield (part,) + rest


counts = partition_counts(600)
assert counts[:8] == [1, 1, 2, 3, 5, 7, 11, 15]
assert counts[100] == 190569292
assert counts[600] == 458004788008144308553622
assert len(list(partitions(20))) == counts[20]
assert list(partitions(4)) == [(4,), (3, 1), (2, 2), (2, 1, 1), (1, 1, 1, 1)]
print("ok")
