import re
from typing import NamedTuple


class Token(NamedTuple):
    kind: str
    text: str


TOKEN_SPEC = [
    ("NUMBER", r"\d+(?:\.\d+)?"),
    ("NAME", r"[A-Za-z_]\w*"),
    ("STRING", r'"[^"]*"'),
    ("OP", r"==|!=|<=|>=|[-+*/=<>(),]"),
    ("SKIP", r"\s+"),
]
TOKEN_PATTERN = re.compile("|".join(f"(?P<{name}>{regex})" for name, regex in TOKEN_SPEC))


def tokenize(source):
    """Split source into a list of tokens, dropping whitespace."""
    return [
        Token(match.lastgroup, match.group())
        for match in TOKEN_PATTERN.finditer(source)
        if match.lastgroup != "SKIP"
    ]


tokens = tokenize('total = price * 1.2 + tax("eu")')
assert [token.kind for token in tokens] == [
    "NAME", "OP", "NAME", "OP", "NUMBER", "OP", "NAME", "OP", "STRING", "OP",
]
assert tokens[4].text == "1.2"
assert tokenize("a <= b")[1] == Token("OP", "<=")
assert tokenize("") == []
print("ok")
