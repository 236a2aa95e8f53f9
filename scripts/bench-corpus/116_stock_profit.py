def max_profit_single(prices):
    """Return the best profit from one buy followed by one sell."""
    lowest, best = float("inf"), 0
    for price in prices:
        lowest = min(lowest, price)
        best = max(best, price - lowest)
    return best


def max_profit_unlimited(prices):
    return sum(max(0, later - earlier) for earlier, later in zip(prices, prices[1:]))


assert max_profit_single([7, 1, 5, 3, 6, 4]) == 5
assert max_profit_single([7, 6, 4, 3, 1]) == 0
assert max_profit_unlimited([7, 1, 5, 3, 6, 4]) == 7
assert max_profit_unlimited([1, 2, 3, 4, 5]) == 4
assert max_profit_single([]) == 0
print("ok")
