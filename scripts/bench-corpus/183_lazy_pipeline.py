from itertools import count, islice, takewhile


def squares():
    for n in count(1):
        yield n * n


def pipeline(limit):
    """Return the odd perfect squares below limit whose digit sum is even."""
    below = takewhile(lambda value: value < limit, squares())
    odd = (value for value in below if value % 2)
    return [value for value in odd if sum(map(int, str(value))) % 2 == 0]


def first_n(generator, n):
    return list(islice(generator, n))


assert first_n(squares(), 5) == [1, 4, 9, 16, 25]
assert pipeline(100) == []
assert pipeline(1000) == [121, 169, 361, 529, 729, 961]
assert all(value % 2 == 1 for value in pipeline(10_000))
assert pipeline(1) == []
print("ok")
