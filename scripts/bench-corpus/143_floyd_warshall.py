def all_pairs_shortest(node_count, edges):
    """Return the all-pairs shortest distance matrix (Floyd-Warshall)."""
    infinity = float("inf")
    dist = [[0 if i == j else infinity for j in range(node_count)] for i in range(node_count)]
    for start, end, weight in edges:
        dist[start][end] = min(dist[start][end], weight)
    for middle in range(node_count):
        for i in range(node_count):
            for j in range(node_count):
                if dist[i][middle] + dist[middle][j] < dist[i][j]:
                    dist[i][j] = dist[i][middle] + dist[middle][j]
    return dist


edges = [(0, 1, 3), (1, 2, 1), (0, 2, 7), (2, 3, 2), (3, 0, 6)]
dist = all_pairs_shortest(4, edges)
assert dist[0][2] == 4
assert dist[0][3] == 6
assert dist[3][2] == 10
assert dist[1][0] == 9
assert all(dist[i][i] == 0 for i in range(4))
print("ok")
