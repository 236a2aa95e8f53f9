from itertools import groupby


def summarize_ranges(values):
    """Collapse sorted integers into range strings like '1-3,5,7-8'."""
    pieces = []
    for _, group in groupby(enumerate(values), key=lambda pair: pair[1] - pair[0]):
        run = [value for _, value in group]
        pieces.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ",".join(pieces)


def longest_run(text):
    return max(((char, len(list(group))) for char, group in groupby(text)),
               key=lambda pair: pair[1], default=("", 0))


assert summarize_ranges([1, 2, 3, 5, 7, 8]) == "1-3,5,7-8"
assert summarize_ranges([]) == ""
assert summarize_ranges([4]) == "4"
assert longest_run("aabbbcddddde") == ("d", 5)
assert longest_run("") == ("", 0)
print("ok")
