def rotate_clockwise(matrix):
    """Return the square matrix rotated 90 degrees clockwise."""
    return [list(row) for row in zip(*matrix[::-1])]


grid = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
assert rotate_clockwise(grid) == [[7, 4, 1], [8, 5, 2], [9, 6, 3]]
assert rotate_clockwise([[1]]) == [[1]]
rotated = grid
for _ in range(4):
    rotated = rotate_clockwise(rotated)
assert rotated == grid
assert rotate_clockwise([[1, 2], [3, 4]]) == [[3, 1], [4, 2]]
print("ok")
