def vowel_counts(text):
    """Return a dict mapping each vowel to its count in text (case-insensitive)."""
    counts = dict.fromkeys("aeiou", 0)
    for char in text.lower():
        if char in counts:
            counts[char] += 1
    return counts


counts = vowel_counts("Programming In Python Is Educational")
assert counts["a"] == 3
assert counts["i"] == 4
assert counts["o"] == 3
assert sum(vowel_counts("rhythm").values()) == 0
assert vowel_counts("AEIOU") == {"a": 1, "e": 1, "i": 1, "o": 1, "u": 1}
print("ok")
