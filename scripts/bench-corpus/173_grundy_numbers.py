from functools import lru_cache

MOVES = (1, 3, 4)


@lru_cache(maxsize=None)
def grundy(stones):
    """Return the Sprague-Grundy value of a pile where a move removes 1, 3 or 4 stones."""
    reachable = {grundy(stones - move) for move in MOVES if move <= stones}
    value = 0
    while value in reachable:
        value += 1
    return value


def first_player_wins(piles):
    result = 0
    for pile in piles:
        result ^= grundy(pile)
    return result != 0


assert [grundy(n) for n in range(8)] == [0, 1, 0, 1, 2, 3, 2, 0]
assert all(grundy(n) == grundy(n + 7) for n in range(100))
assert not first_player_wins([2, 7])
assert first_player_wins([1, 2, 4])
assert not first_player_wins([])
print("ok")
