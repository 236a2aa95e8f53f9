import operator

OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def evaluate_rpn(expression):
    """Evaluate a space-separated Reverse Polish Notation expression."""
    stack = []
    for token in expression.split():
        if token in OPERATORS:
            right, left = stack.pop(), stack.pop()
            stack.append(OPERATORS[token](left, right))
        else:
            stack.append(float(token))
    if len(stack) != 1:
        raise ValueError("malformed expression")
    return stack[0]


assert evaluate_rpn("3 4 +") == 7
assert evaluate_rpn("5 1 2 + 4 * + 3 -") == 14
assert evaluate_rpn("2 3 4 * +") == 14
assert evaluate_rpn("10 4 /") == 2.5
try:
    evaluate_rpn("1 2")
    raise AssertionError("expected ValueError")
except ValueError:
    pass
print("ok")
