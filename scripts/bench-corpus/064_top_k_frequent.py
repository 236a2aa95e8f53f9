import heapq
from collections import Counter


def top_k_frequent(values, k):
    """Return the k most frequent values, most frequent first (ties by value)."""
    counts = Counter(values)
    ranked = heapq.nsmallest(k, counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return [value for value, _ in ranked]


assert top_k_frequent([1, 1, 1, 2, 2, 3], 2) == [1, 2]
assert top_k_frequent([1], 1) == [1]
assert top_k_frequent(["b", "a", "b", "a", "c"], 2) == ["a", "b"]
assert top_k_frequent([5, 5, 4, 4, 3], 3) == [4, 5, 3]
print("ok")
