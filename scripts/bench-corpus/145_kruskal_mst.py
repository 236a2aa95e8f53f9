def kruskal(node_count, edges):
    """Return the edges of a minimum spanning forest, chosen by Kruskal's algorithm."""
    parent = list(range(node_count))

    def root(node):
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    tree = []
    for weight, a, b in sorted(edges):
        root_a, root_b = root(a), root(b)
        if root_a != root_b:
            parent[root_a] = root_b
            tree.append((a, b, weight))
    return tree


edges = [(7, 0, 1), (5, 0, 3), (8, 1, 2), (9, 1, 3), (7, 1, 4), (5, 2, 4),
         (15, 3, 4), (6, 3, 5), (8, 4, 5), (9, 4, 6), (11, 5, 6)]
tree = kruskal(7, edges)
assert len(tree) == 6
assert sum(weight for _, _, weight in tree) == 39
assert kruskal(3, []) == []
assert len(kruskal(4, [(1, 0, 1), (1, 2, 3)])) == 2
print("ok")
