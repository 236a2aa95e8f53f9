def make_change(amount, coins=(200, 100, 50, 20, 10, 5)):
    """Return change for amount (cents) using greedy largest-coin-first."""
    change = {}
    for coin in coins:
        count, amount = divmod(amount, coin)
        if count:
            change[coin] = count
    if amount:
        raise ValueError("cannot make exact change")
    return change


def vend(stock, prices, product, paid):
    if stock.get(product, 0) == 0:
        return None, make_change(paid) if paid else {}
    if paid < prices[product]:
        return None, make_change(paid)
    stock[product] -= 1
    return product, make_change(paid - prices[product])


stock = {"cola": 1, "chips": 5}
prices = {"cola": 150, "chips": 85}
assert vend(stock, prices, "cola", 200) == ("cola", {50: 1})
assert vend(stock, prices, "cola", 200) == (None, {200: 1})
assert vend(stock, prices, "chips", 100) == ("chips", {10: 1, 5: 1})
assert vend(stock, prices, "chips", 50) == (None, {50: 1})
assert stock == {"cola": 0, "chips": 4}
print("ok")
