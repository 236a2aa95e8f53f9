def gcd(a, b):
    """Return the greatest common divisor using Euclid's algorithm."""
    while b:
        a, b = b, a % b
    return abs(a)


def lcm(a, b):
    return abs(a * b) // gcd(a, b) if a and b else 0


assert gcd(48, 18) == 6
assert gcd(17, 5) == 1
assert gcd(0, 9) == 9
assert lcm(4, 6) == 12
assert lcm(21, 6) == 42
assert lcm(0, 5) == 0
print("ok")
