from dataclasses import dataclass, field


@dataclass
class Item:
    name: str
    price: float
    quantity: int = 0


@dataclass
class Inventory:
    items: dict = field(default_factory=dict)

    def add(self, name, price, quantity):
        """Add stock for an item, creating it if needed."""
        item = self.items.setdefault(name, Item(name, price))
        item.quantity += quantity

    def remove(self, name, quantity):
        item = self.items[name]
        item.quantity = max(0, item.quantity - quantity)

    def total_value(self):
        return round(sum(item.price * item.quantity for item in self.items.values()), 2)


stock = Inventory()
stock.add("pen", 1.5, 10)
stock.add("book", 12.0, 2)
stock.add("pen", 1.5, 5)
assert stock.items["pen"].quantity == 15
assert stock.total_value() == 46.5
stock.remove("book", 1)
assert stock.total_value() == 34.5
stock.remove("book", 5)
assert stock.items["book"].quantity == 0
assert Item("x", 1.0) == Item("x", 1.0, 0)
print("ok")
