from fractions import Fraction


def solve_linear(coefficients, constants):
    """Solve a square linear system exactly with Gauss-Jordan elimination."""
    size = len(coefficients)
    rows = [[Fraction(v) for v in row] + [Fraction(c)] for row, c in zip(coefficients, constants)]
    for col in range(size):
        pivot = next((r for r in range(col, size) if rows[r][col] != 0), None)
        if pivot is None:
            raise ValueError("singular system")
        rows[col], rows[pivot] = rows[pivot], rows[col]
        pivot_value = rows[col][col]
        rows[col] = [value / pivot_value for value in rows[col]]
        for r in range(size):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col])]
    return [row[-1] for row in rows]


assert solve_linear([[2, 1], [1, 3]], [3, 5]) == [Fraction(4, 5), Fraction(7, 5)]
assert solve_linear([[1, 1, 1], [0, 2, 5], [2, 5, -1]], [6, -4, 27]) == [5, 3, -2]
assert solve_linear([[0, 1], [1, 0]], [7, 9]) == [9, 7]
try:
    solve_linear([[1, 2], [2, 4]], [1, 2])
    raise AssertionError("expected ValueError")
except ValueError:
    pass
print("ok")
