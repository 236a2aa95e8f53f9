def justify(words, width):
    """Fully justify words into lines of exactly width characters (last line left-aligned)."""
    lines, current = [], []
    for word in words:
        if current and len(" ".join(current + [word])) > width:
            lines.append(current)
            current = []
        current.append(word)
    result = []
    for line in lines:
        gaps = len(line) - 1
        spaces = width - sum(map(len, line))
        if gaps == 0:
            result.append(line[0].ljust(width))
            continue
        base, extra = divmod(spaces, gaps)
        padded = [word + " " * (base + (i < extra)) for i, word in enumerate(line[:-1])]
        result.append("".join(padded) + line[-1])
    result.append(" ".join(current).ljust(width))
    return result


text = "This is an example of text justification.".split()
assert justify(text, 16) == ["This    is    an", "example  of text", "justification.  "]
assert all(len(line) == 20 for line in justify(text * 3, 20))
assert justify(["a"], 3) == ["a  "]
assert justify(["What", "must", "be", "acknowledgment"], 16)[1] == "acknowledgment  "
print("ok")
