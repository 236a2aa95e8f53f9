from operator import attrgetter, itemgetter
from typing import NamedTuple


class Employee(NamedTuple):
    name: str
    department: str
    salary: int


def rank_by_department(employees):
    """Sort by department ascending, then salary descending, then name."""
    by_name = sorted(employees, key=attrgetter("name"))
    by_salary = sorted(by_name, key=attrgetter("salary"), reverse=True)
    return sorted(by_salary, key=attrgetter("department"))


staff = [
    Employee("ivy", "eng", 120), Employee("al", "ops", 90),
    Employee("bo", "eng", 150), Employee("cy", "eng", 120), Employee("di", "ops", 95),
]
ranked = rank_by_department(staff)
assert [e.name for e in ranked] == ["bo", "cy", "ivy", "di", "al"]
assert max(staff, key=attrgetter("salary")).name == "bo"
rows = [("x", 3), ("y", 1), ("z", 2)]
assert sorted(rows, key=itemgetter(1)) == [("y", 1), ("z", 2), ("x", 3)]
print("ok")
