import random


def shuffled_deck(seed):
    """Return a 52-card deck shuffled deterministically from seed."""
    ranks = "23456789TJQKA"
    suits = "cdhs"
    deck = [rank + suit for suit in suits for rank in ranks]
    random.Random(seed).shuffle(deck)
    return deck


first = shuffled_deck(42)
assert first == shuffled_deck(42)
assert first != shuffled_deck(43)
assert sorted(first) == sorted(shuffled_deck(7))
assert len(set(first)) == 52
assert sum(card.endswith("h") for card in first[:52]) == 13
print("ok")
