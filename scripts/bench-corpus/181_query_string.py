from urllib.parse import parse_qs, unquote_plus


def parse_query(query):
    """Parse a URL query string into a dict of key -> list of decoded values."""
    result = {}
    for pair in query.lstrip("?").split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        result.setdefault(unquote_plus(key), []).append(unquote_plus(value))
    return result


def build_query(params):
    return "&".join(f"{key}={value}" for key, values in sorted(params.items()) for value in values)


sample = "?q=hello+world&tag=a&tag=b&empty=&name=J%C3%BCrgen"
parsed = parse_query(sample)
assert parsed["q"] == ["hello world"]
assert parsed["tag"] == ["a", "b"]
assert parsed["name"] == ["Jürgen"]
assert parsed["empty"] == [""]
assert {k: v for k, v in parsed.items() if k != "empty"} == parse_qs(sample.lstrip("?"))
assert build_query({"b": ["2"], "a": ["1", "3"]}) == "a=1&a=3&b=2"
print("ok")
