import math


def factorial_digit_sum(n):
    """Return the sum of the decimal digits of n!."""
    return sum(map(int, str(math.factorial(n))))


def trailing_zeros_of_factorial(n):
    zeros, power = 0, 5
    while power <= n:
        zeros += n // power
        power *= 5
    return zeros


assert factorial_digit_sum(10) == 27
assert factorial_digit_sum(100) == 648
assert trailing_zeros_of_factorial(100) == 24
assert trailing_zeros_of_factorial(1000) == 249
text = str(math.factorial(500))
assert len(text) - len(text.rstrip("0")) == trailing_zeros_of_factorial(500)
print("ok")
