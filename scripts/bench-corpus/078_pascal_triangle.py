def pascal_triangle(rows):
    """Return the first rows rows of Pascal's triangle."""
    triangle = []
    for index in range(rows):
        row = [1] * (index + 1)
        for position in range(1, index):
            row[position] = triangle[-1][position - 1] + triangle[-1][position]
        triangle.append(row)
    return triangle


triangle = pascal_triangle(6)
assert triangle[4] == [1, 4, 6, 4, 1]
assert triangle[5] == [1, 5, 10, 10, 5, 1]
assert pascal_triangle(0) == []
assert all(sum(row) == 2 ** i for i, row in enumerate(pascal_triangle(20)))
print("ok")
