def rabin_karp(text, pattern, base=256, modulus=1_000_000_007):
    """Return start indices of pattern in text using a rolling hash."""
    size = len(pattern)
    if size == 0 or size > len(text):
        return []
    high = pow(base, size - 1, modulus)
    target = current = 0
    for index in range(size):
        target = (target * base + ord(pattern[index])) % modulus
        current = (current * base + ord(text[index])) % modulus
    matches = []
    for start in range(len(text) - size + 1):
        if current == target and text[start:start + size] == pattern:
            matches.append(start)
        if start + size < len(text):
            current = (current - ord(text[start]) * high) % modulus
            current = (current * base + ord(text[start + size])) % modulus
    return matches


assert rabin_karp("the cat sat on the mat", "at") == [5, 9, 20]
assert rabin_karp("aaaaa", "aa") == [0, 1, 2, 3]
assert rabin_karp("short", "longer pattern") == []
assert rabin_karp("abc", "") == []
print("ok")
