from collections import defaultdict


def group_anagrams(words):
    """Group words that are anagrams of each other, preserving first-seen order."""
    groups = defaultdict(list)
    for word in words:
        groups["".join(sorted(word))].append(word)
    return list(groups.values())


groups = group_anagrams(["eat", "tea", "tan", "ate", "nat", "bat"])
assert groups == [["eat", "tea", "ate"], ["tan", "nat"], ["bat"]]
assert group_anagrams([]) == []
assert group_anagrams(["a"]) == [["a"]]
assert len(group_anagrams(["listen", "silent", "enlist", "google"])) == 2
print("ok")
