from collections import deque


def sliding_window_max(values, width):
    """Return the maximum of every contiguous window of the given width."""
    window, result = deque(), []
    for index, value in enumerate(values):
        while window and values[window[-1]] <= value:
            window.pop()
        window.append(index)
        if window[0] <= index - width:
            window.popleft()
        if index >= width - 1:
            result.append(values[window[0]])
    return result


assert sliding_window_max([1, 3, -1, -3, 5, 3, 6, 7], 3) == [3, 3, 5, 5, 6, 7]
assert sliding_window_max([4], 1) == [4]
assert sliding_window_max([9, 8, 7, 6], 2) == [9, 8, 7]
assert sliding_window_max([1, 2, 3], 3) == [3]
print("ok")
