def hanoi_moves(disks, source="A", spare="B", target="C"):
    """Return the list of (from, to) moves solving Tower of Hanoi."""
    if disks == 0:
        return []
    return (
        hanoi_moves(disks - 1, source, target, spare)
        + [(source, target)]
        + hanoi_moves(disks - 1, spare, source, target)
    )


def simulate(disks, moves):
    pegs = {"A": list(range(disks, 0, -1)), "B": [], "C": []}
    for origin, destination in moves:
        disk = pegs[origin].pop()
        assert not pegs[destination] or pegs[destination][-1] > disk
        pegs[destination].append(disk)
    return pegs


assert hanoi_moves(1) == [("A", "C")]
assert len(hanoi_moves(3)) == 7
assert len(hanoi_moves(10)) == 1023
assert simulate(6, hanoi_moves(6))["C"] == [6, 5, 4, 3, 2, 1]
print("ok")
