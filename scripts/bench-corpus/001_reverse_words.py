def reverse_words(sentence):
    """Return the words of a sentence in reverse order, single-spaced."""
    return " ".join(reversed(sentence.split()))


assert reverse_words("hello world") == "world hello"
assert reverse_words("  the sky   is blue ") == "blue is sky the"
assert reverse_words("single") == "single"
assert reverse_words("") == ""
print("ok")
