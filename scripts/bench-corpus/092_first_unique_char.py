from collections import Counter


def first_unique_index(text):
    """Return the index of the first non-repeating character, or -1."""
    counts = Counter(text)
    for index, char in enumerate(text):
        if counts[char] == 1:
            return index
    return -1


assert first_unique_index("leetcode") == 0
assert first_unique_index("loveleetcode") == 2
assert first_unique_index("aabb") == -1
assert first_unique_index("") == -1
assert first_unique_index("aabbc") == 4
print("ok")
