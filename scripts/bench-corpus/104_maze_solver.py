from collections import deque


def solve_maze(maze):
    """Return the number of steps from S to E through open cells, or -1."""
    cells = {(r, c): ch for r, line in enumerate(maze) for c, ch in enumerate(line)}
    start = next(pos for pos, ch in cells.items() if ch == "S")
    distances = {start: 0}
    queue = deque([start])
    while queue:
        row, col = queue.popleft()
        if cells[(row, col)] == "E":
            return distances[(row, col)]
        for step in ((row + 1, col), (row - 1, col), (row, col + 1), (row, col - 1)):
            if cells.get(step, "#") != "#" and step not in distances:
                distances[step] = distances[(row, col)] + 1
                queue.append(step)
    return -1


maze = [
    "S.#.....",
    ".##.###.",
    "....#...",
    "##.##.#E",
]
assert solve_maze(maze) == 14
assert solve_maze(["SE"]) == 1
assert solve_maze(["S#E"]) == -1
assert solve_maze(["S..", "##.", "E.."]) == 6
print("ok")
