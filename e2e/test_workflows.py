"""The GitHub workflows (.github/workflows): valid against the workflow schema, clean under
zizmor's audits, every action pinned to a commit, every `run:` script shellcheck-clean, and
running what this repository runs here (.ci/run, e2e/run.sh) with the caches docs/ci.md names.

They cannot run on this machine (no GitHub), so this is what can be checked of them here."""

import os
import sys
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((REPO / ".github/workflows").glob("*.yml"))
# `uses: owner/repo@<40 hex> # vX.Y.Z`: a commit cannot be moved the way a tag can.
PINNED = re.compile(r"^\s*(?:- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def tool(name: str) -> str:
    """A tool of the test venv (scripts/requirements-test.txt)."""
    found = shutil.which(name) or shutil.which(name, path=os.path.dirname(sys.executable))
    assert found, f"{name} is not installed: run through scripts/test.sh (ensure_pytools)"
    return found


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def steps(workflow: dict) -> list:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_the_two_workflows_exist():
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "e2e.yml"]


def test_workflows_match_the_github_workflow_schema():
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing():
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", *map(str, WORKFLOWS)],
        capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit(path):
    uses = [line for line in path.read_text().splitlines() if "uses:" in line]
    assert uses
    for line in uses:
        assert PINNED.match(line), f"not pinned to a commit with its version: {line.strip()}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_run_scripts_are_shellcheck_clean(path, tmp_path):
    scripts = [step["run"] for step in steps(load(path)) if "run" in step]
    assert scripts
    for i, script in enumerate(scripts):
        # Expressions would be pasted into the script by GitHub: keep them in env instead.
        assert "${{" not in script, f"an expression inside a run script: {script}"
        file = tmp_path / f"step{i}.sh"
        file.write_text(script)
        result = subprocess.run(["shellcheck", "-s", "bash", str(file)], capture_output=True, text=True)
        assert result.returncode == 0, f"{script}\n{result.stdout}"


def test_ci_runs_ci_run_with_the_caches():
    workflow = load(REPO / ".github/workflows/ci.yml")
    runs = [step.get("run", "") for step in steps(workflow)]
    assert "bash .ci/run" in runs
    cached = "\n".join(s["with"]["path"] for s in steps(workflow) if s.get("uses", "").startswith("actions/cache@"))
    for path in ["~/.cache/python-sandbox/target", "~/.cache/python-sandbox/python-wasi", "~/.cargo/registry"]:
        assert path in cached, path


def test_e2e_runs_the_kind_suite_with_the_tools_it_needs():
    workflow = load(REPO / ".github/workflows/e2e.yml")
    all_steps = steps(workflow)
    assert "bash e2e/run.sh" in [step.get("run", "") for step in all_steps]
    uses = " ".join(step.get("uses", "") for step in all_steps)
    assert "helm/kind-action@" in uses and "setup-helm@" in uses
    kind = re.search(r'^MIN_KIND=([\d.]+)', (REPO / "e2e/run.sh").read_text(), re.MULTILINE).group(1)
    pinned = workflow["env"]["KIND_VERSION"].removeprefix("v")
    assert tuple(map(int, pinned.split("."))) >= tuple(map(int, kind.split(".")))
    cached = "\n".join(s["with"]["path"] for s in all_steps if s.get("uses", "").startswith("actions/cache@"))
    assert "~/.cache/python-sandbox/target" in cached and "~/.cache/python-sandbox/python-wasi" in cached
    upload = [s for s in all_steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload and upload[0]["if"] == "failure()" and upload[0]["with"]["path"] == "e2e/artifacts/diagnostics"


def test_workflows_grant_only_read_access():
    for path in WORKFLOWS:
        assert load(path)["permissions"] == {"contents": "read"}, path.name
