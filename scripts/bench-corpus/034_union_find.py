class DisjointSet:
    """Union-find structure with path compression and union by size."""

    def __init__(self, size):
        self.parent = list(range(size))
        self.size = [1] * size

    def find(self, item):
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a, b):
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return False
        if self.size[root_a] < self.size[root_b]:
            root_a, root_b = root_b, root_a
        self.parent[root_b] = root_a
        self.size[root_a] += self.size[root_b]
        return True


sets = DisjointSet(6)
assert sets.union(0, 1)
assert sets.union(1, 2)
assert not sets.union(0, 2)
assert sets.find(2) == sets.find(0)
assert sets.find(3) != sets.find(0)
assert sets.size[sets.find(0)] == 3
print("ok")
