"""examples/analysis.sh on a real runner-node serving the scientific runtime: the pandas and
numpy results it brings back as files agree with the same analysis done here in plain Python."""

import csv
import json
import os
import subprocess
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "analysis"


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def expected() -> dict:
    """The analysis of analyse.py with the csv module: duplicates out, then rows without a
    quantity, revenue per region and month, and the least-squares line through the months."""
    rows = read_csv(DATA / "orders.csv")
    unique = list({tuple(row.values()): row for row in rows}.values())
    kept = [row for row in unique if row["quantity"]]
    region_of = {c["customer_id"]: c["region"] for c in read_csv(DATA / "customers.csv")}
    regions, months = defaultdict(float), defaultdict(float)
    counts = defaultdict(int)
    for row in kept:
        revenue = int(row["quantity"]) * float(row["unit_price"])
        regions[region_of[row["customer_id"]]] += revenue
        counts[region_of[row["customer_id"]]] += 1
        months[row["date"][:7]] += revenue
    ys = [months[m] for m in sorted(months)]
    n = len(ys)
    x_mean, y_mean = (n - 1) / 2, sum(ys) / n
    slope = sum((x - x_mean) * (y - y_mean) for x, y in enumerate(ys)) / sum(
        (x - x_mean) ** 2 for x in range(n)
    )
    return {
        "received": len(rows),
        "duplicates": len(rows) - len(unique),
        "missing": len(unique) - len(kept),
        "regions": regions,
        "counts": counts,
        "months": months,
        "slope": slope,
        "intercept": y_mean - slope * x_mean,
    }


@pytest.fixture(scope="module")
def analysis(scientific_runner, tmp_path_factory):
    """(stdout, results folder) of one run of examples/analysis.sh."""
    out = tmp_path_factory.mktemp("analysis-out")
    result = subprocess.run(
        ["bash", str(DATA.parent / "analysis.sh")],
        env={**os.environ, "RUNNER_URL": scientific_runner.url, "OUT_DIR": str(out)},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout, out


def test_every_result_comes_back_as_a_file(analysis):
    stdout, out = analysis
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "describe.csv", "monthly_revenue.csv", "revenue_by_region.csv",
        "revenue_by_region_and_product.csv", "summary.json",
    ]  # fmt: skip
    assert "results in" in stdout


def test_cleaning_counts_what_it_dropped(analysis, expected):
    summary = json.loads((analysis[1] / "summary.json").read_text())
    assert expected["duplicates"] > 0 and expected["missing"] > 0  # the data is dirty
    assert summary["orders_received"] == expected["received"]
    assert summary["duplicates_dropped"] == expected["duplicates"]
    assert summary["missing_quantity_dropped"] == expected["missing"]
    analysed = expected["received"] - expected["duplicates"] - expected["missing"]
    assert summary["orders_analysed"] == analysed
    assert summary["revenue_total"] == pytest.approx(sum(expected["regions"].values()), abs=0.01)


def test_group_merge_and_pivot_agree_with_plain_python(analysis, expected):
    by_region = read_csv(analysis[1] / "revenue_by_region.csv")
    assert {r["region"]: float(r["revenue"]) for r in by_region} == pytest.approx(
        expected["regions"]
    )
    assert {r["region"]: int(r["orders"]) for r in by_region} == expected["counts"]
    revenues = [float(r["revenue"]) for r in by_region]
    assert revenues == sorted(revenues, reverse=True)
    assert json.loads((analysis[1] / "summary.json").read_text())["best_region"] == (
        by_region[0]["region"]
    )
    # The pivot's rows sum to the same totals; its columns are the cleaned product names.
    pivot = read_csv(analysis[1] / "revenue_by_region_and_product.csv")
    assert set(pivot[0]) == {"region", "Gadget", "Gizmo", "Widget"}
    for row in pivot:
        total = sum(float(v) for k, v in row.items() if k != "region")
        assert total == pytest.approx(expected["regions"][row["region"]], abs=0.05)
    # describe() counted the analysed orders.
    describe = {r[""]: r for r in read_csv(analysis[1] / "describe.csv")}
    assert float(describe["count"]["revenue"]) == sum(expected["counts"].values())


def test_monthly_resample_and_linear_trend(analysis, expected):
    monthly = read_csv(analysis[1] / "monthly_revenue.csv")
    assert [r["date"] for r in monthly] == sorted(expected["months"])
    assert [float(r["revenue"]) for r in monthly] == pytest.approx(
        [expected["months"][m] for m in sorted(expected["months"])]
    )
    for x, row in enumerate(monthly):
        trend = expected["slope"] * x + expected["intercept"]
        assert float(row["trend"]) == pytest.approx(trend, abs=0.01)
    summary = json.loads((analysis[1] / "summary.json").read_text())
    assert summary["monthly_trend"]["slope"] == pytest.approx(expected["slope"], abs=0.01)
    assert 0 <= summary["monthly_trend"]["r_squared"] <= 1
    assert f"trend: {expected['slope']:+.2f} per month" in analysis[0]


def test_a_package_built_on_numpy_and_pandas_runs_against_the_built_in_ones(start_runner, tmp_path):
    """examples/packages/requirements-scientific.txt made with --no-deps (xarray and packaging,
    no second numpy or pandas), served and pre-imported as the README shows."""
    site = os.environ.get("RUNNER_TEST_SCIENTIFIC_PACKAGES")
    if not site:
        pytest.skip("RUNNER_TEST_SCIENTIFIC_PACKAGES unset (scripts/test.sh sets it)")
    assert not (Path(site) / "numpy").exists() and not (Path(site) / "pandas").exists()
    server = start_runner(
        args=["--site-packages", site, "--preimport", "xarray",
              "--module-cache", str(tmp_path / "cache")],
        runtime="scientific",
    )  # fmt: skip
    with urllib.request.urlopen(f"{server.url}/v1/environment", timeout=60) as response:
        packages = {p["name"]: p for p in json.load(response)["packages"]}
    assert packages["xarray"]["source"] == "pool" and packages["xarray"]["preimported"]
    assert packages["numpy"]["source"] == "runtime"
    request = json.dumps({"code": (
        "import numpy as np, pandas as pd, xarray as xr\n"
        "t = pd.date_range('2026-01-01', periods=4, freq='D')\n"
        "a = xr.DataArray(np.arange(8.0).reshape(4, 2), coords={'time': t, 'x': [10, 20]})\n"
        "print(a.mean('time').values.tolist(), a.sel(x=20).sum().item())\n"
        "print(np.__file__.startswith('/usr/local/lib'), xr.__file__.startswith('/packages'))"
    )}).encode()
    with urllib.request.urlopen(urllib.request.Request(
        f"{server.url}/run", data=request, headers={"Content-Type": "application/json"},
    ), timeout=120) as response:  # fmt: skip
        answer = json.load(response)
    assert answer["stdout"] == "[3.0, 4.0] 16.0\nTrue True\n", answer


def test_every_run_draws_other_random_numbers(scientific_runner):
    """The snapshot froze one random state; each run gets its own: numpy's legacy global
    generator (np.random.rand), a new Generator, and the random module."""
    code = (
        "import random, numpy as np\n"
        "state = np.random.get_state()\n"
        "assert state[0] == 'MT19937' and len(state[1]) == 624 and state[1].any()\n"
        "print(np.random.rand(2).tolist(), np.random.default_rng().random(2).tolist(),"
        " random.random())"
    )
    outputs = []
    for _ in range(3):
        request = json.dumps({"code": code}).encode()
        with urllib.request.urlopen(urllib.request.Request(
            f"{scientific_runner.url}/run", data=request,
            headers={"Content-Type": "application/json"},
        ), timeout=120) as response:  # fmt: skip
            answer = json.load(response)
        assert answer["res"]["status"] == "Ok", answer
        outputs.append(answer["stdout"])
    legacy, generator, plain = zip(*(line.split("] ") for line in outputs))
    assert len(set(legacy)) == 3 and len(set(generator)) == 3 and len(set(plain)) == 3, outputs
