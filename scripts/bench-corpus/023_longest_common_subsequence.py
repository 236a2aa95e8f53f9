def lcs(first, second):
    """Return one longest common subsequence of two strings."""
    rows, cols = len(first), len(second)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            if first[i] == second[j]:
                table[i][j] = table[i + 1][j + 1] + 1
            else:
                table[i][j] = max(table[i + 1][j], table[i][j + 1])
    result, i, j = [], 0, 0
    while i < rows and j < cols:
        if first[i] == second[j]:
            result.append(first[i])
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return "".join(result)


assert lcs("abcde", "ace") == "ace"
assert lcs("abc", "def") == ""
assert len(lcs("AGGTAB", "GXTXAYB")) == 4
assert lcs("same", "same") == "same"
print("ok")
