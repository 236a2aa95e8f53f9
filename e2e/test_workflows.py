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


def test_the_three_workflows_exist():
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "e2e.yml", "release.yml"]


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


RELEASE = REPO / ".github/workflows/release.yml"


def release_step(workflow: dict, job: str, name: str) -> dict:
    return next(s for s in workflow["jobs"][job]["steps"] if s.get("name") == name or s.get("id") == name)


def test_release_runs_on_version_tags_only():
    workflow = load(RELEASE)
    # PyYAML reads the key `on` as True.
    assert workflow[True] == {"push": {"tags": ["v*.*.*"]}}


@pytest.mark.parametrize(
    "tag, ok",
    [("v{chart}", True), ("v{chart}.1", False), ("v99.0.0", False)],
)
def test_release_refuses_a_tag_other_than_the_charts_version(tmp_path, tag, ok):
    chart = yaml.safe_load((REPO / "charts/python-sandbox/Chart.yaml").read_text())
    assert chart["version"] == chart["appVersion"]
    step = release_step(load(RELEASE), "version", "version")
    output = tmp_path / "output"
    output.touch()
    result = subprocess.run(
        ["bash", "-c", step["run"]], cwd=REPO, capture_output=True, text=True,
        env={**os.environ, "TAG": tag.format(chart=chart["version"]), "GITHUB_OUTPUT": str(output)},
    )
    if ok:
        assert result.returncode == 0, result.stdout + result.stderr
        assert output.read_text() == f"version={chart['version']}\n"
    else:
        assert result.returncode == 1
        assert f"set both to {tag.format(chart=chart['version'])[1:]}" in result.stdout
        assert output.read_text() == ""


def test_release_builds_every_image_natively_for_both_architectures():
    workflow = load(RELEASE)
    job = workflow["jobs"]["images"]
    runners = {leg["arch"]: leg["runner"] for leg in job["strategy"]["matrix"]["include"]}
    assert set(runners) == {"amd64", "arm64"}
    assert "arm" in runners["arm64"] and "arm" not in runners["amd64"]
    uses = [s.get("uses", "") for s in job["steps"]]
    assert not any("setup-qemu" in u for u in uses), "arm64 must not be built under emulation"
    builds = [s for s in job["steps"] if s.get("uses", "").startswith("docker/build-push-action@")]
    dockerfile = (REPO / "images/release.Dockerfile").read_text()
    stages = set(re.findall(r"^FROM \S+ AS (\S+)$", dockerfile, re.MULTILINE))
    assert {b["with"]["target"] for b in builds} == {"runner-node", "runner-node-scientific", "runner-operator"}
    for build in builds:
        assert build["with"]["target"] in stages
        assert build["with"]["file"] == "images/release.Dockerfile"
        assert build["with"]["sbom"] is True and build["with"]["provenance"] == "mode=max"
        assert build["with"]["tags"].endswith("-${{ matrix.arch }}")


def test_release_publishes_the_names_the_chart_pulls():
    workflow = load(RELEASE)
    values = yaml.safe_load((REPO / "charts/python-sandbox/values.yaml").read_text())
    registry = workflow["env"]["REGISTRY"]
    pushed = {
        b["with"]["tags"].split(":")[0].replace("${{ env.REGISTRY }}", registry)
        for b in workflow["jobs"]["images"]["steps"] if "tags" in b.get("with", {})
    }
    pulled = {
        values["operator"]["image"]["repository"],
        values["runner"]["image"]["repository"],
        values["runner"]["scientificImage"]["repository"],
    }
    assert pushed == pulled
    # The scientific image's tag is the chart's default for it: appVersion + "-scientific".
    publish = release_step(workflow, "publish", "join the architectures and sign")["run"]
    assert 'runner-node:"$VERSION"-scientific' in publish


def test_release_signs_images_and_chart_with_the_only_write_grants():
    workflow = load(RELEASE)
    signing = {"publish", "chart"}
    for name, job in workflow["jobs"].items():
        scripts = "\n".join(s.get("run", "") for s in job["steps"])
        granted = job.get("permissions", {})
        if name in signing:
            assert "cosign sign --yes" in scripts, name
            assert granted["id-token"] == "write", name
        else:
            assert "id-token" not in granted, name
    chart = "\n".join(s.get("run", "") for s in workflow["jobs"]["chart"]["steps"])
    assert 'helm push "dist/python-sandbox-$VERSION.tgz" "oci://$REGISTRY/charts"' in chart
    assert "gh release create" in chart and "--verify-tag" in chart
    assert workflow["jobs"]["chart"]["permissions"]["contents"] == "write"
    assert all(
        job.get("permissions", {}).get("contents", "read") == "read"
        for name, job in workflow["jobs"].items() if name != "chart"
    )
