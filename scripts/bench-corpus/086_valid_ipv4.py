def is_valid_ipv4(address):
    """Return True if address is a dotted-quad IPv4 address without leading zeros."""
    parts = address.split(".")
    if len(parts) != 4:
        return False
    for part in parts:
        if not part.isdigit() or not part.isascii():
            return False
        if len(part) > 1 and part[0] == "0":
            return False
        if int(part) > 255:
            return False
    return True


assert is_valid_ipv4("192.168.1.1")
assert is_valid_ipv4("0.0.0.0")
assert not is_valid_ipv4("256.1.1.1")
assert not is_valid_ipv4("1.2.3")
assert not is_valid_ipv4("01.2.3.4")
assert not is_valid_ipv4("1.2.3.a")
print("ok")
