"""The commands README.md and docs/*.md show for a local server work as written.

Every `curl` against localhost:3000 in a ```console or ```sh block is run against a real
runner-node (only the address changes); where a ```console block shows the answer, the answer
must match, except for the run's `id` and `duration_ms`. `scripts/serve.sh` (the first of the
README's two commands) must start a server that answers; `scripts/test.sh` is what CI runs.
The Kubernetes commands are run by the e2e suite on a real cluster.
"""

import json
import os
import re
import shlex
import subprocess
import urllib.request
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```(console|sh)\n(.*?)^```", re.DOTALL | re.MULTILINE)


def commands(kind: str, body: str):
    """(command, the output shown after it or None) for each command of a block; a command
    may span lines (a trailing backslash, or a quote left open)."""
    lines = body.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if kind == "console":
            if not line.startswith("$ "):
                continue
            line = line[2:]
        command = line
        while True:
            try:
                shlex.split(command)
                complete = not command.endswith("\\")
            except ValueError:  # a quote still open
                complete = False
            if complete or i >= len(lines):
                break
            command += "\n" + lines[i]
            i += 1
        shown = None
        if kind == "console" and i < len(lines) and not lines[i].startswith("$ "):
            shown = lines[i]
        yield command, shown


# A block that keeps an answer in a shell variable (`url=$(curl ... localhost:3000 ...)`) is one
# script: its commands need each other.
SCRIPT_START = re.compile(r"^\w+=\$\(curl [^\n]*localhost:3000", re.MULTILINE)
# `# → VALUE` at the end of a script's line: a line the script must print.
PRINTS = re.compile(r"#\s*→\s*(.+?)\s*$", re.MULTILINE)


def local_scripts():
    """(where, script, lines it must print) for every script block of the docs."""
    found = []
    for doc in DOCS:
        for kind, body in BLOCK.findall(doc.read_text()):
            if kind == "sh" and SCRIPT_START.match(body):
                where = f"{doc.relative_to(REPO)}: {body.splitlines()[0][:60]}"
                found.append((where, body, PRINTS.findall(body)))
    return found


def local_commands():
    """(where, command, expected output or None, serve.sh arguments) for every local curl in
    the docs outside scripts; the arguments are those of the `bash scripts/serve.sh` line of the
    same block."""
    found = []
    for doc in DOCS:
        for kind, body in BLOCK.findall(doc.read_text()):
            if kind == "sh" and SCRIPT_START.match(body):
                continue
            serve_args = []
            for command, shown in commands(kind, body):
                if command.startswith("bash scripts/serve.sh"):
                    serve_args = shlex.split(command)[2:]
                if command.startswith("curl ") and "localhost:3000" in command:
                    where = f"{doc.relative_to(REPO)}: {command[:60]}"
                    found.append((where, command, shown, serve_args))
    return found


COMMANDS = local_commands()
SCRIPTS = local_scripts()


def test_the_docs_have_local_commands():
    where = {w.split(":")[0] for w, _, _, _ in COMMANDS}
    assert {"README.md", "docs/api.md"} <= where, where
    assert sum(expected is not None for _, _, expected, _ in COMMANDS) >= 3
    assert any("--site-packages" in args for _, _, _, args in COMMANDS)


def comparable(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k not in ("id", "duration_ms", "cpu_ms")}


def packages_folder() -> str:
    """The folder the README makes with pip from examples/packages/requirements.txt."""
    folder = os.environ.get("RUNNER_TEST_PACKAGES")
    if not folder:
        pytest.fail("RUNNER_TEST_PACKAGES is not set: scripts/test.sh makes the folder")
    return folder


@pytest.mark.parametrize(
    "where,command,expected,serve_args", COMMANDS, ids=[w for w, _, _, _ in COMMANDS]
)
def test_local_command_works_as_written(runner, start_runner, where, command, expected,
                                        serve_args):
    if serve_args:
        # The block starts its own server (e.g. with --site-packages ./packages): start that one,
        # with the folder the README's pip command makes.
        args = [packages_folder() if a == "./packages" else a for a in serve_args]
        runner = start_runner(args=args)
    address = runner.url.removeprefix("http://")
    result = subprocess.run(
        ["bash", "-c", command.replace("localhost:3000", address)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    if "application/x-ndjson" in command:
        # A streamed answer: one event per line, the result last.
        events = [json.loads(line) for line in result.stdout.splitlines()]
        assert events[-1]["type"] == "result" and events[-1]["res"]["status"] == "Ok", events
        streamed = "".join(e["data"] for e in events if e["type"] in ("stdout", "stderr"))
        assert streamed == events[-1]["res"]["output"], events
        assert expected is None or events[0] == json.loads(expected), events
        return
    answer = json.loads(result.stdout)
    if "/run" not in command or "| jq" in command:
        # Another endpoint (e.g. /openapi.json), or a part of the answer picked by jq: it is
        # JSON and not null (jq's answer for a missing field), and any shown answer matches.
        assert answer is not None, command
        assert expected is None or answer == json.loads(expected), answer
        return
    uuid.UUID(answer["id"])
    assert isinstance(answer["duration_ms"], (int, float))
    assert isinstance(answer["cpu_ms"], (int, float))
    if expected is None:
        assert answer["res"]["status"] == "Ok", answer
    else:
        assert comparable(answer) == comparable(json.loads(expected))


def test_the_docs_have_session_scripts():
    where = {w.split(":")[0] for w, _, _ in SCRIPTS}
    assert {"README.md", "docs/api.md"} <= where, where
    assert all(prints for _, _, prints in SCRIPTS), "each script says what it prints"


@pytest.mark.parametrize("where,script,prints", SCRIPTS, ids=[w for w, _, _ in SCRIPTS])
def test_local_script_works_as_written(runner, where, script, prints):
    address = runner.url.removeprefix("http://")
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script.replace("localhost:3000", address)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    printed = result.stdout.splitlines()
    for line in prints:
        assert line in printed, (line, result.stdout)


def test_serve_sh_starts_a_server_that_answers(start_runner):
    server = start_runner(["bash", str(REPO / "scripts/serve.sh")])
    with urllib.request.urlopen(f"{server.url}/health", timeout=30) as response:
        assert response.read() == b"ok"


def test_serve_sh_listens_on_loopback_unless_told_otherwise(start_runner):
    """A laptop's server is not offered to its network: serve.sh binds 127.0.0.1 unless
    RUNNER_HOST (or --host) says otherwise."""
    env = {k: v for k, v in os.environ.items() if k != "RUNNER_HOST"}
    # The usual test flags but --host.
    flags = ["--port", "0", "--admin-port", "0", "--log-format", "json"]
    server = start_runner(["bash", str(REPO / "scripts/serve.sh")], flags=flags, env=env)
    assert server.url.startswith("http://127.0.0.1:"), server.url
