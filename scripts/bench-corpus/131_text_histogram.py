def histogram(counts, width=20, bar="#"):
    """Render a dict of label -> count as left-aligned, scaled text bars."""
    if not counts:
        return []
    label_width = max(len(label) for label in counts)
    peak = max(counts.values()) or 1
    return [
        f"{label:<{label_width}} | {bar * round(count * width / peak)} {count}"
        for label, count in counts.items()
    ]


lines = histogram({"apples": 10, "kiwi": 5, "fig": 0}, width=10)
assert lines[0] == "apples | ########## 10"
assert lines[1] == "kiwi   | ##### 5"
assert lines[2] == "fig    |  0"
assert histogram({}) == []
assert histogram({"x": 3}, width=4, bar="=") == ["x | ==== 3"]
print("ok")
