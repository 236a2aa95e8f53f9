def is_rotation(first, second):
    """Return True if second is a rotation of first."""
    return len(first) == len(second) and second in first + first


def smallest_rotation(text):
    if not text:
        return text
    return min(text[index:] + text[:index] for index in range(len(text)))


assert is_rotation("waterbottle", "erbottlewat")
assert not is_rotation("abc", "acb")
assert is_rotation("", "")
assert smallest_rotation("cba") == "acb"
assert smallest_rotation("bbaab") == "aabbb"
print("ok")
