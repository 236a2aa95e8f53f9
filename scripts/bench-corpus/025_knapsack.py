def knapsack(items, capacity):
    """Return the best total value of (weight, value) items fitting in capacity."""
    best = [0] * (capacity + 1)
    for weight, value in items:
        for remaining in range(capacity, weight - 1, -1):
            best[remaining] = max(best[remaining], best[remaining - weight] + value)
    return best[capacity]


assert knapsack([(1, 1), (3, 4), (4, 5), (5, 7)], 7) == 9
assert knapsack([(10, 60), (20, 100), (30, 120)], 50) == 220
assert knapsack([], 10) == 0
assert knapsack([(5, 10)], 4) == 0
print("ok")
