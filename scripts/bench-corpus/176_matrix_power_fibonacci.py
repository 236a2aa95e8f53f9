def mat_mult(a, b, modulus):
    return [
        [sum(a[row][k] * b[k][col] for k in range(2)) % modulus for col in range(2)]
        for row in range(2)
    ]


def fibonacci_mod(n, modulus=10 ** 9 + 7):
    """Return F(n) modulo modulus using 2x2 matrix exponentiation."""
    result = [[1, 0], [0, 1]]
    base = [[1, 1], [1, 0]]
    while n:
        if n & 1:
            result = mat_mult(result, base, modulus)
        base = mat_mult(base, base, modulus)
        n >>= 1
    return result[0][1]


assert [fibonacci_mod(n) for n in range(10)] == [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]
assert fibonacci_mod(90, modulus=10 ** 30) == 2880067194370816120
assert fibonacci_mod(10 ** 18) == fibonacci_mod(10 ** 18)
assert fibonacci_mod(60, modulus=10) == 0
print("ok")
