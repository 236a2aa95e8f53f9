from collections import deque


def shortest_path(graph, start, goal):
    """Return the shortest path from start to goal in an unweighted graph."""
    previous = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = []
            while node is not None:
                path.append(node)
                node = previous[node]
            return path[::-1]
        for neighbor in graph.get(node, []):
            if neighbor not in previous:
                previous[neighbor] = node
                queue.append(neighbor)
    return None


graph = {"A": ["B", "C"], "B": ["D"], "C": ["D", "E"], "D": ["F"], "E": ["F"], "F": []}
assert shortest_path(graph, "A", "F") == ["A", "B", "D", "F"]
assert shortest_path(graph, "A", "A") == ["A"]
assert shortest_path(graph, "F", "A") is None
assert shortest_path(graph, "C", "F") == ["C", "D", "F"]
print("ok")
