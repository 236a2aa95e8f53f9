import textwrap


def wrap_paragraph(text, width):
    """Greedily wrap text into lines of at most width characters."""
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


text = "The quick brown fox jumps over the lazy dog and keeps running far away"
for width in (10, 15, 20, 30):
    assert wrap_paragraph(text, width) == textwrap.wrap(text, width)
assert all(len(line) <= 12 for line in wrap_paragraph(text, 12))
assert wrap_paragraph("", 10) == []
print("ok")
