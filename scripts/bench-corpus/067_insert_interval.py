def insert_interval(intervals, new_interval):
    """Insert an interval into a sorted list of disjoint intervals, merging overlaps."""
    start, end = new_interval
    before = [iv for iv in intervals if iv[1] < start]
    after = [iv for iv in intervals if iv[0] > end]
    overlapping = [iv for iv in intervals if not (iv[1] < start or iv[0] > end)]
    if overlapping:
        start = min(start, overlapping[0][0])
        end = max(end, overlapping[-1][1])
    return before + [[start, end]] + after


assert insert_interval([[1, 3], [6, 9]], [2, 5]) == [[1, 5], [6, 9]]
assert insert_interval([[1, 2], [3, 5], [6, 7], [8, 10], [12, 16]], [4, 8]) == [
    [1, 2], [3, 10], [12, 16],
]
assert insert_interval([], [5, 7]) == [[5, 7]]
assert insert_interval([[1, 5]], [6, 8]) == [[1, 5], [6, 8]]
print("ok")
