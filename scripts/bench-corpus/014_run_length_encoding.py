from itertools import groupby


def rle_encode(text):
    """Run-length encode text as count+char pairs."""
    return "".join(f"{len(list(group))}{char}" for char, group in groupby(text))


def rle_decode(encoded):
    result = []
    count = ""
    for char in encoded:
        if char.isdigit():
            count += char
        else:
            result.append(char * int(count))
            count = ""
    return "".join(result)


assert rle_encode("aaabccdddd") == "3a1b2c4d"
assert rle_encode("") == ""
assert rle_decode("3a1b2c4d") == "aaabccdddd"
assert rle_decode(rle_encode("wwwwwwwwwwwwb")) == "wwwwwwwwwwwwb"
assert rle_encode("x" * 12) == "12x"
print("ok")
