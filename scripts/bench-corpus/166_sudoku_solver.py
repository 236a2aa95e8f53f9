def constraint_keys(index, value):
    return {("row", index // 9, value), ("col", index % 9, value),
            ("box", index // 27 * 3 + index % 9 // 3, value)}


def solve_sudoku(puzzle):
    """Solve a 9x9 Sudoku given as an 81-character string ('0' = blank), or return None."""
    cells = [int(char) for char in puzzle]
    givens = [constraint_keys(index, value) for index, value in enumerate(cells) if value]
    used = set().union(*givens)
    if len(used) != 3 * len(givens):
        return None

    def search():
        blanks = [i for i, value in enumerate(cells) if not value]
        if not blanks:
            return True
        options = {i: [v for v in range(1, 10) if not constraint_keys(i, v) & used] for i in blanks}
        index = min(blanks, key=lambda i: len(options[i]))
        for value in options[index]:
            cells[index] = value
            used.update(constraint_keys(index, value))
            if search():
                return True
            used.difference_update(constraint_keys(index, value))
            cells[index] = 0
        return False

    return "".join(map(str, cells)) if search() else None


puzzle = "530070000600195000098000060800060003400803001700020006060000280000419005000080079"
solution = solve_sudoku(puzzle)
assert solution.startswith("534678912672195348") and solution.endswith("345286179")
assert all(given in ("0", digit) for given, digit in zip(puzzle, solution))
harder = "000000907000420180000705026100904000050000040000507009920108000034059000507000000"
assert "0" not in solve_sudoku(harder)
assert solve_sudoku("11" + "0" * 79) is None
print("ok")
