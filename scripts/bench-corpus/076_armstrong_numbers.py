def is_armstrong(number):
    """Return True if number equals the sum of its digits raised to the digit count."""
    digits = str(number)
    return number == sum(int(digit) ** len(digits) for digit in digits)


assert is_armstrong(153)
assert is_armstrong(9474)
assert not is_armstrong(10)
assert [n for n in range(100, 1000) if is_armstrong(n)] == [153, 370, 371, 407]
assert all(is_armstrong(n) for n in range(10))
print("ok")
