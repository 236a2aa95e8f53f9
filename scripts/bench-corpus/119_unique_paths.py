def unique_paths(grid):
    """Count right/down paths from top-left to bottom-right avoiding '#' cells."""
    cols = len(grid[0])
    paths = [0] * cols
    paths[0] = 1
    for row in grid:
        for col in range(cols):
            if row[col] == "#":
                paths[col] = 0
            elif col > 0:
                paths[col] += paths[col - 1]
    return paths[-1]


assert unique_paths(["..."] * 3) == 6
assert unique_paths(["...", ".#.", "..."]) == 2
assert unique_paths(["." * 7] * 3) == 28
assert unique_paths(["#."]) == 0
print("ok")
