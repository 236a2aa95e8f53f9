def longest_common_prefix(words):
    """Return the longest prefix shared by every word in the list."""
    if not words:
        return ""
    prefix = []
    for letters in zip(*words):
        if len(set(letters)) != 1:
            break
        prefix.append(letters[0])
    return "".join(prefix)


assert longest_common_prefix(["flower", "flow", "flight"]) == "fl"
assert longest_common_prefix(["dog", "racecar", "car"]) == ""
assert longest_common_prefix(["same", "same"]) == "same"
assert longest_common_prefix([]) == ""
assert longest_common_prefix(["interview", "internet", "interval"]) == "inter"
print("ok")
