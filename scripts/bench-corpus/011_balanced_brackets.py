def is_balanced(text):
    """Check that every bracket in text is properly matched and nested."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    for char in text:
        if char in "([{":
            stack.append(char)
        elif char in pairs:
            if not stack or stack.pop() != pairs[char]:
                return False
    return not stack


assert is_balanced("()[]{}")
assert is_balanced("{[()()]}")
assert not is_balanced("(]")
assert not is_balanced("((")
assert is_balanced("a(b)c[d]")
assert not is_balanced("}")
print("ok")
