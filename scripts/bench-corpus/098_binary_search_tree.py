class Node:
    def __init__(self, key):
        self.key, self.left, self.right = key, None, None


def insert(node, key):
    """Insert key into the BST rooted at node and return the (new) root."""
    if node is None:
        return Node(key)
    if key < node.key:
        node.left = insert(node.left, key)
    elif key > node.key:
        node.right = insert(node.right, key)
    return node


def contains(node, key):
    while node is not None and node.key != key:
        node = node.left if key < node.key else node.right
    return node is not None


def in_order(node):
    return in_order(node.left) + [node.key] + in_order(node.right) if node else []


root = None
for key in [50, 30, 70, 20, 40, 60, 80, 30]:
    root = insert(root, key)
assert in_order(root) == [20, 30, 40, 50, 60, 70, 80]
assert contains(root, 60)
assert not contains(root, 65)
assert in_order(None) == []
print("ok")
