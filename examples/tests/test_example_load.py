"""examples/load_test.sh: many concurrent runs through wrk, a summary a reader can trust, and
bounds that keep it a measurement."""

import os
import re
import subprocess
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1]


def test_load_test_runs_concurrently_and_reports(example):
    out = example("load_test.sh", LOAD_SECONDS="3", LOAD_CONNECTIONS="4")
    assert "load: 4 connections for 3s" in out
    runs = int(re.search(r"^runs: (\d+) in [\d.]+ s$", out, re.M).group(1))
    assert runs >= 4, out
    throughput = float(re.search(r"^throughput: ([\d.]+) runs/s$", out, re.M).group(1))
    assert throughput > 0, out
    p50, p90, p99, top = map(float, re.search(
        r"^latency ms: p50 ([\d.]+)  p90 ([\d.]+)  p99 ([\d.]+)  max ([\d.]+)$", out, re.M
    ).groups())
    assert 0 < p50 <= p90 <= p99 <= top, out
    # Every request was a run that printed its result: none refused, none failed.
    assert f"completed Ok: {runs}  other outcome: 0  refused (non-200): 0" in out
    assert "socket errors: connect 0  read 0  write 0  timeout 0" in out


def load_test_refuses(**env: str) -> str:
    result = subprocess.run(
        ["bash", str(EXAMPLES / "load_test.sh")],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1, result
    assert result.stdout == "", result
    return result.stderr


def test_load_test_only_targets_loopback():
    # Refused before any request is sent.
    err = load_test_refuses(RUNNER_URL="http://example.com:3000")
    assert "only targets loopback" in err and "example.com:3000" in err


def test_load_test_bounds_its_size():
    assert "LOAD_SECONDS must be 1..60" in load_test_refuses(LOAD_SECONDS="3600")
    assert "LOAD_CONNECTIONS must be 1..64" in load_test_refuses(LOAD_CONNECTIONS="1000")
