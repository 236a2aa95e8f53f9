def fizzbuzz(limit):
    """Return the FizzBuzz sequence from 1 to limit as strings."""
    result = []
    for number in range(1, limit + 1):
        label = ""
        if number % 3 == 0:
            label += "Fizz"
        if number % 5 == 0:
            label += "Buzz"
        result.append(label or str(number))
    return result


sequence = fizzbuzz(15)
assert sequence[:5] == ["1", "2", "Fizz", "4", "Buzz"]
assert sequence[14] == "FizzBuzz"
assert sequence.count("Fizz") == 4
assert fizzbuzz(0) == []
print("ok")
