def bowling_score(rolls):
    """Return the total score of a complete ten-pin bowling game from its rolls."""
    score, index = 0, 0
    for _ in range(10):
        if rolls[index] == 10:
            score += 10 + rolls[index + 1] + rolls[index + 2]
            index += 1
        elif rolls[index] + rolls[index + 1] == 10:
            score += 10 + rolls[index + 2]
            index += 2
        else:
            score += rolls[index] + rolls[index + 1]
            index += 2
    return score


assert bowling_score([0] * 20) == 0
assert bowling_score([10] * 12) == 300
assert bowling_score([5, 5] * 10 + [5]) == 150
assert bowling_score([10, 3, 4] + [0] * 16) == 24
assert bowling_score([9, 0] * 10) == 90
print("ok")
