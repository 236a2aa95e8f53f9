def poly_multiply(first, second):
    """Multiply polynomials given as coefficient lists (lowest degree first)."""
    if not first or not second:
        return []
    product = [0] * (len(first) + len(second) - 1)
    for i, a in enumerate(first):
        for j, b in enumerate(second):
            product[i + j] += a * b
    return product


def poly_evaluate(coefficients, x):
    result = 0
    for coefficient in reversed(coefficients):
        result = result * x + coefficient
    return result


assert poly_multiply([1, 1], [1, 1]) == [1, 2, 1]
assert poly_multiply([1, 2, 3], [0, 1]) == [0, 1, 2, 3]
assert poly_multiply([], [1, 2]) == []
assert poly_evaluate([1, 2, 1], 3) == 16
square = poly_multiply([-1, 1], [-1, 1])
assert all(poly_evaluate(square, x) == (x - 1) ** 2 for x in range(-5, 6))
print("ok")
