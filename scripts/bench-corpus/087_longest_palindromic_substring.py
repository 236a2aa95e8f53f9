def longest_palindrome(text):
    """Return the longest palindromic substring, expanding around each center."""
    best_start, best_length = 0, 0 if not text else 1
    for center in range(len(text)):
        for left, right in ((center, center), (center, center + 1)):
            while left >= 0 and right < len(text) and text[left] == text[right]:
                left -= 1
                right += 1
            length = right - left - 1
            if length > best_length:
                best_start, best_length = left + 1, length
    return text[best_start:best_start + best_length]


assert longest_palindrome("babad") in ("bab", "aba")
assert longest_palindrome("cbbd") == "bb"
assert longest_palindrome("a") == "a"
assert longest_palindrome("") == ""
assert longest_palindrome("forgeeksskeegfor") == "geeksskeeg"
print("ok")
