def hamming_distance(a, b):
    """Return the number of differing bit positions between two integers."""
    return bin(a ^ b).count("1")


def total_hamming_distance(values):
    total = 0
    for bit in range(32):
        ones = sum((value >> bit) & 1 for value in values)
        total += ones * (len(values) - ones)
    return total


assert hamming_distance(1, 4) == 2
assert hamming_distance(3, 1) == 1
assert hamming_distance(0, 0) == 0
assert total_hamming_distance([4, 14, 2]) == 6
assert total_hamming_distance([4, 14, 4]) == 4
print("ok")
