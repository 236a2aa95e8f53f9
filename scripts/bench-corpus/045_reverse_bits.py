def reverse_bits(number, width=32):
    """Reverse the lowest width bits of number."""
    result = 0
    for _ in range(width):
        result = (result << 1) | (number & 1)
        number >>= 1
    return result


assert reverse_bits(0b1011, width=4) == 0b1101
assert reverse_bits(1) == 1 << 31
assert reverse_bits(43261596) == 964176192
assert reverse_bits(reverse_bits(123456)) == 123456
print("ok")
