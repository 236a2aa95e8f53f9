from datetime import date, timedelta


def month_grid(year, month):
    """Return weeks (Monday first) of a month as lists of day numbers, 0 for padding."""
    first = date(year, month, 1)
    next_month = date(year + month // 12, month % 12 + 1, 1)
    days = [0] * first.weekday() + list(range(1, (next_month - first).days + 1))
    days += [0] * (-len(days) % 7)
    return [days[start:start + 7] for start in range(0, len(days), 7)]


def nth_weekday(year, month, weekday, n):
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


grid = month_grid(2024, 2)
assert grid[0] == [0, 0, 0, 1, 2, 3, 4]
assert grid[-1] == [26, 27, 28, 29, 0, 0, 0]
assert len(month_grid(2021, 2)) == 4
assert month_grid(2023, 12)[-1][:1] == [25]
assert nth_weekday(2024, 11, 3, 4) == date(2024, 11, 28)
print("ok")
