from string import Template


def render_invoice(customer, items):
    """Render a small invoice using string.Template substitutions."""
    line = Template("  $name x$qty @ $$$price")
    header = Template("Invoice for ${customer}:")
    lines = [header.substitute(customer=customer)]
    lines += [line.substitute(name=n, qty=q, price=f"{p:.2f}") for n, q, p in items]
    total = sum(q * p for _, q, p in items)
    lines.append(Template("Total: $$$total").substitute(total=f"{total:.2f}"))
    return "\n".join(lines)


invoice = render_invoice("Ada", [("widget", 2, 3.5), ("gadget", 1, 10)])
assert invoice.splitlines()[0] == "Invoice for Ada:"
assert invoice.splitlines()[1] == "  widget x2 @ $3.50"
assert invoice.endswith("Total: $17.00")
assert Template("$a and $b").safe_substitute(a=1) == "1 and $b"
print("ok")
