from functools import partial, reduce


def compose(*functions):
    """Compose functions right to left: compose(f, g)(x) == f(g(x))."""
    def compose_two(outer, inner):
        return lambda value: outer(inner(value))

    return reduce(compose_two, functions, lambda value: value)


def pipeline(value, *functions):
    return reduce(lambda accumulated, function: function(accumulated), functions, value)


increment = partial(lambda amount, value: value + amount, 1)
double = partial(lambda factor, value: value * factor, 2)
assert compose(double, increment)(5) == 12
assert compose(increment, double)(5) == 11
assert compose()(7) == 7
assert pipeline(" Hello ", str.strip, str.lower, len) == 5
assert compose(str, abs, increment)(-10) == "9"
print("ok")
