def has_cycle(graph):
    """Return True if the directed graph contains a cycle (three-color DFS)."""
    white, gray, black = 0, 1, 2
    color = {node: white for node in graph}

    def visit(node):
        color[node] = gray
        for neighbor in graph.get(node, []):
            state = color.get(neighbor, white)
            if state == gray or (state == white and visit(neighbor)):
                return True
        color[node] = black
        return False

    return any(color[node] == white and visit(node) for node in list(graph))


assert has_cycle({1: [2], 2: [3], 3: [1]})
assert not has_cycle({1: [2], 2: [3], 3: []})
assert has_cycle({1: [1]})
assert not has_cycle({1: [2, 3], 2: [4], 3: [4], 4: []})
print("ok")
