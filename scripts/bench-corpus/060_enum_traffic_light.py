from enum import Enum


class Light(Enum):
    RED = 30
    GREEN = 25
    YELLOW = 5

    def next(self):
        """Return the light that follows this one in the cycle."""
        order = [Light.RED, Light.GREEN, Light.YELLOW]
        return order[(order.index(self) + 1) % len(order)]


def light_at(seconds):
    light = Light.RED
    while seconds >= light.value:
        seconds -= light.value
        light = light.next()
    return light


assert Light.RED.next() is Light.GREEN
assert Light.YELLOW.next() is Light.RED
assert light_at(0) is Light.RED
assert light_at(30) is Light.GREEN
assert light_at(57) is Light.YELLOW
assert light_at(60) is Light.RED
assert Light["GREEN"].value == 25
print("ok")
