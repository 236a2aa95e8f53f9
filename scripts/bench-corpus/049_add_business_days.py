from datetime import date, timedelta


def add_business_days(start, count, holidays=()):
    """Return the date count business days after start, skipping weekends and holidays."""
    current = start
    while count > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            count -= 1
    return current


friday = date(2024, 3, 1)
assert add_business_days(friday, 1) == date(2024, 3, 4)
assert add_business_days(friday, 5) == date(2024, 3, 8)
assert add_business_days(friday, 1, holidays={date(2024, 3, 4)}) == date(2024, 3, 5)
assert add_business_days(friday, 0) == friday
print("ok")
