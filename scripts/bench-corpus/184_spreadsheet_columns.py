def column_name(number):
    """Convert a 1-based column number to a spreadsheet label (1 -> A, 27 -> AA)."""
    label = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        label = chr(ord("A") + remainder) + label
    return label


def column_number(label):
    number = 0
    for char in label:
        number = number * 26 + ord(char) - ord("A") + 1
    return number


assert column_name(1) == "A"
assert column_name(28) == "AB"
assert column_name(701) == "ZY"
assert column_number("ZZ") == 702
assert all(column_number(column_name(n)) == n for n in range(1, 20_000, 37))
print("ok")
