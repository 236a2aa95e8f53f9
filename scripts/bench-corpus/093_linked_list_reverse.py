class Node:
    def __init__(self, value, next_node=None):
        self.value = value
        self.next = next_node


def from_list(values):
    head = None
    for value in reversed(values):
        head = Node(value, head)
    return head


def to_list(head):
    values = []
    while head:
        values.append(head.value)
        head = head.next
    return values


def reverse(head):
    """Reverse a singly linked list in place and return the new head."""
    previous = None
    while head:
        head.next, previous, head = previous, head, head.next
    return previous


assert to_list(reverse(from_list([1, 2, 3, 4]))) == [4, 3, 2, 1]
assert to_list(reverse(from_list([]))) == []
assert to_list(reverse(from_list([9]))) == [9]
assert to_list(reverse(reverse(from_list([1, 2, 3])))) == [1, 2, 3]
print("ok")
