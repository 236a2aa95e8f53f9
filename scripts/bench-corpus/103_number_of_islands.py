def count_islands(grid):
    """Count groups of horizontally/vertically connected '#' cells."""
    rows, cols = len(grid), len(grid[0]) if grid else 0
    seen = set()
    islands = 0
    for start_row in range(rows):
        for start_col in range(cols):
            if grid[start_row][start_col] != "#" or (start_row, start_col) in seen:
                continue
            islands += 1
            stack = [(start_row, start_col)]
            seen.add((start_row, start_col))
            while stack:
                row, col = stack.pop()
                for r, c in ((row + 1, col), (row - 1, col), (row, col + 1), (row, col - 1)):
                    if 0 <= r < rows and 0 <= c < cols and grid[r][c] == "#" and (r, c) not in seen:
                        seen.add((r, c))
                        stack.append((r, c))
    return islands


world = ["##...", "##..#", "..#..", "...##"]
assert count_islands(world) == 4
assert count_islands(["....."]) == 0
assert count_islands(["#.#.#", ".#.#."]) == 5
assert count_islands([]) == 0
print("ok")
