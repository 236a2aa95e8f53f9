def to_24_hour(clock):
    """Convert 'hh:mm AM/PM' to 'HH:MM' 24-hour time."""
    time_part, period = clock.split()
    hours, minutes = map(int, time_part.split(":"))
    hours %= 12
    if period.upper() == "PM":
        hours += 12
    return f"{hours:02d}:{minutes:02d}"


def to_12_hour(clock):
    hours, minutes = map(int, clock.split(":"))
    period = "PM" if hours >= 12 else "AM"
    return f"{hours % 12 or 12}:{minutes:02d} {period}"


assert to_24_hour("12:00 AM") == "00:00"
assert to_24_hour("12:30 PM") == "12:30"
assert to_24_hour("7:05 pm") == "19:05"
assert to_12_hour("00:15") == "12:15 AM"
assert to_12_hour("23:59") == "11:59 PM"
assert all(to_24_hour(to_12_hour(f"{h:02d}:30")) == f"{h:02d}:30" for h in range(24))
print("ok")
