import textwrap


def format_table(headers, rows):
    """Render rows as an aligned plain-text table with a header separator."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def render(cells):
        return " | ".join(str(cell).ljust(width) for cell, width in zip(cells, widths)).rstrip()

    separator = "-+-".join("-" * width for width in widths)
    return "\n".join([render(headers), separator, *(render(row) for row in rows)])


table = format_table(["name", "qty"], [["apple", 3], ["kiwi", 12]])
expected = textwrap.dedent("""\
    name  | qty
    ------+----
    apple | 3
    kiwi  | 12""")
assert table == expected
assert format_table(["a"], []) == "a\n-"
assert textwrap.indent(table, "> ").splitlines()[0] == "> name  | qty"
print("ok")
