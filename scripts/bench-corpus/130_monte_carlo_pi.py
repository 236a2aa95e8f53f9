import math
import random


def estimate_pi(samples, seed):
    """Estimate pi by sampling random points in the unit square."""
    rng = random.Random(seed)
    inside = 0
    for _ in range(samples):
        x, y = rng.random(), rng.random()
        if x * x + y * y <= 1.0:
            inside += 1
    return 4 * inside / samples


estimate = estimate_pi(200_000, seed=1)
assert abs(estimate - math.pi) < 0.02
assert estimate == estimate_pi(200_000, seed=1)
assert 0 <= estimate_pi(10, seed=5) <= 4
print("ok")
