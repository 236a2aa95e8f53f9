from itertools import accumulate
import operator


def running_stats(values):
    """Return running totals, running maxima and running minima of values."""
    return (
        list(accumulate(values)),
        list(accumulate(values, max)),
        list(accumulate(values, min)),
    )


totals, maxima, minima = running_stats([3, 1, 4, 1, 5, 9, 2, 6])
assert totals == [3, 4, 8, 9, 14, 23, 25, 31]
assert maxima == [3, 3, 4, 4, 5, 9, 9, 9]
assert minima == [3, 1, 1, 1, 1, 1, 1, 1]
assert list(accumulate([1, 2, 3, 4], operator.mul)) == [1, 2, 6, 24]
assert running_stats([]) == ([], [], [])
print("ok")
