from datetime import date


def days_between(first, second):
    """Return the absolute number of days between two ISO dates."""
    return abs((date.fromisoformat(second) - date.fromisoformat(first)).days)


assert days_between("2024-01-01", "2024-12-31") == 365
assert days_between("2023-01-01", "2023-12-31") == 364
assert days_between("2020-02-28", "2020-03-01") == 2
assert days_between("2000-01-01", "1999-12-31") == 1
assert days_between("2022-06-15", "2022-06-15") == 0
print("ok")
