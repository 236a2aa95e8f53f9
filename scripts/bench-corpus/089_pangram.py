import string


def missing_letters(sentence):
    """Return the letters of the alphabet that do not appear in sentence."""
    return "".join(sorted(set(string.ascii_lowercase) - set(sentence.lower())))


def is_pangram(sentence):
    return not missing_letters(sentence)


assert is_pangram("The quick brown fox jumps over the lazy dog")
assert not is_pangram("Hello world")
assert missing_letters("abcdefghijklmnopqrstuvwxy") == "z"
assert missing_letters("") == string.ascii_lowercase
print("ok")
