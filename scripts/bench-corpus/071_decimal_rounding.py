from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal


def split_bill(total, people):
    """Split a money amount into people shares that sum exactly to total."""
    amount = Decimal(total)
    base = (amount / people).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    shares = [base] * people
    shares[-1] = amount - base * (people - 1)
    return shares


assert split_bill("100.00", 3) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
assert sum(split_bill("10", 7)) == Decimal("10")
assert Decimal("2.675").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == Decimal("2.68")
assert Decimal("2.665").quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN) == Decimal("2.66")
assert Decimal("0.1") + Decimal("0.2") == Decimal("0.3")
print("ok")
