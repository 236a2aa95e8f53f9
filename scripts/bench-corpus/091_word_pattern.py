def matches_pattern(pattern, sentence):
    """Return True if the words in sentence follow the letter pattern bijectively."""
    words = sentence.split()
    if len(words) != len(pattern):
        return False
    return len(set(pattern)) == len(set(words)) == len(set(zip(pattern, words)))


assert matches_pattern("abba", "dog cat cat dog")
assert not matches_pattern("abba", "dog cat cat fish")
assert not matches_pattern("aaaa", "dog cat cat dog")
assert not matches_pattern("abba", "dog dog dog dog")
assert matches_pattern("abc", "x y z")
print("ok")
