def tree_height(tree):
    """Return the height of a tree given as nested (value, [children]) tuples."""
    _, children = tree
    return 1 + max((tree_height(child) for child in children), default=0)


def count_leaves(tree):
    _, children = tree
    return 1 if not children else sum(count_leaves(child) for child in children)


leaf = ("leaf", [])
sample = ("root", [("a", [("a1", []), ("a2", [("deep", [])])]), ("b", []), ("c", [("c1", [])])])
assert tree_height(leaf) == 1
assert tree_height(sample) == 4
assert count_leaves(sample) == 4
assert count_leaves(leaf) == 1
print("ok")
