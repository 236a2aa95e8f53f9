import heapq


def skyline(buildings):
    """Return the key points of the skyline formed by (left, right, height) buildings."""
    events = sorted({left for left, _, _ in buildings} | {right for _, right, _ in buildings})
    ordered = sorted(buildings)
    active, points, index = [], [], 0
    for x in events:
        while index < len(ordered) and ordered[index][0] <= x:
            _, right, height = ordered[index]
            heapq.heappush(active, (-height, right))
            index += 1
        while active and active[0][1] <= x:
            heapq.heappop(active)
        height = -active[0][0] if active else 0
        if not points or points[-1][1] != height:
            points.append((x, height))
    return points


city = [(2, 9, 10), (3, 7, 15), (5, 12, 12), (15, 20, 10), (19, 24, 8)]
assert skyline(city) == [(2, 10), (3, 15), (7, 12), (12, 0), (15, 10), (20, 8), (24, 0)]
assert skyline([(0, 2, 3), (2, 5, 3)]) == [(0, 3), (5, 0)]
assert skyline([]) == []
assert skyline([(1, 3, 4)]) == [(1, 4), (3, 0)]
print("ok")
