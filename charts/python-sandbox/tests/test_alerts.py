"""The chart's PrometheusRule: promtool (Debian's prometheus package, scripts/lib.sh
ensure_promtool) checks the rules as rendered, then runs them against series in its unit tests,
so each alert is seen to fire when it should and to stay quiet when it should not."""

import os
import subprocess

import pytest
import yaml

from chart import NAMESPACE, only, render

TEAM = {"team": "platform"}


def rules(**values) -> dict:
    rule = {"enabled": True, "alertLabels": TEAM, **values}
    objects = render({"metrics": {"prometheusRule": rule}})
    return only(objects, "PrometheusRule")


def promtool(*args: str, cwd) -> subprocess.CompletedProcess:
    program = os.environ.get("PROMTOOL")
    if not program:
        pytest.fail("PROMTOOL is not set: run `source scripts/lib.sh && ensure_promtool` first")
    return subprocess.run([program, *args], cwd=cwd, capture_output=True, text=True)


def run_unit_tests(tmp_path, tests: list[dict]) -> subprocess.CompletedProcess:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": rules()["spec"]["groups"]}))
    suite = {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": tests}
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(suite))
    return promtool("test", "rules", "tests.yaml", cwd=tmp_path)


def alert(name: str, at: str, *firing: tuple[dict, dict]) -> dict:
    """promtool's expectation: `name` fires at `at` with exactly these alerts, each its labels
    (the chart's `alertLabels` added) and its annotations, as the on-call person reads them."""
    return {
        "eval_time": at,
        "alertname": name,
        "exp_alerts": [
            {"exp_labels": {**labels, **TEAM}, "exp_annotations": annotations}
            for labels, annotations in firing
        ],
    }


def test_no_rule_unless_asked():
    assert not [o for o in render() if o["kind"] == "PrometheusRule"]


def test_promtool_accepts_the_rules_as_rendered(tmp_path):
    rule = rules(labels={"release": "prom"})
    assert rule["metadata"]["namespace"] == NAMESPACE
    assert rule["metadata"]["labels"]["release"] == "prom"
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    checked = promtool("check", "rules", "rules.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 5 rules found" in checked.stdout


def test_without_the_webhook_no_certificate_alert():
    names = [r["alert"] for r in rules()["spec"]["groups"][0]["rules"]]
    assert names.count("PythonSandboxWebhookCertificateExpiring") == 2
    rendered = render({"webhook": {"enabled": False}, "metrics": {"prometheusRule": {"enabled": True}}})
    names = [r["alert"] for r in only(rendered, "PrometheusRule")["spec"]["groups"][0]["rules"]]
    assert "PythonSandboxWebhookCertificateExpiring" not in names


POOL = 'namespace="apps", pool="sandbox"'


def test_a_pool_refusing_runs_for_ten_minutes_is_saturated(tmp_path):
    tests = [
        {
            "interval": "1m",
            "input_series": [
                # 1 refusal a second, from the start; a quiet pool beside it.
                {"series": f'runner_requests_rejected_total{{reason="overloaded", {POOL}, pod="a"}}', "values": "0+60x40"},
                {"series": 'runner_requests_rejected_total{reason="overloaded", namespace="apps", pool="quiet", pod="b"}', "values": "0x40"},
            ],
            "alert_rule_test": [
                alert("PythonSandboxPoolSaturated", "8m"),  # pending: not yet 10 minutes
                alert(
                    "PythonSandboxPoolSaturated",
                    "20m",
                    (
                        {"severity": "warning", "namespace": "apps", "pool": "sandbox"},
                        {
                            "summary": "Pool apps/sandbox refuses runs: every slot is busy",
                            "description": "Runners of pool sandbox answered 503 overloaded to 1 requests/s "
                            "for 10 minutes. Raise the pool's replicas (or its autoscaling maximum) or "
                            "maxConcurrentRuns.",
                        },
                    ),
                ),
            ],
        }
    ]
    result = run_unit_tests(tmp_path, tests)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("internal_per_minute, fires", [(12, True), (3, False)])
def test_internal_errors_above_one_percent_of_requests_alert(tmp_path, internal_per_minute, fires):
    # 600 runs a minute; 12 internal errors a minute are 2%, 3 are 0.5%.
    tests = [
        {
            "interval": "1m",
            "input_series": [
                {"series": f'runner_runs_total{{outcome="completed", {POOL}, pod="a"}}', "values": "0+600x40"},
                {"series": f'runner_requests_rejected_total{{reason="internal", {POOL}, pod="a"}}', "values": f"0+{internal_per_minute}x40"},
            ],
            "alert_rule_test": [
                alert(
                    "PythonSandboxRunnerErrors",
                    "30m",
                    *(
                        [
                            (
                                {"severity": "warning", "namespace": "apps", "pool": "sandbox"},
                                {
                                    "summary": "Pool apps/sandbox fails runs with internal errors",
                                    "description": "1.961% of the run requests to pool sandbox ended in "
                                    "500 internal for 10 minutes; the runners' logs say why.",
                                },
                            )
                        ]
                        if fires
                        else []
                    ),
                )
            ],
        }
    ]
    result = run_unit_tests(tmp_path, tests)
    assert result.returncode == 0, result.stdout + result.stderr


def test_failing_reconciles_alert_but_an_invalid_spec_does_not(tmp_path):
    operator = f'namespace="{NAMESPACE}", pod="operator-0"'
    tests = [
        {
            "interval": "1m",
            "input_series": [
                {"series": f'runner_operator_reconcile_failures_total{{kind="kube", {operator}}}', "values": "0+2x40"},
                {"series": f'runner_operator_reconcile_failures_total{{kind="invalid_spec", {operator}}}', "values": "0+5x40"},
            ],
            "alert_rule_test": [
                alert("PythonSandboxReconcileFailing", "10m"),
                alert(
                    "PythonSandboxReconcileFailing",
                    "30m",
                    (
                        {"severity": "warning", "namespace": NAMESPACE, "kind": "kube"},
                        {
                            "summary": "runner-operator keeps failing to reconcile pools (kube)",
                            "description": f"Reconciles in {NAMESPACE} have failed with kube errors for 15 "
                            "minutes; pools are not updated. The operator's logs name the pool and the error.",
                        },
                    ),
                ),
            ],
        }
    ]
    result = run_unit_tests(tmp_path, tests)
    assert result.returncode == 0, result.stdout + result.stderr


def certificate_annotations(severity: str, days_left: int) -> dict:
    secret = f"{NAMESPACE}/sandbox-python-sandbox-webhook-tls"
    # 90 minutes of the clock have passed.
    left = f"{days_left - 1}d 22h 30m 0s"
    return {
        "summary": f"The sidecar webhook's certificate ends in {left}",
        "description": f"The serving certificate in Secret {secret} was not renewed"
        + (". When it ends, the API server refuses pods asking for a sidecar runner (failurePolicy "
           "Fail) or creates them without one (Ignore)." if severity == "warning" else " and ends within a week."),
    }


@pytest.mark.parametrize("days_left, severities", [(40, []), (10, ["warning"]), (5, ["warning", "critical"])])
def test_a_webhook_certificate_near_its_end_alerts(tmp_path, days_left, severities):
    # promtool's clock starts at 0: a certificate ending `days_left` days after it.
    labels = {"namespace": NAMESPACE, "secret": "sandbox-python-sandbox-webhook-tls"}
    series = "runner_operator_webhook_certificate_expiry_timestamp_seconds{" + ", ".join(
        f'{k}="{v}"' for k, v in {**labels, "pod": "operator-0"}.items()
    ) + "}"
    tests = [
        {
            "interval": "1m",
            "input_series": [{"series": series, "values": f"{days_left * 86400}x120"}],
            "alert_rule_test": [
                alert(
                    "PythonSandboxWebhookCertificateExpiring",
                    "90m",
                    *(({"severity": s, **labels}, certificate_annotations(s, days_left)) for s in severities),
                )
            ],
        }
    ]
    result = run_unit_tests(tmp_path, tests)
    assert result.returncode == 0, result.stdout + result.stderr
