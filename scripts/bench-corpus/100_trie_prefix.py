END_OF_WORD = "$"


def build_trie(words):
    """Build a nested-dict prefix tree from words."""
    root = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[END_OF_WORD] = True
    return root


def find_node(trie, prefix):
    node = trie
    for char in prefix:
        node = node.get(char)
        if node is None:
            return None
    return node


def words_with_prefix(trie, prefix):
    node = find_node(trie, prefix)
    if node is None:
        return []
    found = [prefix] if END_OF_WORD in node else []
    for char in sorted(key for key in node if key != END_OF_WORD):
        found.extend(words_with_prefix(trie, prefix + char))
    return found


trie = build_trie(["car", "card", "care", "cat", "dog"])
assert END_OF_WORD in find_node(trie, "car")
assert END_OF_WORD not in find_node(trie, "ca")
assert words_with_prefix(trie, "car") == ["car", "card", "care"]
assert words_with_prefix(trie, "x") == []
assert len(words_with_prefix(trie, "")) == 5
print("ok")
