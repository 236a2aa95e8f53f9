def gray_code(bits):
    """Return the reflected binary Gray code sequence for the given bit width."""
    return [index ^ (index >> 1) for index in range(1 << bits)]


def gray_to_binary(code):
    result = 0
    while code:
        result ^= code
        code >>= 1
    return result


sequence = gray_code(3)
assert sequence == [0, 1, 3, 2, 6, 7, 5, 4]
assert all(bin(a ^ b).count("1") == 1 for a, b in zip(sequence, sequence[1:]))
assert sorted(gray_code(5)) == list(range(32))
assert [gray_to_binary(code) for code in gray_code(4)] == list(range(16))
print("ok")
