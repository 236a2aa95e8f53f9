def bellman_ford(node_count, edges, source):
    """Return shortest distances from source, or None if a negative cycle is reachable."""
    infinity = float("inf")
    distance = [infinity] * node_count
    distance[source] = 0
    for _ in range(node_count - 1):
        for start, end, weight in edges:
            if distance[start] + weight < distance[end]:
                distance[end] = distance[start] + weight
    for start, end, weight in edges:
        if distance[start] + weight < distance[end]:
            return None
    return distance


edges = [(0, 1, 4), (0, 2, 5), (1, 2, -3), (2, 3, 4), (3, 1, 2)]
assert bellman_ford(4, edges, 0) == [0, 4, 1, 5]
assert bellman_ford(4, edges + [(3, 0, -20)], 0) is None
assert bellman_ford(3, [], 1) == [float("inf"), 0, float("inf")]
assert bellman_ford(2, [(0, 1, -1)], 0) == [0, -1]
print("ok")
