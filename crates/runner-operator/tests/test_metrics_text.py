"""runner-operator's /metrics text, as scraped by tests/metrics.rs after three reconciles (one
fine, one invalid spec, one failed API call) with the webhook serving a certificate, read with
the official Prometheus parser."""

import pathlib

from prometheus_client.parser import text_string_to_metric_families

SCRAPE = pathlib.Path(__file__).resolve().parent / "golden" / "metrics.txt"


def families() -> dict:
    return {f.name: f for f in text_string_to_metric_families(SCRAPE.read_text())}


def value(family, name: str, **labels: str) -> float:
    (found,) = [s.value for s in family.samples if s.name == name and s.labels == labels]
    return found


def test_families_have_conventional_names_and_types():
    found = {name: family.type for name, family in families().items()}
    # The parser names a counter family without its `_total` suffix.
    assert found == {
        "runner_operator_reconciles": "counter",
        "runner_operator_reconcile_failures": "counter",
        "runner_operator_reconcile_duration_seconds": "histogram",
        "runner_operator_child_applies": "counter",
        "runner_operator_webhook_certificate_expiry_timestamp_seconds": "gauge",
    }


def test_counters_counted_the_reconciles():
    f = families()
    assert value(f["runner_operator_reconciles"], "runner_operator_reconciles_total") == 3
    failures = f["runner_operator_reconcile_failures"]
    assert value(failures, "runner_operator_reconcile_failures_total", kind="kube") == 1
    assert value(failures, "runner_operator_reconcile_failures_total", kind="invalid_spec") == 1
    assert value(failures, "runner_operator_reconcile_failures_total", kind="serialize") == 0
    duration = f["runner_operator_reconcile_duration_seconds"]
    assert value(duration, "runner_operator_reconcile_duration_seconds_count") == 3
    applies = f["runner_operator_child_applies"]
    assert value(applies, "runner_operator_child_applies_total", kind="Deployment") == 1
    assert value(applies, "runner_operator_child_applies_total", kind="DaemonSet") == 0


def test_duration_buckets_start_below_a_millisecond():
    duration = families()["runner_operator_reconcile_duration_seconds"]
    bounds = sorted(
        float(s.labels["le"]) for s in duration.samples if s.name.endswith("_bucket")
    )
    assert bounds[0] < 0.001 and bounds[-1] == float("inf")


def test_the_webhook_certificate_end_is_a_unix_time_per_secret():
    family = families()["runner_operator_webhook_certificate_expiry_timestamp_seconds"]
    name = "runner_operator_webhook_certificate_expiry_timestamp_seconds"
    # 2027-03-01T00:00:00Z, as tests/metrics.rs sets it.
    assert value(family, name, secret="sandbox-webhook-tls") == 1_803_859_200
