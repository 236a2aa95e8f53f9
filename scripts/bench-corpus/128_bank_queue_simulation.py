import heapq


def simulate_tellers(arrivals, tellers):
    """Return per-customer wait times for (arrival, service) pairs served FIFO."""
    free_at = [0] * tellers
    waits = []
    for arrival, service in sorted(arrivals):
        earliest = heapq.heappop(free_at)
        start = max(arrival, earliest)
        waits.append(start - arrival)
        heapq.heappush(free_at, start + service)
    return waits


customers = [(0, 5), (1, 3), (2, 4), (3, 2), (10, 1)]
assert simulate_tellers(customers, 1) == [0, 4, 6, 9, 4]
assert simulate_tellers(customers, 2) == [0, 0, 2, 2, 0]
assert simulate_tellers(customers, 5) == [0, 0, 0, 0, 0]
assert simulate_tellers([], 3) == []
print("ok")
