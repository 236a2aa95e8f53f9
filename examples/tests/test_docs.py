"""The commands README.md and docs/*.md show for a local server work as written.

Every `curl` against localhost:3000 in a ```console or ```sh block is run against a real
runner-node (only the address changes); where a ```console block shows the answer, the answer
must match, except for the run's `id` and `duration_ms`. `scripts/serve.sh` (the first of the
README's two commands) must start a server that answers; `scripts/test.sh` is what CI runs.
The Kubernetes commands are run by the e2e suite on a real cluster.
"""

import json
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


def local_commands():
    """(where, command, expected output or None) for every local curl in the docs."""
    found = []
    for doc in DOCS:
        for kind, body in BLOCK.findall(doc.read_text()):
            for command, shown in commands(kind, body):
                if command.startswith("curl ") and "localhost:3000" in command:
                    found.append((f"{doc.relative_to(REPO)}: {command[:60]}", command, shown))
    return found


COMMANDS = local_commands()


def test_the_docs_have_local_commands():
    where = {w.split(":")[0] for w, _, _ in COMMANDS}
    assert {"README.md", "docs/api.md"} <= where, where
    assert sum(expected is not None for _, _, expected in COMMANDS) >= 3


def comparable(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k not in ("id", "duration_ms")}


@pytest.mark.parametrize("where,command,expected", COMMANDS, ids=[w for w, _, _ in COMMANDS])
def test_local_command_works_as_written(runner, where, command, expected):
    address = runner.url.removeprefix("http://")
    result = subprocess.run(
        ["bash", "-c", command.replace("localhost:3000", address)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    if "/run" not in command:
        # Another endpoint (e.g. /openapi.json): it answered JSON, and any shown answer matches.
        assert expected is None or answer == json.loads(expected), answer
        return
    uuid.UUID(answer["id"])
    assert isinstance(answer["duration_ms"], (int, float))
    if expected is None:
        assert answer["res"]["status"] == "Ok", answer
    else:
        assert comparable(answer) == comparable(json.loads(expected))


def test_serve_sh_starts_a_server_that_answers(start_runner):
    server = start_runner(["bash", str(REPO / "scripts/serve.sh")])
    with urllib.request.urlopen(f"{server.url}/health", timeout=30) as response:
        assert response.read() == b"ok"
