def weekday_name(year, month, day):
    """Return the weekday of a Gregorian date using Zeller's congruence."""
    names = ["Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    if month < 3:
        month += 12
        year -= 1
    century, year_of_century = divmod(year, 100)
    index = (day + 13 * (month + 1) // 5 + year_of_century + year_of_century // 4
             + century // 4 + 5 * century) % 7
    return names[index]


assert weekday_name(2000, 1, 1) == "Saturday"
assert weekday_name(1969, 7, 20) == "Sunday"
assert weekday_name(2024, 2, 29) == "Thursday"
assert weekday_name(1970, 1, 1) == "Thursday"
print("ok")
