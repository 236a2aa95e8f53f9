def is_palindrome(text):
    """Check whether text is a palindrome, ignoring case and non-alphanumerics."""
    cleaned = [char.lower() for char in text if char.isalnum()]
    return cleaned == cleaned[::-1]


assert is_palindrome("A man, a plan, a canal: Panama")
assert is_palindrome("racecar")
assert not is_palindrome("race a car")
assert is_palindrome("")
assert is_palindrome("No 'x' in Nixon")
print("ok")
