import heapq


def rooms_needed(meetings):
    """Return the minimum number of rooms needed for (start, end) meetings."""
    end_times = []
    for start, end in sorted(meetings):
        if end_times and end_times[0] <= start:
            heapq.heapreplace(end_times, end)
        else:
            heapq.heappush(end_times, end)
    return len(end_times)


assert rooms_needed([(0, 30), (5, 10), (15, 20)]) == 2
assert rooms_needed([(7, 10), (2, 4)]) == 1
assert rooms_needed([]) == 0
assert rooms_needed([(1, 5), (2, 6), (3, 7), (4, 8)]) == 4
assert rooms_needed([(1, 2), (2, 3), (3, 4)]) == 1
print("ok")
