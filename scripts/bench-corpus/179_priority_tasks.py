import heapq
from dataclasses import dataclass, field
from itertools import count

SEQUENCE = count()


@dataclass(order=True)
class Task:
    priority: int
    order: int = field(default_factory=lambda: next(SEQUENCE))
    name: str = field(default="", compare=False)


def run_tasks(tasks):
    """Return task names in priority order, FIFO among equal priorities."""
    heap = list(tasks)
    heapq.heapify(heap)
    return [heapq.heappop(heap).name for _ in range(len(heap))]


tasks = [Task(2, name="write"), Task(1, name="plan"), Task(3, name="ship"), Task(2, name="test")]
assert run_tasks(tasks) == ["plan", "write", "test", "ship"]
assert Task(1) < Task(2)
assert sorted([Task(5, name="b"), Task(5, name="a")])[0].name == "b"
assert run_tasks([]) == []
print("ok")
