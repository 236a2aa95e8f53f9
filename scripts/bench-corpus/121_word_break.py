def can_segment(text, dictionary):
    """Return True if text can be split into a sequence of dictionary words."""
    words = set(dictionary)
    longest = max(map(len, words), default=0)
    reachable = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        for start in range(max(0, end - longest), end):
            if reachable[start] and text[start:end] in words:
                reachable[end] = True
                break
    return reachable[-1]


assert can_segment("leetcode", ["leet", "code"])
assert can_segment("applepenapple", ["apple", "pen"])
assert not can_segment("catsandog", ["cats", "dog", "sand", "and", "cat"])
assert can_segment("", [])
assert not can_segment("a", [])
print("ok")
