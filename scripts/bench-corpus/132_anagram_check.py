from collections import Counter


def are_anagrams(first, second):
    """Return True if two phrases are anagrams, ignoring case and spaces."""
    def normalize(text):
        return Counter(char for char in text.lower() if char.isalpha())

    return normalize(first) == normalize(second)


def anagrams_in(word, candidates):
    return [candidate for candidate in candidates
            if candidate.lower() != word.lower() and are_anagrams(word, candidate)]


assert are_anagrams("Listen", "Silent")
assert are_anagrams("Dormitory", "Dirty room")
assert not are_anagrams("hello", "world")
assert anagrams_in("stone", ["tones", "notes", "Stone", "stones", "onset"]) == [
    "tones", "notes", "onset",
]
print("ok")
