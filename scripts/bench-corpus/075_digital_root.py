def digit_sum(number):
    """Return the sum of the decimal digits of number."""
    return sum(int(digit) for digit in str(abs(number)))


def digital_root(number):
    while number >= 10:
        number = digit_sum(number)
    return number


assert digit_sum(12345) == 15
assert digit_sum(-909) == 18
assert digital_root(493193) == 2
assert digital_root(0) == 0
assert all(digital_root(n) == 1 + (n - 1) % 9 for n in range(1, 500))
print("ok")
