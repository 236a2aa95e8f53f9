import re
from collections import Counter


def top_words(text, count):
    """Return the count most common lowercase words in text."""
    words = re.findall(r"[a-z']+", text.lower())
    return Counter(words).most_common(count)


passage = "The cat and the hat. The cat sat on the mat; a cat is a cat."
assert top_words(passage, 1) == [("the", 4)]
assert top_words(passage, 2) == [("the", 4), ("cat", 4)]
assert dict(top_words(passage, 10))["a"] == 2
assert top_words("", 3) == []
print("ok")
