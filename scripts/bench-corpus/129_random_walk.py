import random


def random_walk(steps, seed):
    """Return the path of a seeded 2D lattice random walk starting at the origin."""
    rng = random.Random(seed)
    x = y = 0
    path = [(x, y)]
    for _ in range(steps):
        dx, dy = rng.choice([(1, 0), (-1, 0), (0, 1), (0, -1)])
        x, y = x + dx, y + dy
        path.append((x, y))
    return path


walk = random_walk(1000, seed=2024)
assert len(walk) == 1001
assert walk == random_walk(1000, seed=2024)
assert all(abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1 for a, b in zip(walk, walk[1:]))
assert all((x + y) % 2 == i % 2 for i, (x, y) in enumerate(walk))
print("ok")
