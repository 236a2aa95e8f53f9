SYMBOLS = {-1: "-", 0: "0", 1: "+"}


def to_balanced_ternary(number):
    """Encode an integer in balanced ternary using digits '-', '0', '+'."""
    if number == 0:
        return "0"
    digits = []
    while number:
        remainder = number % 3
        if remainder == 2:
            remainder = -1
        digits.append(SYMBOLS[remainder])
        number = (number - remainder) // 3
    return "".join(reversed(digits))


def from_balanced_ternary(text):
    values = {symbol: value for value, symbol in SYMBOLS.items()}
    total = 0
    for char in text:
        total = total * 3 + values[char]
    return total


assert to_balanced_ternary(8) == "+0-"
assert to_balanced_ternary(-8) == "-0+"
assert to_balanced_ternary(0) == "0"
assert all(from_balanced_ternary(to_balanced_ternary(n)) == n for n in range(-500, 501))
print("ok")
