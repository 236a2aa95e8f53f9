from collections import deque


class TreeNode:
    def __init__(self, value, left=None, right=None):
        self.value, self.left, self.right = value, left, right


def traversals(root):
    """Return preorder, inorder, postorder and level-order value lists."""
    pre, ino, post = [], [], []

    def walk(node):
        if node:
            pre.append(node.value)
            walk(node.left)
            ino.append(node.value)
            walk(node.right)
            post.append(node.value)

    walk(root)
    level, queue = [], deque([root] if root else [])
    while queue:
        node = queue.popleft()
        level.append(node.value)
        queue.extend(child for child in (node.left, node.right) if child)
    return pre, ino, post, level


tree = TreeNode(1, TreeNode(2, TreeNode(4), TreeNode(5)), TreeNode(3, None, TreeNode(6)))
pre, ino, post, level = traversals(tree)
assert pre == [1, 2, 4, 5, 3, 6]
assert ino == [4, 2, 5, 1, 3, 6]
assert post == [4, 5, 2, 6, 3, 1]
assert level == [1, 2, 3, 4, 5, 6]
assert traversals(None) == ([], [], [], [])
print("ok")
