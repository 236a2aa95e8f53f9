def combination_sum(candidates, target):
    """Return all combinations of candidates (reusable) summing to target."""
    candidates = sorted(candidates)
    results = []

    def search(start, remaining, chosen):
        if remaining == 0:
            results.append(list(chosen))
            return
        for index in range(start, len(candidates)):
            value = candidates[index]
            if value > remaining:
                break
            chosen.append(value)
            search(index, remaining - value, chosen)
            chosen.pop()

    search(0, target, [])
    return results


assert combination_sum([2, 3, 6, 7], 7) == [[2, 2, 3], [7]]
assert combination_sum([2, 3, 5], 8) == [[2, 2, 2, 2], [2, 3, 3], [3, 5]]
assert combination_sum([2], 1) == []
assert combination_sum([1], 3) == [[1, 1, 1]]
print("ok")
