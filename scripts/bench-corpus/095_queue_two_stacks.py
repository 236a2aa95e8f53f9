class StackQueue:
    """FIFO queue built from two LIFO stacks with amortized O(1) operations."""

    def __init__(self):
        self.inbox = []
        self.outbox = []

    def enqueue(self, value):
        self.inbox.append(value)

    def dequeue(self):
        if not self.outbox:
            while self.inbox:
                self.outbox.append(self.inbox.pop())
        return self.outbox.pop()

    def __len__(self):
        return len(self.inbox) + len(self.outbox)


queue = StackQueue()
for value in range(5):
    queue.enqueue(value)
assert queue.dequeue() == 0
assert queue.dequeue() == 1
queue.enqueue(5)
assert [queue.dequeue() for _ in range(4)] == [2, 3, 4, 5]
assert len(queue) == 0
print("ok")
