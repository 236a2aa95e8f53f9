import re
from datetime import timedelta

UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text):
    """Parse strings like '1h30m' or '2d 4h 5s' into a timedelta."""
    parts = re.findall(r"(\d+)\s*([dhms])", text.lower())
    if not parts or re.sub(r"[\d\sdhms]", "", text.lower()):
        raise ValueError(f"bad duration: {text!r}")
    return timedelta(seconds=sum(int(amount) * UNIT_SECONDS[unit] for amount, unit in parts))


def format_duration(delta):
    remaining = int(delta.total_seconds())
    pieces = []
    for unit, size in UNIT_SECONDS.items():
        amount, remaining = divmod(remaining, size)
        if amount:
            pieces.append(f"{amount}{unit}")
    return "".join(pieces) or "0s"


assert parse_duration("1h30m") == timedelta(minutes=90)
assert parse_duration("2d 4h 5s") == timedelta(days=2, hours=4, seconds=5)
assert format_duration(parse_duration("90m")) == "1h30m"
assert format_duration(timedelta(0)) == "0s"
try:
    parse_duration("ten minutes")
    raise AssertionError("expected ValueError")
except ValueError:
    pass
print("ok")
