class InsufficientFunds(Exception):
    pass


class Account:
    """Bank account recording a ledger of signed transactions in cents."""

    def __init__(self, owner):
        self.owner, self.ledger = owner, []

    @property
    def balance(self):
        return sum(self.ledger)

    def deposit(self, cents):
        if cents <= 0:
            raise ValueError("deposit must be positive")
        self.ledger.append(cents)

    def withdraw(self, cents):
        if cents > self.balance:
            raise InsufficientFunds(f"{self.owner} has only {self.balance}")
        self.ledger.append(-cents)

    def transfer(self, other, cents):
        self.withdraw(cents)
        other.deposit(cents)


alice, bob = Account("alice"), Account("bob")
alice.deposit(10_000)
alice.transfer(bob, 2_500)
assert (alice.balance, bob.balance) == (7_500, 2_500)
try:
    bob.withdraw(3_000)
    raise AssertionError("expected InsufficientFunds")
except InsufficientFunds as error:
    assert "bob has only 2500" in str(error)
assert len(alice.ledger) == 2 and bob.balance == 2_500
print("ok")
