from bisect import bisect_left


def lis_length(values):
    """Return the length of the longest strictly increasing subsequence."""
    tails = []
    for value in values:
        position = bisect_left(tails, value)
        if position == len(tails):
            tails.append(value)
        else:
            tails[position] = value
    return len(tails)


assert lis_length([10, 9, 2, 5, 3, 7, 101, 18]) == 4
assert lis_length([0, 1, 0, 3, 2, 3]) == 4
assert lis_length([7, 7, 7, 7]) == 1
assert lis_length([]) == 0
assert lis_length(list(range(50))) == 50
print("ok")
