def compress(text):
    """Compress runs as char+count, returning the original if not shorter."""
    if not text:
        return text
    pieces = []
    run_char, run_length = text[0], 0
    for char in text:
        if char == run_char:
            run_length += 1
        else:
            pieces.append(f"{run_char}{run_length}")
            run_char, run_length = char, 1
    pieces.append(f"{run_char}{run_length}")
    compressed = "".join(pieces)
    return compressed if len(compressed) < len(text) else text


assert compress("aabcccccaaa") == "a2b1c5a3"
assert compress("abc") == "abc"
assert compress("") == ""
assert compress("zzzzzzzzzz") == "z10"
print("ok")
