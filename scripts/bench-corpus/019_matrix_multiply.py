def matmul(left, right):
    """Multiply two matrices given as lists of rows."""
    inner = len(right)
    columns = len(right[0])
    return [
        [sum(row[k] * right[k][col] for k in range(inner)) for col in range(columns)]
        for row in left
    ]


identity = [[1, 0], [0, 1]]
square = [[1, 2], [3, 4]]
assert matmul(square, identity) == square
assert matmul(square, square) == [[7, 10], [15, 22]]
assert matmul([[1, 2, 3]], [[4], [5], [6]]) == [[32]]
assert matmul([[2], [3]], [[1, 1]]) == [[2, 2], [3, 3]]
print("ok")
