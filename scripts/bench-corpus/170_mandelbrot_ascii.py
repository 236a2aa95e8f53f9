def escape_time(real, imag, max_iterations):
    """Return the iterations before z^2 + c escapes radius 2 (max if it never does)."""
    z_real = z_imag = 0.0
    for iteration in range(max_iterations):
        z_real, z_imag = z_real * z_real - z_imag * z_imag + real, 2 * z_real * z_imag + imag
        if z_real * z_real + z_imag * z_imag > 4.0:
            return iteration
    return max_iterations


def render(width, height, max_iterations=200):
    rows = []
    for y in range(height):
        imag = 1.2 - 2.4 * y / (height - 1)
        rows.append("".join(
            "#" if escape_time(-2.1 + 2.8 * x / (width - 1), imag, max_iterations) == max_iterations
            else "." for x in range(width)))
    return rows


picture = render(120, 60)
assert len(picture) == 60 and all(len(row) == 120 for row in picture)
assert all(picture[y] == picture[59 - y] for y in range(30))
assert escape_time(0.0, 0.0, 100) == 100
assert escape_time(2.0, 2.0, 100) == 0
assert 1400 < sum(row.count("#") for row in picture) < 1800
print("ok")
