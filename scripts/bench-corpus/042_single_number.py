from functools import reduce
from operator import xor


def single_number(values):
    """Return the element appearing once when every other element appears twice."""
    return reduce(xor, values, 0)


assert single_number([2, 2, 1]) == 1
assert single_number([4, 1, 2, 1, 2]) == 4
assert single_number([7]) == 7
assert single_number([-3, 5, 5]) == -3
print("ok")
