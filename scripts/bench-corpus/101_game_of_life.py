from collections import Counter


def life_step(live_cells):
    """Advance a set of live (row, col) cells by one Game of Life generation."""
    neighbor_counts = Counter(
        (row + dr, col + dc)
        for row, col in live_cells
        for dr in (-1, 0, 1)
        for dc in (-1, 0, 1)
        if dr or dc
    )
    return {
        cell
        for cell, count in neighbor_counts.items()
        if count == 3 or (count == 2 and cell in live_cells)
    }


blinker = {(1, 0), (1, 1), (1, 2)}
assert life_step(blinker) == {(0, 1), (1, 1), (2, 1)}
assert life_step(life_step(blinker)) == blinker
block = {(0, 0), (0, 1), (1, 0), (1, 1)}
assert life_step(block) == block
glider = {(0, 1), (1, 2), (2, 0), (2, 1), (2, 2)}
state = glider
for _ in range(4):
    state = life_step(state)
assert state == {(row + 1, col + 1) for row, col in glider}
print("ok")
