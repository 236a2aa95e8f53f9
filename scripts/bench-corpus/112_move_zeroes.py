def move_zeroes(values):
    """Move all zeroes to the end in place, keeping the order of other elements."""
    write = 0
    for value in values:
        if value != 0:
            values[write] = value
            write += 1
    for index in range(write, len(values)):
        values[index] = 0
    return values


assert move_zeroes([0, 1, 0, 3, 12]) == [1, 3, 12, 0, 0]
assert move_zeroes([0]) == [0]
assert move_zeroes([1, 2, 3]) == [1, 2, 3]
assert move_zeroes([0, 0, 1]) == [1, 0, 0]
print("ok")
