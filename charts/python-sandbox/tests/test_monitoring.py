"""The chart's monitoring options: the runners' PodMonitor and the Grafana dashboard. (The
operator's ServiceMonitor is in test_values.py; that the dashboard's queries name only metrics
the binaries export is checked against real scrapes in crates/runner-node/pytests.)"""

import json

import pytest
import yaml

from chart import CHART, NAMESPACE, REPO, only, operator_env, render

DASHBOARD = CHART / "dashboards" / "python-sandbox.json"
# A pool's children as runner-operator builds them (its golden file, reviewed by a human).
POOL_GOLDEN = REPO / "crates" / "runner-operator" / "tests" / "golden" / "minimal.yaml"
# An application pod after the sidecar webhook, asked for metrics (its golden file).
SIDECAR_GOLDEN = REPO / "crates/runner-operator/tests/golden/webhook/metrics-port.out.yaml"


def pod_monitors(**values) -> dict:
    objects = render({"metrics": {"podMonitor": {"enabled": True, **values}}})
    return {o["metadata"]["labels"]["app.kubernetes.io/component"]: o for o in objects if o["kind"] == "PodMonitor"}


def pod_monitor(**values):
    return pod_monitors(**values)["runner"]


def runner_pod_template() -> dict:
    docs = [d for d in yaml.safe_load_all(POOL_GOLDEN.read_text()) if d]
    return only(docs, "Deployment")["spec"]["template"]


def test_no_monitor_or_dashboard_by_default():
    kinds = {o["kind"] for o in render()}
    assert not kinds & {"PodMonitor", "ServiceMonitor"}
    assert not [o for o in render() if o["kind"] == "ConfigMap"]


def test_pod_monitor_selects_the_runner_pods_the_operator_makes_on_their_admin_port():
    monitor = pod_monitor(interval="10s", labels={"release": "prom"})
    assert monitor["metadata"]["namespace"] == NAMESPACE
    assert monitor["metadata"]["labels"]["release"] == "prom"
    template = runner_pod_template()
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector.items() <= template["metadata"]["labels"].items()
    ports = {p["name"]: p["containerPort"] for p in template["spec"]["containers"][0]["ports"]}
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert ports[endpoint["port"]] == 9090
    assert (endpoint["path"], endpoint["interval"]) == ("/metrics", "10s")
    assert endpoint["relabelings"] == [
        {
            "sourceLabels": ["__meta_kubernetes_pod_label_app_kubernetes_io_instance"],
            "targetLabel": "pool",
        }
    ]
    assert template["metadata"]["labels"]["app.kubernetes.io/instance"] == "demo"


def test_pod_monitor_namespaces_follow_the_watched_namespace_unless_named():
    assert pod_monitor()["spec"]["namespaceSelector"] == {"any": True}
    watched = render(
        {"operator": {"watchNamespace": "apps"}, "metrics": {"podMonitor": {"enabled": True}}}
    )
    for monitor in (o for o in watched if o["kind"] == "PodMonitor"):
        assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["apps"]}
    for monitor in pod_monitors(namespaces=["team-a", "team-b"]).values():
        assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["team-a", "team-b"]}


def test_sidecar_pod_monitor_scrapes_the_metrics_port_the_webhook_declares():
    monitor = pod_monitors(interval="15s")["sidecar-runner"]
    pod = yaml.safe_load(SIDECAR_GOLDEN.read_text())["patchedPod"]
    (expression,) = monitor["spec"]["selector"]["matchExpressions"]
    assert expression == {"key": "sandbox.runner.dev/pool", "operator": "Exists"}
    assert expression["key"] in pod["metadata"]["labels"]
    (sidecar,) = (c for c in pod["spec"]["initContainers"] if c["name"] == "sandbox-runner")
    (port,) = sidecar["ports"]
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["port"] == port["name"]
    env = {e["name"]: e.get("value") for e in sidecar["env"]}
    assert env["RUNNER_ADMIN_PORT"] == str(port["containerPort"])
    assert env["RUNNER_ADMIN_HOST"] == "0.0.0.0"
    assert (endpoint["path"], endpoint["interval"]) == ("/metrics", "15s")
    assert endpoint["relabelings"] == [
        {"sourceLabels": ["__meta_kubernetes_pod_label_sandbox_runner_dev_pool"], "targetLabel": "pool"}
    ]
    assert set(pod_monitors(sidecars=False)) == {"runner"}


def test_dashboard_configmap_carries_the_json_for_the_grafana_sidecar():
    objects = render({"metrics": {"dashboard": {"enabled": True}}})
    config_map = only(objects, "ConfigMap")
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert config_map["metadata"]["namespace"] == NAMESPACE
    assert json.loads(config_map["data"]["python-sandbox.json"]) == json.loads(
        DASHBOARD.read_text()
    )

    values = {
        "enabled": True,
        "labels": {"dashboards": "grafana"},
        "annotations": {"grafana_folder": "Sandboxes"},
        "namespace": "monitoring",
    }
    config_map = only(render({"metrics": {"dashboard": values}}), "ConfigMap")
    assert config_map["metadata"]["namespace"] == "monitoring"
    assert config_map["metadata"]["labels"]["dashboards"] == "grafana"
    assert config_map["metadata"]["annotations"] == {"grafana_folder": "Sandboxes"}


def test_dashboard_is_valid_grafana_json():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "python-sandbox"
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
    for panel in panels:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["expr"].count("(") == target["expr"].count(")"), target["expr"]
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    assert variables == {"datasource", "namespace", "pool"}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"podMonitor": {"interval": "often"}}, "/metrics/podMonitor/interval"),
        ({"podMonitor": {"namespaces": ["Team"]}}, "/metrics/podMonitor/namespaces/0"),
        ({"podMonitor": {"enable": True}}, "additional properties 'enable'"),
        ({"dashboard": {"labels": {"grafana_dashboard": 1}}}, "/metrics/dashboard/labels"),
    ],
)
def test_invalid_monitoring_values_are_refused_naming_the_key(values, message):
    import helm_python as helm

    with pytest.raises(helm.HelmValuesError, match="schema") as refused:
        render({"metrics": values})
    assert message in str(refused.value)


# === The operator's traces ===


def operator_egress(values: dict) -> list[dict]:
    objects = render({"operator": {"tracing": values}})
    return only(objects, "NetworkPolicy")["spec"]["egress"]


def test_no_traces_and_no_collector_egress_by_default():
    objects = render()
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in operator_env(objects)
    ports = {p["port"] for rule in operator_egress({}) for p in rule["ports"]}
    assert ports == {443, 6443, 53}


@pytest.mark.parametrize(
    "endpoint, port",
    [
        ("http://otel-collector.monitoring:4318", 4318),
        ("https://collector.example", 443),
        ("http://collector", 80),
        ("http://otel-collector.monitoring:4318/otlp", 4318),
    ],
)
def test_an_endpoint_turns_traces_on_and_opens_its_port_only(endpoint, port):
    objects = render({"operator": {"tracing": {"otlpEndpoint": endpoint}}})
    assert operator_env(objects)["OTEL_EXPORTER_OTLP_ENDPOINT"] == endpoint
    collector = operator_egress({"otlpEndpoint": endpoint})[-1]
    assert collector["ports"] == [{"port": port, "protocol": "TCP"}]
    assert "to" not in collector


def test_collector_peers_confine_the_egress():
    peers = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
    collector = operator_egress(
        {"otlpEndpoint": "http://otel-collector.monitoring:4318", "collectorPeers": peers}
    )[-1]
    assert collector["to"] == peers


@pytest.mark.parametrize(
    "endpoint", ["otel-collector:4318", "grpc://collector:4317", "http://collector:port"]
)
def test_a_malformed_endpoint_is_refused_by_the_schema(endpoint):
    with pytest.raises(Exception, match="otlpEndpoint"):
        render({"operator": {"tracing": {"otlpEndpoint": endpoint}}})
