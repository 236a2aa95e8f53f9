from fractions import Fraction


def harmonic(n):
    """Return the n-th harmonic number as an exact fraction."""
    return sum((Fraction(1, k) for k in range(1, n + 1)), Fraction(0))


def egyptian(fraction):
    parts = []
    while fraction.numerator:
        unit = Fraction(1, -(-fraction.denominator // fraction.numerator))
        parts.append(unit)
        fraction -= unit
    return parts


assert harmonic(1) == 1
assert harmonic(4) == Fraction(25, 12)
assert harmonic(10).denominator == 2520
assert egyptian(Fraction(4, 13)) == [Fraction(1, 4), Fraction(1, 18), Fraction(1, 468)]
assert sum(egyptian(Fraction(5, 6))) == Fraction(5, 6)
print("ok")
