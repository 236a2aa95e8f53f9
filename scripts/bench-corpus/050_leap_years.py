import calendar


def is_leap_year(year):
    """Return True if year is a Gregorian leap year."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


assert is_leap_year(2024)
assert not is_leap_year(1900)
assert is_leap_year(2000)
assert not is_leap_year(2023)
assert all(is_leap_year(year) == calendar.isleap(year) for year in range(1800, 2200))
assert sum(is_leap_year(year) for year in range(2001, 2101)) == 24
print("ok")
