import string


def caesar(text, shift):
    """Shift each letter of text by shift positions, preserving case."""
    lower = string.ascii_lowercase
    upper = string.ascii_uppercase
    shift %= 26
    table = str.maketrans(
        lower + upper,
        lower[shift:] + lower[:shift] + upper[shift:] + upper[:shift],
    )
    return text.translate(table)


assert caesar("abc", 1) == "bcd"
assert caesar("xyz", 3) == "abc"
assert caesar("Hello, World!", 13) == "Uryyb, Jbeyq!"
assert caesar(caesar("Round Trip", 7), -7) == "Round Trip"
print("ok")
