class MinStack:
    """Stack supporting push, pop, top and constant-time minimum."""

    def __init__(self):
        self.items = []

    def push(self, value):
        current_min = min(value, self.items[-1][1]) if self.items else value
        self.items.append((value, current_min))

    def pop(self):
        return self.items.pop()[0]

    def top(self):
        return self.items[-1][0]

    def minimum(self):
        return self.items[-1][1]


stack = MinStack()
for value in (5, 3, 7, 3, 1):
    stack.push(value)
assert stack.minimum() == 1
assert stack.pop() == 1
assert stack.minimum() == 3
stack.pop()
stack.pop()
assert stack.minimum() == 3
stack.pop()
assert stack.minimum() == 5 and stack.top() == 5
print("ok")
