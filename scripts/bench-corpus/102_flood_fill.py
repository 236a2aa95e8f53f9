def flood_fill(image, row, col, new_color):
    """Recolor the 4-connected region containing (row, col) and return a new image."""
    image = [list(line) for line in image]
    old_color = image[row][col]
    if old_color == new_color:
        return image
    stack = [(row, col)]
    while stack:
        r, c = stack.pop()
        if 0 <= r < len(image) and 0 <= c < len(image[0]) and image[r][c] == old_color:
            image[r][c] = new_color
            stack.extend([(r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)])
    return image


picture = [[1, 1, 1], [1, 1, 0], [1, 0, 1]]
assert flood_fill(picture, 1, 1, 2) == [[2, 2, 2], [2, 2, 0], [2, 0, 1]]
assert flood_fill(picture, 2, 2, 5) == [[1, 1, 1], [1, 1, 0], [1, 0, 5]]
assert flood_fill(picture, 0, 0, 1) == picture
assert picture == [[1, 1, 1], [1, 1, 0], [1, 0, 1]]
print("ok")
