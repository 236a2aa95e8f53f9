from collections import deque


def two_coloring(adjacency):
    """Return a 0/1 coloring with no same-colored neighbors, or None if impossible."""
    color = {}
    for start in adjacency:
        if start in color:
            continue
        color[start] = 0
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for neighbor in adjacency[node]:
                if neighbor not in color:
                    color[neighbor] = 1 - color[node]
                    queue.append(neighbor)
                elif color[neighbor] == color[node]:
                    return None
    return color


square = {0: [1, 3], 1: [0, 2], 2: [1, 3], 3: [2, 0]}
triangle = {0: [1, 2], 1: [0, 2], 2: [0, 1]}
coloring = two_coloring(square)
assert coloring is not None and coloring[0] == coloring[2] != coloring[1]
assert two_coloring(triangle) is None
assert two_coloring({}) == {}
assert two_coloring({0: [], 1: []}) == {0: 0, 1: 0}
print("ok")
