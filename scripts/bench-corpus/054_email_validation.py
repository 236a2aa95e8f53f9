import re

EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}$")


def is_valid_email(address):
    """Return True if address looks like a plausible email address."""
    return bool(EMAIL_PATTERN.match(address)) and ".." not in address


assert is_valid_email("ada.lovelace@example.com")
assert is_valid_email("first+tag@mail.example.org")
assert not is_valid_email("no-at-sign.example.com")
assert not is_valid_email("user@localhost")
assert not is_valid_email("double..dot@example.com")
assert not is_valid_email("@example.com")
print("ok")
