def transpose(matrix):
    """Return the transpose of a rectangular matrix given as a list of rows."""
    if not matrix:
        return []
    return [[row[col] for row in matrix] for col in range(len(matrix[0]))]


assert transpose([[1, 2, 3], [4, 5, 6]]) == [[1, 4], [2, 5], [3, 6]]
assert transpose([[1]]) == [[1]]
assert transpose([]) == []
square = [[1, 2], [3, 4]]
assert transpose(transpose(square)) == square
print("ok")
