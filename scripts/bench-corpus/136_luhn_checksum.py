def luhn_valid(number):
    """Return True if the digit string passes the Luhn checksum."""
    digits = [int(char) for char in number if char.isdigit()]
    if len(digits) < 2:
        return False
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def luhn_check_digit(partial):
    return next(str(d) for d in range(10) if luhn_valid(partial + str(d)))


assert luhn_valid("4539 3195 0343 6467")
assert not luhn_valid("8273 1232 7352 0569")
assert luhn_valid("79927398713")
assert luhn_check_digit("7992739871") == "3"
assert not luhn_valid("0")
print("ok")
