def parse_csv_line(line):
    """Split one CSV line into fields, honoring double-quoted fields and escaped quotes."""
    fields, current, in_quotes, index = [], [], False, 0
    while index < len(line):
        char = line[index]
        if in_quotes:
            if char == '"' and line[index + 1:index + 2] == '"':
                current.append('"')
                index += 1
            elif char == '"':
                in_quotes = False
            else:
                current.append(char)
        elif char == '"':
            in_quotes = True
        elif char == ",":
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    fields.append("".join(current))
    return fields


assert parse_csv_line("a,b,c") == ["a", "b", "c"]
assert parse_csv_line('"hello, world",42') == ["hello, world", "42"]
assert parse_csv_line('"say ""hi""",x') == ['say "hi"', "x"]
assert parse_csv_line("") == [""]
assert parse_csv_line("a,,b") == ["a", "", "b"]
print("ok")
