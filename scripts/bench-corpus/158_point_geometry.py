import math
from typing import NamedTuple


class Point(NamedTuple):
    x: float
    y: float

    def distance_to(self, other):
        return math.hypot(self.x - other.x, self.y - other.y)


def polygon_area(points):
    """Return the area of a simple polygon via the shoelace formula."""
    twice_area = sum(a.x * b.y - b.x * a.y for a, b in zip(points, points[1:] + points[:1]))
    return abs(twice_area) / 2


def perimeter(points):
    return sum(a.distance_to(b) for a, b in zip(points, points[1:] + points[:1]))


square = [Point(0, 0), Point(4, 0), Point(4, 4), Point(0, 4)]
assert polygon_area(square) == 16
assert perimeter(square) == 16
assert Point(0, 0).distance_to(Point(3, 4)) == 5
assert polygon_area([Point(0, 0), Point(4, 0), Point(0, 3)]) == 6
assert math.isclose(perimeter([Point(0, 0), Point(4, 0), Point(0, 3)]), 12)
print("ok")
