from fractions import Fraction


def determinant(matrix):
    """Return the exact determinant of a square matrix via Gaussian elimination."""
    rows = [[Fraction(value) for value in row] for row in matrix]
    size = len(rows)
    result = Fraction(1)
    for col in range(size):
        pivot = next((r for r in range(col, size) if rows[r][col] != 0), None)
        if pivot is None:
            return Fraction(0)
        if pivot != col:
            rows[col], rows[pivot] = rows[pivot], rows[col]
            result = -result
        result *= rows[col][col]
        for r in range(col + 1, size):
            factor = rows[r][col] / rows[col][col]
            rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col])]
    return result


assert determinant([[1, 2], [3, 4]]) == -2
assert determinant([[2, 0, 1], [1, 3, 2], [1, 1, 2]]) == 6
assert determinant([[1, 2, 3], [4, 5, 6], [7, 8, 9]]) == 0
assert determinant([[0, 1], [1, 0]]) == -1
assert determinant([[5]]) == 5
print("ok")
