def count_queens(size):
    """Count the placements of size non-attacking queens on a size x size board."""
    def place(row, columns, diagonals, anti_diagonals):
        if row == size:
            return 1
        total = 0
        for column in range(size):
            if column in columns or row - column in diagonals or row + column in anti_diagonals:
                continue
            total += place(
                row + 1,
                columns | {column},
                diagonals | {row - column},
                anti_diagonals | {row + column},
            )
        return total

    return place(0, frozenset(), frozenset(), frozenset())


assert count_queens(1) == 1
assert count_queens(2) == 0
assert count_queens(4) == 2
assert count_queens(6) == 4
assert count_queens(8) == 92
print("ok")
