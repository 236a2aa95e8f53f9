from collections import Counter


def minimum_window(text, required):
    """Return the shortest substring of text containing every char of required (with counts)."""
    need = Counter(required)
    missing = len(required)
    start = best_start = 0
    best_end = None
    for end, char in enumerate(text, start=1):
        if need[char] > 0:
            missing -= 1
        need[char] -= 1
        if missing == 0:
            while need[text[start]] < 0:
                need[text[start]] += 1
                start += 1
            if best_end is None or end - start < best_end - best_start:
                best_start, best_end = start, end
            need[text[start]] += 1
            missing += 1
            start += 1
    return "" if best_end is None else text[best_start:best_end]


assert minimum_window("ADOBECODEBANC", "ABC") == "BANC"
assert minimum_window("a", "a") == "a"
assert minimum_window("a", "aa") == ""
assert minimum_window("aaflslflsldkalskaaa", "aaa") == "aaa"
print("ok")
