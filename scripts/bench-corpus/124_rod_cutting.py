def best_cut(prices, length):
    """Return (revenue, pieces) maximizing revenue for a rod of the given length."""
    revenue = [0] * (length + 1)
    first_piece = [0] * (length + 1)
    for total in range(1, length + 1):
        for piece in range(1, min(total, len(prices)) + 1):
            candidate = prices[piece - 1] + revenue[total - piece]
            if candidate > revenue[total]:
                revenue[total], first_piece[total] = candidate, piece
    pieces, remaining = [], length
    while remaining:
        pieces.append(first_piece[remaining])
        remaining -= first_piece[remaining]
    return revenue[length], pieces


prices = [1, 5, 8, 9, 10, 17, 17, 20]
assert best_cut(prices, 4) == (10, [2, 2])
assert best_cut(prices, 8)[0] == 22
assert sum(best_cut(prices, 7)[1]) == 7
assert best_cut(prices, 0) == (0, [])
print("ok")
