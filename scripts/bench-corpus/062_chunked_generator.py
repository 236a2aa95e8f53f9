from itertools import islice


def chunked(iterable, size):
    """Yield successive lists of at most size items from iterable."""
    iterator = iter(iterable)
    while True:
        chunk = list(islice(iterator, size))
        if not chunk:
            return
        yield chunk


assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
assert list(chunked([], 4)) == []
assert list(chunked("abcd", 2)) == [["a", "b"], ["c", "d"]]
assert sum(len(chunk) for chunk in chunked(range(100), 7)) == 100
print("ok")
