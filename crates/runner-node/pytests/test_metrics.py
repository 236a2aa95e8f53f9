"""GET /metrics on the admin port, read with the official Prometheus text-format parser."""

import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import Runner


def scrape(runner) -> dict:
    """Every sample as {(name, frozenset(labels)): value}, plus the family types under 'types'."""
    with urllib.request.urlopen(runner.admin_url + "/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    samples = {"types": {}}
    for family in text_string_to_metric_families(text):
        samples["types"][family.name] = family.type
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    if "le" in labels:
        # Bucket bounds are floats however they are spelled (`1.048576e+06`).
        le = float(labels.pop("le"))
        for key, sample in samples.items():
            if isinstance(key, tuple) and key[0] == name:
                found = dict(key[1])
                if float(found.pop("le")) == le and found == labels:
                    return sample
        raise KeyError((name, le, labels))
    return samples[(name, frozenset(labels.items()))]


def test_families_have_conventional_names_and_types(runner):
    types = scrape(runner)["types"]
    # The parser names a counter family without its `_total` suffix.
    assert types["runner_runs"] == "counter"
    assert types["runner_requests_rejected"] == "counter"
    assert types["runner_run_duration_seconds"] == "histogram"
    assert types["runner_queue_wait_seconds"] == "histogram"
    assert types["runner_sandbox_memory_bytes"] == "histogram"
    assert types["runner_runs_in_flight"] == "gauge"


def test_counters_move_as_runs_happen(runner):
    before = scrape(runner)
    assert runner.post("/run", {"code": "print(1)"})[0] == 200
    status, body = runner.post("/run", {"code": "while True: pass", "timeout_ms": 100})
    assert (status, body["outcome"]) == (200, "timeout")
    grow = "xs = []\nwhile True: xs.append(' ' * 10**6)"
    status, body = runner.post("/run", {"code": grow, "memory_mb": 64})
    assert (status, body["outcome"]) == (200, "memory_limit")
    assert runner.post("/run", {"code": "", "timeout": 1})[0] == 400
    assert runner.post("/run", {"code": "", "timeout_ms": 10**9})[0] == 422
    after = scrape(runner)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("runner_runs_total", outcome="completed") == 1
    assert moved("runner_runs_total", outcome="timeout") == 1
    assert moved("runner_runs_total", outcome="memory_limit") == 1
    assert moved("runner_runs_total", outcome="output_limit") == 0
    assert moved("runner_requests_rejected_total", reason="unknown_field") == 1
    assert moved("runner_requests_rejected_total", reason="limit_exceeded") == 1
    assert moved("runner_run_duration_seconds_count") == 3
    assert moved("runner_queue_wait_seconds_count") == 3
    assert moved("runner_sandbox_memory_bytes_count") == 3
    assert value(after, "runner_runs_in_flight") == 0
    # The growing run was granted close to its 64 MiB, and the others their start-up memory.
    assert moved("runner_sandbox_memory_bytes_sum") > 64 * 2**20
    assert moved("runner_sandbox_memory_bytes_bucket", le=str(64 * 2**20)) >= 2
    assert moved("runner_sandbox_memory_bytes_bucket", le=str(2**20)) == 0
    assert moved("runner_run_duration_seconds_bucket", le="+Inf") == 3
    # Buckets resolve sub-millisecond runs.
    bounds = [dict(key[1])["le"] for key in after if isinstance(key, tuple)
              and key[0] == "runner_run_duration_seconds_bucket"]
    assert sum(float(le) < 0.001 for le in bounds) >= 2, bounds


def test_metrics_are_not_on_the_main_port(runner):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(runner.url + "/metrics", timeout=10)
    assert err.value.code == 404


def test_the_admin_port_can_be_turned_off():
    server = Runner(admin_port="off")
    try:
        assert server.admin_url is None
        assert server.post("/run", {"code": "print(1)"})[0] == 200
    finally:
        server.stop()
