from functools import lru_cache

LINES = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6)]


def winner(board):
    for a, b, c in LINES:
        if board[a] != "." and board[a] == board[b] == board[c]:
            return board[a]
    return None


@lru_cache(maxsize=None)
def outcome(board, player):
    """Return +1 if X wins, -1 if O wins, 0 for a draw under perfect play."""
    won = winner(board)
    if won:
        return 1 if won == "X" else -1
    if "." not in board:
        return 0
    other = "O" if player == "X" else "X"
    results = [outcome(board[:i] + player + board[i + 1:], other)
               for i, cell in enumerate(board) if cell == "."]
    return max(results) if player == "X" else min(results)


assert outcome("." * 9, "X") == 0
assert outcome("XX.OO....", "X") == 1
assert outcome("XX.OO....", "O") == -1
assert winner("XOXOXOX..") == "X"
assert outcome.cache_info().currsize > 4000
print("ok")
