def connected_components(node_count, edges):
    """Return the connected components of an undirected graph as sorted lists."""
    adjacency = {node: [] for node in range(node_count)}
    for a, b in edges:
        adjacency[a].append(b)
        adjacency[b].append(a)
    seen = set()
    components = []
    for start in range(node_count):
        if start in seen:
            continue
        stack, component = [start], []
        seen.add(start)
        while stack:
            node = stack.pop()
            component.append(node)
            for neighbor in adjacency[node]:
                if neighbor not in seen:
                    seen.add(neighbor)
                    stack.append(neighbor)
        components.append(sorted(component))
    return components


assert connected_components(5, [(0, 1), (1, 2), (3, 4)]) == [[0, 1, 2], [3, 4]]
assert connected_components(3, []) == [[0], [1], [2]]
assert len(connected_components(6, [(0, 5), (1, 4), (2, 3)])) == 3
assert connected_components(1, []) == [[0]]
print("ok")
