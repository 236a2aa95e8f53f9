def power_mod(base, exponent, modulus):
    """Return base ** exponent % modulus by square-and-multiply."""
    result = 1
    base %= modulus
    while exponent:
        if exponent & 1:
            result = result * base % modulus
        base = base * base % modulus
        exponent >>= 1
    return result % modulus


assert power_mod(2, 10, 1000) == 24
assert power_mod(3, 0, 7) == 1
assert power_mod(5, 117, 19) == pow(5, 117, 19)
assert power_mod(7, 10 ** 18, 10 ** 9 + 7) == pow(7, 10 ** 18, 10 ** 9 + 7)
assert power_mod(10, 5, 1) == 0
print("ok")
