def is_power_of_two(number):
    """Return True if number is a positive power of two."""
    return number > 0 and number & (number - 1) == 0


def next_power_of_two(number):
    return 1 if number <= 1 else 1 << (number - 1).bit_length()


assert is_power_of_two(1)
assert is_power_of_two(1024)
assert not is_power_of_two(0)
assert not is_power_of_two(12)
assert next_power_of_two(5) == 8
assert next_power_of_two(16) == 16
assert next_power_of_two(0) == 1
print("ok")
