"""A real runner-node for the example tests: the binary from the shared cargo target dir, the
CPython-for-WASI build from python-wasi/build.sh, on a free loopback port."""

import json
import os
import queue
import subprocess
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
# Longest wait for the server to log that it listens: a cold start compiles the interpreter.
START_TIMEOUT_S = 600


def python_dir(runtime: str = "standard") -> str:
    """The folder python-wasi/build.sh builds `runtime` into (for the standard runtime,
    RUNNER_PYTHON_DIR when set)."""
    variant = [] if runtime == "standard" else ["--variant", runtime]
    folder = (runtime == "standard" and os.environ.get("RUNNER_PYTHON_DIR")) or subprocess.run(
        ["bash", str(REPO / "python-wasi/build.sh"), *variant, "--print-dir"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    if not (Path(folder) / "python.wasm").is_file():
        build = " ".join(["bash python-wasi/build.sh", *variant])
        pytest.fail(f"no CPython for WASI ({runtime}) in {folder}: run `{build}` first")
    return folder


def runner_binary() -> Path:
    """RUNNER_NODE when set (a binary to test as is), else builds runner-node if needed (a
    no-op when cargo finds it fresh) and returns its path."""
    if os.environ.get("RUNNER_NODE"):
        return Path(os.environ["RUNNER_NODE"])
    cache = os.environ.get("SANDBOX_CACHE", str(Path.home() / ".cache/python-sandbox"))
    target = Path(os.environ.get("CARGO_TARGET_DIR", f"{cache}/target"))
    # The whole workspace with its tests, as cargo nextest builds it: after scripts/test.sh's
    # nextest stage this compiles nothing (`-p runner-node` would unify features differently
    # and build much of the dependency tree a second time).
    subprocess.run(
        ["cargo", "build", "--locked", "--quiet", "--workspace", "--all-targets"],
        cwd=REPO, check=True, env={**os.environ, "CARGO_TARGET_DIR": str(target)},
    )
    return target / "debug/runner-node"


class RunnerNode:
    """A runner-node process; `url` is where it listens."""

    # Loopback, a free port, and JSON logs: the "listening" line carries the address.
    FLAGS = ("--host", "127.0.0.1", "--port", "0", "--admin-port", "0", "--log-format", "json")

    def __init__(self, command=None, args=(), runtime="standard", flags=FLAGS, env=None):
        """Starts `command` (default: the freshly built binary serving `runtime`, with `args`)
        with `flags` added (FLAGS unless a test must leave one out), in `env` (this process's
        environment when None)."""
        if command is None:
            command = [str(runner_binary()), "--python-dir", python_dir(runtime), *args]
        self.process = subprocess.Popen(
            [*command, *flags], stdout=subprocess.PIPE, text=True, env=env
        )
        self.logs: queue.Queue = queue.Queue()
        threading.Thread(target=self._read_logs, daemon=True).start()
        self.url = f"http://{self._wait_listening()}"

    def _read_logs(self):
        # Keeps draining so the server never blocks on a full pipe.
        for line in self.process.stdout:
            self.logs.put(line)
        self.logs.put(None)

    def _wait_listening(self) -> str:
        while True:
            try:
                line = self.logs.get(timeout=START_TIMEOUT_S)
            except queue.Empty:
                self.stop()
                pytest.fail(f"runner-node did not listen within {START_TIMEOUT_S} s")
            if line is None:
                pytest.fail(f"runner-node exited ({self.process.wait()}) before listening")
            entry = json.loads(line)
            if entry["fields"].get("message") == "runner-node listening":
                return entry["fields"]["addr"]

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="session")
def runner():
    """One runner-node with default settings, shared by every test of the session."""
    server = RunnerNode()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def scientific_runner():
    """One runner-node serving the scientific runtime (numpy and pandas), shared by the session."""
    server = RunnerNode(runtime="scientific")
    yield server
    server.stop()


@pytest.fixture
def start_runner():
    """`start_runner(command)` starts another runner-node from `command`, or
    `start_runner(args=[...], runtime=...)` the built one with more flags (stopped after the
    test); the `runner` fixture is the one to use unless a test needs its own."""
    servers = []

    def start(command=None, args=(), runtime="standard", **options):
        servers.append(RunnerNode(command, args, runtime, **options))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def example_runner(server: RunnerNode):
    """`run("hello.sh", VAR="x")` runs `examples/hello.sh` against `server` and returns its
    stdout; the test fails unless the script exits 0."""

    def run(script: str, **env: str) -> str:
        result = subprocess.run(
            ["bash", str(EXAMPLES / script)],
            env={**os.environ, "RUNNER_URL": server.url, **env},
            capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 0, (
            f"{script} exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
        return result.stdout

    return run


@pytest.fixture
def example(runner):
    """An example script against the shared standard runner-node (see example_runner)."""
    return example_runner(runner)


@pytest.fixture
def scientific_example(scientific_runner):
    """An example script against the shared scientific runner-node (see example_runner)."""
    return example_runner(scientific_runner)
