from functools import lru_cache


def matrix_chain_cost(dimensions):
    """Return the minimum scalar multiplications to multiply a chain of matrices."""
    @lru_cache(maxsize=None)
    def cost(first, last):
        if first == last:
            return 0
        return min(
            cost(first, split) + cost(split + 1, last)
            + dimensions[first] * dimensions[split + 1] * dimensions[last + 1]
            for split in range(first, last)
        )

    return cost(0, len(dimensions) - 2)


assert matrix_chain_cost([10, 30, 5, 60]) == 4500
assert matrix_chain_cost([40, 20, 30, 10, 30]) == 26000
assert matrix_chain_cost([1, 2, 3, 4, 3]) == 30
assert matrix_chain_cost([5, 10]) == 0
print("ok")
