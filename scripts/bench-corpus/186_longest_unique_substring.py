def longest_unique_substring(text):
    """Return the longest substring without repeated characters (first if tied)."""
    last_seen = {}
    start = best_start = best_length = 0
    for index, char in enumerate(text):
        if last_seen.get(char, -1) >= start:
            start = last_seen[char] + 1
        last_seen[char] = index
        if index - start + 1 > best_length:
            best_start, best_length = start, index - start + 1
    return text[best_start:best_start + best_length]


assert longest_unique_substring("abcabcbb") == "abc"
assert longest_unique_substring("bbbbb") == "b"
assert longest_unique_substring("pwwkew") == "wke"
assert longest_unique_substring("") == ""
assert longest_unique_substring("abba") == "ab"
print("ok")
