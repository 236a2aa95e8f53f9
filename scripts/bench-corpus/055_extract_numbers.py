import re


def extract_numbers(text):
    """Return every integer or decimal number in text as int or float."""
    numbers = []
    for match in re.finditer(r"-?\d+(?:\.\d+)?", text):
        token = match.group()
        numbers.append(float(token) if "." in token else int(token))
    return numbers


assert extract_numbers("3 apples and 4.5 pears") == [3, 4.5]
assert extract_numbers("temperature -12 to 7.25") == [-12, 7.25]
assert extract_numbers("no digits here") == []
assert sum(extract_numbers("1,2,3,4")) == 10
print("ok")
