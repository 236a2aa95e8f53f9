def product_except_self(values):
    """Return a list where each element is the product of all other elements."""
    result = [1] * len(values)
    running = 1
    for index in range(len(values)):
        result[index] = running
        running *= values[index]
    running = 1
    for index in range(len(values) - 1, -1, -1):
        result[index] *= running
        running *= values[index]
    return result


assert product_except_self([1, 2, 3, 4]) == [24, 12, 8, 6]
assert product_except_self([-1, 1, 0, -3, 3]) == [0, 0, 9, 0, 0]
assert product_except_self([5, 7]) == [7, 5]
assert product_except_self([]) == []
print("ok")
