from collections import deque

KNIGHT_JUMPS = [(1, 2), (2, 1), (2, -1), (1, -2), (-1, -2), (-2, -1), (-2, 1), (-1, 2)]


def knight_distance(start, goal, size=8):
    """Return the fewest knight moves between two squares on a size x size board."""
    def parse(square):
        return ord(square[0]) - ord("a"), int(square[1:]) - 1

    origin, target = parse(start), parse(goal)
    distance = {origin: 0}
    queue = deque([origin])
    while queue:
        file, rank = queue.popleft()
        if (file, rank) == target:
            return distance[target]
        for df, dr in KNIGHT_JUMPS:
            step = (file + df, rank + dr)
            if 0 <= step[0] < size and 0 <= step[1] < size and step not in distance:
                distance[step] = distance[(file, rank)] + 1
                queue.append(step)
    return -1


assert knight_distance("a1", "a1") == 0
assert knight_distance("a1", "b3") == 1
assert knight_distance("a1", "h8") == 6
assert knight_distance("a1", "b2") == 4
assert knight_distance("a1", "b2", size=3) == -1
print("ok")
