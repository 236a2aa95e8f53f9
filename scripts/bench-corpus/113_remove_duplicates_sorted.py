def dedupe_sorted(values, allowed=1):
    """Keep at most allowed copies of each value in a sorted list; return new length."""
    write = 0
    for value in values:
        if write < allowed or values[write - allowed] != value:
            values[write] = value
            write += 1
    del values[write:]
    return write


data = [1, 1, 2, 3, 3, 3, 4]
assert dedupe_sorted(data) == 4 and data == [1, 2, 3, 4]
data = [0, 0, 1, 1, 1, 1, 2, 3, 3]
assert dedupe_sorted(data, allowed=2) == 7 and data == [0, 0, 1, 1, 2, 3, 3]
empty = []
assert dedupe_sorted(empty) == 0 and empty == []
print("ok")
