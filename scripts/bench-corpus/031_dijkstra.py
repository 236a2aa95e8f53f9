import heapq


def dijkstra(graph, source):
    """Return shortest distances from source in a graph of weighted edges."""
    distances = {source: 0}
    heap = [(0, source)]
    while heap:
        distance, node = heapq.heappop(heap)
        if distance > distances[node]:
            continue
        for neighbor, weight in graph.get(node, []):
            candidate = distance + weight
            if candidate < distances.get(neighbor, float("inf")):
                distances[neighbor] = candidate
                heapq.heappush(heap, (candidate, neighbor))
    return distances


roads = {
    "a": [("b", 7), ("c", 9), ("f", 14)],
    "b": [("c", 10), ("d", 15)],
    "c": [("d", 11), ("f", 2)],
    "d": [("e", 6)],
    "f": [("e", 9)],
}
distances = dijkstra(roads, "a")
assert distances["e"] == 20
assert distances["f"] == 11
assert distances["d"] == 20
assert dijkstra(roads, "e") == {"e": 0}
print("ok")
