def select_activities(activities):
    """Pick a maximum set of non-overlapping (start, end) activities greedily."""
    chosen, current_end = [], float("-inf")
    for start, end in sorted(activities, key=lambda activity: activity[1]):
        if start >= current_end:
            chosen.append((start, end))
            current_end = end
    return chosen


talks = [(1, 4), (3, 5), (0, 6), (5, 7), (3, 9), (5, 9),
         (6, 10), (8, 11), (8, 12), (2, 14), (12, 16)]
assert select_activities(talks) == [(1, 4), (5, 7), (8, 11), (12, 16)]
assert select_activities([]) == []
assert len(select_activities([(0, 1), (1, 2), (2, 3)])) == 3
assert select_activities([(0, 10), (1, 2), (2, 3)]) == [(1, 2), (2, 3)]
print("ok")
