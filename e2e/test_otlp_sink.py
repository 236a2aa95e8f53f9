"""e2e/otlp_sink.py, the e2e suite's stand-in collector, fed by a real runner-node exporting
the way a traced pool's runners do (the variables spec.tracing sets): the checks e2e/run.sh
makes on its log pass here, and fail for a trace that was not sent."""

import queue
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
import yaml

from e2e_support import E2E, REPO, load

examples_conftest = load("examples_conftest_sink", REPO / "examples/tests/conftest.py")
start_runner = examples_conftest.start_runner
TRACE = "5b8efff798038103d269b633813fc60c"
OTHER_TRACE = "0af7651916cd43dd8448eb211c80319c"


class SinkProcess:
    """otlp_sink.py on a free loopback port; `lines` collects what it prints."""

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, str(E2E / "otlp_sink.py"), "--host", "127.0.0.1", "--port", "0"],
            stdout=subprocess.PIPE, text=True,
        )
        self.lines: queue.Queue = queue.Queue()
        first = self.process.stdout.readline()
        assert first.startswith("listening on 127.0.0.1:"), first
        self.url = "http://" + first.split()[-1]
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, needle: str, timeout_s: float = 30) -> str:
        """The first export line holding `needle` (hex), or a failure after `timeout_s`."""
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=timeout_s)
            except queue.Empty:
                pytest.fail(f"no export with {needle} in {timeout_s} s; saw {len(seen)} exports")
            seen.append(line)
            if line.startswith("export ") and needle in line:
                return line


@pytest.fixture
def sink():
    process = SinkProcess()
    yield process
    process.process.terminate()
    process.process.wait(timeout=10)


def test_a_traced_runs_spans_reach_the_sink_with_its_trace_id_and_pool(sink, start_runner, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", sink.url)
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "k8s.namespace.name=sandbox-e2e,sandbox.pool.name=traced")
    # A ratio of 0 keeps no trace of its own: the caller's sampled flag decides.
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0")
    runner = start_runner()
    client = subprocess.run(
        [sys.executable, str(E2E / "pool_client.py"), "trace", runner.url, TRACE],
        capture_output=True, text=True, timeout=120,
    )
    assert client.returncode == 0, client.stdout + client.stderr
    assert client.stdout == f"ok   run in trace {TRACE} ({runner.url})\n"
    line = sink.wait_for(TRACE)
    assert "traced".encode().hex() in line
    assert OTHER_TRACE not in line


def test_the_sink_refuses_what_is_not_a_trace_export(sink):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(f"{sink.url}/v1/metrics", data=b"x", method="POST"))
    assert refused.value.code == 404
    with urllib.request.urlopen(urllib.request.Request(f"{sink.url}/v1/traces", data=b"\x0a\x00", method="POST")) as ok:
        assert ok.status == 200 and ok.read() == b""
    assert sink.wait_for("0a00").startswith("export 2 bytes ")


def test_the_client_refuses_a_trace_id_that_is_not_one():
    client = subprocess.run(
        [sys.executable, str(E2E / "pool_client.py"), "trace", "http://127.0.0.1:9", "xyz"],
        capture_output=True, text=True, timeout=60,
    )
    assert client.returncode == 1
    assert "a 32-digit hex trace id" in client.stderr


def test_the_stand_in_collector_is_where_the_example_pool_sends():
    (pool,) = yaml.safe_load_all((REPO / "examples/pools/traced.yaml").read_text())
    tracing = pool["spec"]["tracing"]
    url = urllib.parse.urlsplit(tracing["otlpEndpoint"])
    pod, service = yaml.safe_load((E2E / "manifests/otlp-sink.yaml").read_text())["items"]
    assert url.hostname == f"{service['metadata']['name']}.{service['metadata']['namespace']}"
    assert url.port == service["spec"]["ports"][0]["port"]
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    # The pool's egress goes to the monitoring namespace only: the sink must be in it.
    (peer,) = tracing["collectorPeers"]
    namespace = peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
    assert pod["metadata"]["namespace"] == namespace
