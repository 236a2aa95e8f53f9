def spiral_order(matrix):
    """Return matrix elements in clockwise spiral order."""
    result = []
    rows = [list(row) for row in matrix]
    while rows:
        result.extend(rows.pop(0))
        rows = [list(column) for column in zip(*rows)][::-1]
    return result


assert spiral_order([[1, 2, 3], [4, 5, 6], [7, 8, 9]]) == [1, 2, 3, 6, 9, 8, 7, 4, 5]
assert spiral_order([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]) == [
    1, 2, 3, 4, 8, 12, 11, 10, 9, 5, 6, 7,
]
assert spiral_order([[7]]) == [7]
assert spiral_order([]) == []
print("ok")
