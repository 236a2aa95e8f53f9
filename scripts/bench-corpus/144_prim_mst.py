import heapq


def prim_mst_weight(graph):
    """Return the total weight of a minimum spanning tree of a connected graph."""
    start = next(iter(graph))
    visited = {start}
    frontier = [(weight, neighbor) for neighbor, weight in graph[start].items()]
    heapq.heapify(frontier)
    total = 0
    while frontier and len(visited) < len(graph):
        weight, node = heapq.heappop(frontier)
        if node in visited:
            continue
        visited.add(node)
        total += weight
        for neighbor, edge_weight in graph[node].items():
            if neighbor not in visited:
                heapq.heappush(frontier, (edge_weight, neighbor))
    return total


def undirected(edges):
    graph = {}
    for a, b, weight in edges:
        graph.setdefault(a, {})[b] = weight
        graph.setdefault(b, {})[a] = weight
    return graph


graph = undirected([("a", "b", 2), ("a", "d", 6), ("b", "c", 3), ("b", "d", 8),
                    ("b", "e", 5), ("c", "e", 7), ("d", "e", 9)])
assert prim_mst_weight(graph) == 16
assert prim_mst_weight(undirected([(1, 2, 5)])) == 5
assert prim_mst_weight(undirected([(1, 2, 1), (2, 3, 1), (1, 3, 1)])) == 2
print("ok")
