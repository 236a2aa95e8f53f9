def count_bits_upto(limit):
    """Return the number of set bits for every integer from 0 to limit."""
    bits = [0] * (limit + 1)
    for number in range(1, limit + 1):
        bits[number] = bits[number >> 1] + (number & 1)
    return bits


assert count_bits_upto(5) == [0, 1, 1, 2, 1, 2]
assert count_bits_upto(0) == [0]
assert all(count == bin(n).count("1") for n, count in enumerate(count_bits_upto(1024)))
assert count_bits_upto(255)[255] == 8
print("ok")
