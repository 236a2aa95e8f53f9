def is_isomorphic(first, second):
    """Return True if characters of first can be consistently replaced to get second."""
    if len(first) != len(second):
        return False
    forward, backward = {}, {}
    for a, b in zip(first, second):
        if forward.setdefault(a, b) != b or backward.setdefault(b, a) != a:
            return False
    return True


assert is_isomorphic("egg", "add")
assert not is_isomorphic("foo", "bar")
assert is_isomorphic("paper", "title")
assert not is_isomorphic("badc", "baba")
assert is_isomorphic("", "")
print("ok")
