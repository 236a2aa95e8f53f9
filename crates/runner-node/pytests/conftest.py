"""A real runner-node binary on loopback ports, for tests written in Python (Prometheus'
parser, schemathesis). The binary is built by cargo, which is a no-op when it is up to date."""

import functools
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import threading
import urllib.request

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]


@functools.cache
def runner_node_binary() -> str:
    """Builds runner-node (or finds it up to date) and returns a private copy of it: the target
    folder may be shared with other checkouts whose builds replace the executable."""
    # The whole workspace with its tests, as cargo nextest builds it: after scripts/test.sh's
    # nextest stage this compiles nothing (`-p runner-node` would unify features differently
    # and build much of the dependency tree a second time).
    build = subprocess.run(
        ["cargo", "build", "--quiet", "--locked", "--workspace", "--all-targets",
         "--message-format=json"],
        cwd=REPO, check=True, capture_output=True, text=True,
    )
    for line in build.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable") \
                and message["target"]["name"] == "runner-node" \
                and message["target"]["kind"] == ["bin"] and not message["profile"]["test"]:
            copy = pathlib.Path(tempfile.mkdtemp(prefix="runner-node-")) / "runner-node"
            shutil.copy2(message["executable"], copy)
            return str(copy)
    raise RuntimeError("cargo built no runner-node executable")


class Runner:
    """A runner-node process; `url` is the main port, `admin_url` the admin port (or None)."""

    def __init__(self, *args: str, admin_port: str = "0"):
        if "RUNNER_PYTHON_DIR" not in os.environ:
            pytest.fail("RUNNER_PYTHON_DIR is not set: run the tests with scripts/test.sh")
        self.process = subprocess.Popen(
            [runner_node_binary(), "--host", "127.0.0.1", "--port", "0", "--admin-port", admin_port,
             "--log-format", "json", *args],
            stdout=subprocess.PIPE, text=True, env={**os.environ, "RUST_LOG": "info"},
        )
        self.logs: list[dict] = []
        listening = self._read_until("runner-node listening")
        self.url = f"http://{listening['fields']['addr']}"
        admin = listening["fields"].get("admin")
        self.admin_url = f"http://{admin}" if admin else None
        # Keep draining the log pipe so a chatty server never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()

    def _read_until(self, message: str) -> dict:
        for line in self.process.stdout:
            entry = json.loads(line)
            self.logs.append(entry)
            if entry["fields"].get("message") == message:
                return entry
        raise RuntimeError(f"runner-node exited before logging {message!r}: {self.logs}")

    def _drain(self) -> None:
        for line in self.process.stdout:
            self.logs.append(json.loads(line))

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(),
            headers={"content-type": "application/json"}, method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as err:
            return err.code, json.load(err)

    def stop(self) -> None:
        self.process.terminate()
        assert self.process.wait(timeout=60) == 0


@pytest.fixture(scope="module")
def runner():
    server = Runner()
    yield server
    server.stop()
