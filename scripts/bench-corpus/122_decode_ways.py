def decode_ways(digits):
    """Count decodings of a digit string where 'A'=1 ... 'Z'=26."""
    if not digits:
        return 0
    previous, current = 1, 1 if digits[0] != "0" else 0
    for index in range(1, len(digits)):
        ways = current if digits[index] != "0" else 0
        if 10 <= int(digits[index - 1:index + 1]) <= 26:
            ways += previous
        previous, current = current, ways
    return current


assert decode_ways("12") == 2
assert decode_ways("226") == 3
assert decode_ways("06") == 0
assert decode_ways("11106") == 2
assert decode_ways("1111111111") == 89
print("ok")
