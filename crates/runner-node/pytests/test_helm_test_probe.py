"""The chart's `helm test` pods (charts/python-sandbox/templates/tests) run `runner-node probe`
with the arguments the chart renders: here the same arguments, run by the real binary against a
real runner-node, with only the host and port moved to the loopback runner. (The kind suite runs
`helm test` itself.)"""

import subprocess

import helm_python as helm
import yaml

from conftest import REPO, runner_node_binary

CHART = REPO / "charts" / "python-sandbox"


def hook_pods(values: dict) -> dict[str, dict]:
    with helm.Chart.load(CHART) as chart:
        files = chart.render(values=values, name="sandbox", namespace="sandbox", is_install=True)
    (text,) = [body for path, body in files.items() if path.endswith("tests/helm-test.yaml")]
    pods = [doc for doc in yaml.safe_load_all(text) if doc]
    return {pod["metadata"]["name"].rsplit("-", 1)[1]: pod for pod in pods}


def run_against(pod: dict, url: str) -> subprocess.CompletedProcess:
    """The pod's command, aimed at `url` (http://host:port) instead of the in-cluster Service."""
    (container,) = pod["spec"]["containers"]
    args = list(container["args"])
    host, port = url.removeprefix("http://").rsplit(":", 1)
    args[args.index("--host") + 1] = host
    args[args.index("--port") + 1] = port
    assert container["command"] == ["/usr/local/bin/runner-node"]
    return subprocess.run([runner_node_binary(), *args], capture_output=True, text=True, timeout=60)


def test_the_pool_test_runs_python_on_the_pool_and_checks_its_output(runner):
    pod = hook_pods({"defaultPool": {"enabled": True}})["pool"]
    result = run_against(pod, runner.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("POST http://127.0.0.1:") and 'output "42\\n"' in result.stdout


def test_the_operator_test_gets_health_from_an_admin_port(runner):
    # runner-node's admin port answers /health as the operator's does.
    pod = hook_pods({})["operator"]
    assert "--code" not in pod["spec"]["containers"][0]["args"]
    result = run_against(pod, runner.admin_url)
    assert result.returncode == 0, result.stderr
    assert "/health: 200 OK" in result.stdout


def test_a_test_pod_fails_when_nothing_answers():
    pod = hook_pods({"defaultPool": {"enabled": True}})["pool"]
    result = run_against(pod, "http://127.0.0.1:9")
    assert result.returncode == 1
    assert "connect" in result.stderr
