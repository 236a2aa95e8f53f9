def failure_table(pattern):
    table = [0] * len(pattern)
    length = 0
    for index in range(1, len(pattern)):
        while length and pattern[index] != pattern[length]:
            length = table[length - 1]
        if pattern[index] == pattern[length]:
            length += 1
        table[index] = length
    return table


def kmp_find_all(text, pattern):
    """Return every start index of pattern in text using Knuth-Morris-Pratt."""
    table, matches, matched = failure_table(pattern), [], 0
    for index, char in enumerate(text):
        while matched and char != pattern[matched]:
            matched = table[matched - 1]
        if char == pattern[matched]:
            matched += 1
        if matched == len(pattern):
            matches.append(index - matched + 1)
            matched = table[matched - 1]
    return matches


assert failure_table("ababaca") == [0, 0, 1, 2, 3, 0, 1]
assert kmp_find_all("abababab", "abab") == [0, 2, 4]
assert kmp_find_all("hello world", "o") == [4, 7]
assert kmp_find_all("aaaa", "b") == []
print("ok")
