def is_valid_isbn10(isbn):
    """Return True if isbn (hyphens allowed) is a valid ISBN-10."""
    chars = isbn.replace("-", "")
    if len(chars) != 10 or not chars[:9].isdigit() or not (chars[9].isdigit() or chars[9] == "X"):
        return False
    values = [int(c) for c in chars[:9]] + [10 if chars[9] == "X" else int(chars[9])]
    return sum(weight * value for weight, value in zip(range(10, 0, -1), values)) % 11 == 0


def is_valid_isbn13(isbn):
    chars = isbn.replace("-", "")
    if len(chars) != 13 or not chars.isdigit():
        return False
    return sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(chars)) % 10 == 0


assert is_valid_isbn10("3-598-21508-8")
assert is_valid_isbn10("3-598-21507-X")
assert not is_valid_isbn10("3-598-21508-9")
assert is_valid_isbn13("978-0-306-40615-7")
assert not is_valid_isbn13("978-0-306-40615-8")
print("ok")
