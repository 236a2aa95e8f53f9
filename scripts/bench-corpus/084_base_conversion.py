DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def to_base(number, base):
    """Render a non-negative integer in the given base (2..36)."""
    if number == 0:
        return "0"
    digits = []
    while number:
        number, remainder = divmod(number, base)
        digits.append(DIGITS[remainder])
    return "".join(reversed(digits))


assert to_base(255, 16) == "ff"
assert to_base(10, 2) == "1010"
assert to_base(0, 7) == "0"
assert to_base(35, 36) == "z"
assert all(int(to_base(n, b), b) == n for n in range(0, 300, 7) for b in (2, 3, 8, 16, 36))
print("ok")
