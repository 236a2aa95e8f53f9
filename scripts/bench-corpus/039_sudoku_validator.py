def is_valid_sudoku(board):
    """Check that filled cells of a 9x9 board break no Sudoku rule ('.' = empty)."""
    seen = set()
    for row in range(9):
        for col in range(9):
            value = board[row][col]
            if value == ".":
                continue
            keys = {("row", row, value), ("col", col, value), ("box", row // 3, col // 3, value)}
            if keys & seen:
                return False
            seen |= keys
    return True


board = [
    "53..7....", "6..195...", ".98....6.",
    "8...6...3", "4..8.3..1", "7...2...6",
    ".6....28.", "...419..5", "....8..79",
]
assert is_valid_sudoku(board)
assert not is_valid_sudoku(["83" + board[0][2:]] + board[1:])
assert not is_valid_sudoku([board[0][:8] + "5"] + board[1:])
assert is_valid_sudoku(["." * 9] * 9)
print("ok")
