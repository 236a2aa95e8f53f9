import statistics


def summarize(values):
    """Return mean, median, mode, population stdev and range of values."""
    return {
        "mean": statistics.mean(values),
        "median": statistics.median(values),
        "mode": statistics.mode(values),
        "pstdev": statistics.pstdev(values),
        "range": max(values) - min(values),
    }


summary = summarize([2, 4, 4, 4, 5, 5, 7, 9])
assert summary["mean"] == 5
assert summary["median"] == 4.5
assert summary["mode"] == 4
assert summary["pstdev"] == 2.0
assert summary["range"] == 7
assert statistics.median_low([1, 3, 5, 7]) == 3
print("ok")
