from bisect import bisect


def letter_grade(score, breakpoints=(60, 70, 80, 90), grades="FDCBA"):
    """Map a numeric score to a letter grade using sorted breakpoints."""
    return grades[bisect(breakpoints, score)]


assert letter_grade(33) == "F"
assert letter_grade(60) == "D"
assert letter_grade(89) == "B"
assert letter_grade(90) == "A"
assert [letter_grade(s) for s in (99, 77, 70, 88, 65)] == ["A", "C", "C", "B", "D"]
print("ok")
