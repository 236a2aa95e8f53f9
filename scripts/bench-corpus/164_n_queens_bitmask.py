def queens_solutions(size):
    """Count N-Queens solutions with a bitmask backtracking search."""
    full = (1 << size) - 1

    def search(columns, left_diagonals, right_diagonals):
        if columns == full:
            return 1
        total = 0
        available = full & ~(columns | left_diagonals | right_diagonals)
        while available:
            bit = available & -available
            available ^= bit
            total += search(columns | bit, (left_diagonals | bit) << 1 & full,
                            (right_diagonals | bit) >> 1)
        return total

    return search(0, 0, 0)


assert [queens_solutions(n) for n in range(1, 8)] == [1, 0, 0, 2, 10, 4, 40]
assert queens_solutions(8) == 92
assert queens_solutions(9) == 352
assert queens_solutions(10) == 724
print("ok")
