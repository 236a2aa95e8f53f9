from collections import deque
from string import ascii_lowercase


def ladder_length(begin, end, words):
    """Return the number of words in the shortest transformation ladder, or 0."""
    vocabulary = set(words)
    if end not in vocabulary:
        return 0
    queue = deque([(begin, 1)])
    seen = {begin}
    while queue:
        word, length = queue.popleft()
        if word == end:
            return length
        for position in range(len(word)):
            for letter in ascii_lowercase:
                candidate = word[:position] + letter + word[position + 1:]
                if candidate in vocabulary and candidate not in seen:
                    seen.add(candidate)
                    queue.append((candidate, length + 1))
    return 0


words = ["hot", "dot", "dog", "lot", "log", "cog"]
assert ladder_length("hit", "cog", words) == 5
assert ladder_length("hit", "cog", words[:-1]) == 0
assert ladder_length("cold", "warm", ["cord", "card", "ward", "warm", "wold", "word"]) == 5
assert ladder_length("same", "same", ["same"]) == 1
print("ok")
