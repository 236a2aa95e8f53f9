import re

PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 3}


def to_postfix(expression):
    """Convert an infix arithmetic expression to postfix tokens (shunting-yard)."""
    output, operators = [], []
    for token in re.findall(r"\d+|[-+*/^()]", expression):
        if token.isdigit():
            output.append(token)
        elif token == "(":
            operators.append(token)
        elif token == ")":
            while operators[-1] != "(":
                output.append(operators.pop())
            operators.pop()
        else:
            while (operators and operators[-1] != "(" and
                   (PRECEDENCE[operators[-1]] > PRECEDENCE[token] or
                    (PRECEDENCE[operators[-1]] == PRECEDENCE[token] and token != "^"))):
                output.append(operators.pop())
            operators.append(token)
    return output + operators[::-1]


assert to_postfix("3 + 4 * 2") == ["3", "4", "2", "*", "+"]
assert to_postfix("(1 + 2) * 3") == ["1", "2", "+", "3", "*"]
assert to_postfix("2 ^ 3 ^ 2") == ["2", "3", "2", "^", "^"]
assert to_postfix("10 - 4 - 3") == ["10", "4", "-", "3", "-"]
print("ok")
