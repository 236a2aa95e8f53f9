"""e2e/pool_client.py, the client pods' requests, against a real local runner-node: the same
checks pass here as in the cluster, laid out as the cluster's ConfigMap lays them out, and a
wrong answer fails them with a message that says what was wrong."""

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from e2e_support import E2E, REPO, load, shell_array, shell_value

CLIENT = E2E / "pool_client.py"

# The examples' own runner-node fixture (examples/tests/conftest.py): one way to start a server.
examples_conftest = load("examples_conftest", REPO / "examples/tests/conftest.py")
RunnerNode = examples_conftest.RunnerNode
runner = examples_conftest.runner
start_runner = examples_conftest.start_runner
scientific_runner = examples_conftest.scientific_runner


def pool_client(*args: str, script: Path = CLIENT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=300)


def passed(result: subprocess.CompletedProcess) -> list[str]:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}{result.stderr}"
    return result.stdout.splitlines()


@pytest.fixture
def configmap_layout(tmp_path) -> Path:
    """pool_client.py and the example scripts in one folder, as the ConfigMap e2e-client
    mounts them at /e2e in the client pods (the files e2e/run.sh puts in it)."""
    folder = tmp_path / "e2e"
    folder.mkdir()
    shutil.copy(CLIENT, folder)
    for script in shell_array("EXAMPLES"):
        shutil.copy(REPO / "examples" / script, folder)
    return folder / "pool_client.py"


def test_the_configmap_holds_every_example_the_client_sends():
    sent = set(re.findall(r'example\(folder, "([\w.]+)"\)', CLIENT.read_text()))
    assert sent and sent == set(shell_array("EXAMPLES"))


def test_every_case_passes_against_a_runner_node(runner, configmap_layout):
    lines = passed(pool_client("cases", runner.url, script=configmap_layout))
    assert [line.split(" (")[0] for line in lines] == [
        "ok   hello", "ok   fib", "ok   list_files", "ok   fail_case", "ok   timeout", "ok   bad request",
    ]


def test_the_locked_down_pool_reads_its_data_and_keeps_its_maximum(start_runner, tmp_path):
    """A runner-node with the locked-down example's limits and data, the way its pods get them
    (a policy file and a read-only folder holding the ConfigMap's keys)."""
    config_map, pool = yaml.safe_load_all((REPO / "examples/pools/locked-down.yaml").read_text())
    data = tmp_path / "reference"
    data.mkdir()
    for key, value in config_map["data"].items():
        (data / key).write_text(value)
        (data / key).chmod(0o444)
    limits = pool["spec"]["limits"]
    policy = {
        # timeoutMs -> timeout_ms: the policy file spells the pool's limits in snake case.
        "limits": {re.sub(r"([A-Z])", r"_\1", k).lower(): v for k, v in limits.items()},
        "data_mounts": [{"name": "reference", "host_path": str(data), "guest_path": "/data/reference"}],
    }
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(policy))
    server = start_runner([
        str(examples_conftest.runner_binary()), "--python-dir", examples_conftest.python_dir(),
        "--policy-file", str(tmp_path / "policy.yaml"),
    ])
    data_arg = shell_value("LOCKED_DOWN_DATA")
    assert data_arg.split("=", 1)[1] + "\n" in config_map["data"]["countries.csv"]
    lines = passed(pool_client("cases", server.url, "--data", data_arg))
    assert lines[-1].startswith("ok   data mount /data/reference/countries.csv")
    passed(pool_client("limit", server.url, "--max-timeout-ms", str(limits["maxTimeoutMs"])))


def test_a_wrong_maximum_fails_and_says_why(runner):
    result = pool_client("limit", runner.url, "--max-timeout-ms", "3000")
    assert result.returncode == 1
    assert "FAIL timeout_ms 3001: want 422 limit_exceeded" in result.stderr
    assert '"outcome": "completed"' in result.stderr, "the answer that came back is shown"


def test_a_wrong_answer_fails_the_case(runner, tmp_path):
    """An example whose program no longer prints what the check expects fails `cases`."""
    folder = tmp_path / "examples"
    shutil.copytree(REPO / "examples", folder, ignore=shutil.ignore_patterns("tests", "agent", "pools"))
    hello = folder / "hello.sh"
    hello.write_text(hello.read_text().replace('print("hello world")', 'print("goodbye")'))
    result = pool_client("cases", runner.url, "--examples", str(folder))
    assert result.returncode == 1
    assert "FAIL hello world printed" in result.stderr and "goodbye" in result.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_probe_tells_open_from_closed():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        address = f"127.0.0.1:{listener.getsockname()[1]}"
        assert passed(pool_client("probe", "open", address)) == [f"ok   {address} open"]
        result = pool_client("probe", "closed", "--attempts", "1", address)
        assert result.returncode == 1 and f"FAIL {address}: connected" in result.stderr
    closed = f"127.0.0.1:{free_port()}"
    assert passed(pool_client("probe", "closed", "--attempts", "2", closed)) == [f"ok   {closed} closed"]
    result = pool_client("probe", "open", "--attempts", "1", closed)
    assert result.returncode == 1 and "no connection in 1 attempts" in result.stderr


def test_it_runs_as_a_command_line_program_without_its_file():
    """The egress checks pass the source with `python3 -c` into an ephemeral container."""
    closed = f"127.0.0.1:{free_port()}"
    result = subprocess.run(
        [sys.executable, "-c", CLIENT.read_text(), "probe", "closed", "--attempts", "1", closed],
        capture_output=True, text=True, timeout=60, cwd="/",
    )
    assert passed(result) == [f"ok   {closed} closed"]



def test_the_packages_pool_lists_and_runs_its_preimports(start_runner, tmp_path):
    """A runner-node serving the example packages folder with the with-packages pool's
    pre-imports, as its pods get them (RUNNER_SITE_PACKAGES, RUNNER_PREIMPORT); a name the
    pool does not pre-import fails the check."""
    site = os.environ.get("RUNNER_TEST_PACKAGES")
    if not site:
        pytest.skip("RUNNER_TEST_PACKAGES unset (scripts/test.sh sets it)")
    pool = yaml.safe_load((REPO / "examples/pools/packages.yaml").read_text())
    preimport = pool["spec"]["packages"]["preimport"]
    server = start_runner([
        str(examples_conftest.runner_binary()), "--python-dir", examples_conftest.python_dir(),
        "--site-packages", site, "--preimport", ",".join(preimport),
        "--memory-mb", str(pool["spec"]["limits"]["memoryMb"]),
        "--module-cache", str(tmp_path / "cache"),
    ])
    lines = passed(pool_client("packages", server.url, "--preimported", " ".join(preimport)))
    assert lines == [f"ok   packages {' '.join(preimport)} pre-imported ({server.url})"]
    result = pool_client("packages", server.url, "--preimported", "python-dateutil")
    assert result.returncode == 1 and "FAIL python-dateutil pre-imported" in result.stderr


def test_the_scientific_pool_check_passes_on_the_scientific_runtime_only(runner, scientific_runner):
    """A runner-node serving the scientific build, as a `runtime: scientific` pool's runners do:
    the check passes there, and fails on the standard runtime, saying why."""
    lines = passed(pool_client("scientific", scientific_runner.url))
    assert len(lines) == 1 and lines[0].startswith("ok   scientific runtime: numpy 2."), lines
    result = pool_client("scientific", runner.url)
    assert result.returncode == 1 and "FAIL runtime scientific" in result.stderr, result.stderr


def test_a_session_keeps_state_at_its_runners_url(runner):
    """What e2e/run.sh checks on the notebooks pool, against a local runner-node (whose session
    urls name the address it was called at)."""
    host = runner.url.removeprefix("http://").rsplit(":", 1)[0]
    lines = passed(pool_client("sessions", runner.url, "--hosts", host))
    assert len(lines) == 1 and lines[0].startswith(f"ok   sessions: state kept between runs at {host}"), lines
    result = pool_client("sessions", runner.url, "--hosts", "10.9.9.9")
    assert result.returncode == 1 and "names a runner pod" in result.stderr, result.stderr
