def climb_ways(steps, max_jump=2):
    """Count the ways to climb steps stairs taking 1..max_jump stairs at a time."""
    ways = [1] + [0] * steps
    for stair in range(1, steps + 1):
        ways[stair] = sum(ways[stair - jump] for jump in range(1, max_jump + 1) if jump <= stair)
    return ways[steps]


assert climb_ways(2) == 2
assert climb_ways(3) == 3
assert climb_ways(10) == 89
assert climb_ways(4, max_jump=3) == 7
assert climb_ways(0) == 1
print("ok")
