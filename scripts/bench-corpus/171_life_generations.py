from collections import Counter


def step(live):
    """Advance a set of live cells by one Game of Life generation."""
    counts = Counter((r + dr, c + dc) for r, c in live for dr in (-1, 0, 1) for dc in (-1, 0, 1)
                     if dr or dc)
    return {cell for cell, n in counts.items() if n == 3 or (n == 2 and cell in live)}


def run(live, generations):
    for _ in range(generations):
        live = step(live)
    return live


def parse(pattern):
    return {(r, c) for r, line in enumerate(pattern) for c, ch in enumerate(line) if ch == "O"}


r_pentomino = parse([".OO", "OO.", ".O."])
glider = parse([".O.", "..O", "OOO"])
assert run(glider, 40) == {(r + 10, c + 10) for r, c in glider}
assert len(run(r_pentomino, 100)) == 121
assert len(step(step(parse(["OOO"])))) == 3
assert run(r_pentomino, 0) == r_pentomino
print("ok")
