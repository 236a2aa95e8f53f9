from itertools import accumulate


class RangeSum:
    """Answer inclusive range-sum queries in constant time using prefix sums."""

    def __init__(self, values):
        self.prefix = [0, *accumulate(values)]

    def query(self, start, end):
        return self.prefix[end + 1] - self.prefix[start]


ranges = RangeSum([-2, 0, 3, -5, 2, -1])
assert ranges.query(0, 2) == 1
assert ranges.query(2, 5) == -1
assert ranges.query(0, 5) == -3
assert ranges.query(3, 3) == -5
values = list(range(1, 101))
assert RangeSum(values).query(0, 99) == 5050
print("ok")
