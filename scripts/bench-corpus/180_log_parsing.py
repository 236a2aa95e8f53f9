import re
from collections import Counter

LOG_LINE = re.compile(
    r"(?P<ip>\d{1,3}(?:\.\d{1,3}){3}) - - \[(?P<when>[^\]]+)\] "
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) (?P<size>\d+|-)'
)


def summarize_log(lines):
    """Return status counts, bytes served and the most requested path."""
    statuses, paths, total_bytes = Counter(), Counter(), 0
    for line in lines:
        match = LOG_LINE.match(line)
        if not match:
            continue
        statuses[match["status"]] += 1
        paths[match["path"]] += 1
        total_bytes += 0 if match["size"] == "-" else int(match["size"])
    return dict(statuses), total_bytes, paths.most_common(1)[0][0] if paths else None


log = [
    '10.0.0.1 - - [01/Mar/2024:10:00:00 +0000] "GET /index.html HTTP/1.1" 200 512',
    '10.0.0.2 - - [01/Mar/2024:10:00:01 +0000] "GET /missing HTTP/1.1" 404 -',
    '10.0.0.1 - - [01/Mar/2024:10:00:02 +0000] "POST /api/items HTTP/1.1" 201 64',
    'garbage line',
    '10.0.0.3 - - [01/Mar/2024:10:00:03 +0000] "GET /index.html HTTP/2.0" 200 512',
]
statuses, total_bytes, top_path = summarize_log(log)
assert statuses == {"200": 2, "404": 1, "201": 1}
assert total_bytes == 1088
assert top_path == "/index.html"
assert summarize_log([]) == ({}, 0, None)
print("ok")
