from enum import Flag, auto


class Permission(Flag):
    READ = auto()
    WRITE = auto()
    EXECUTE = auto()


ORDERED_FLAGS = (Permission.READ, Permission.WRITE, Permission.EXECUTE)


def parse_mode(text):
    """Parse an 'rwx'-style string into a Permission flag."""
    mode = Permission(0)
    for char, flag in zip(text, ORDERED_FLAGS):
        if char != "-":
            mode |= flag
    return mode


def format_mode(mode):
    return "".join(char if flag in mode else "-" for char, flag in zip("rwx", ORDERED_FLAGS))


assert parse_mode("rw-") == Permission.READ | Permission.WRITE
assert Permission.EXECUTE not in parse_mode("rw-")
assert format_mode(parse_mode("r-x")) == "r-x"
assert format_mode(Permission(0)) == "---"
assert all(format_mode(parse_mode(m)) == m for m in ("rwx", "---", "-w-", "r--"))
print("ok")
