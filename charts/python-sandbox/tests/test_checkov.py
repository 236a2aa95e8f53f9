"""checkov (its Kubernetes policies) finds nothing on the rendered chart nor on the objects the
operator generates (its golden files), except the checks listed in SKIPS, each with its reason.
A skip that no longer fires is stale and fails too, so the list only shrinks."""

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from chart import EVERYTHING, REPO, render

CERT_MANAGER = {"webhook": {"certManager": {"enabled": True}}}

SKIPS = {
    "CKV_K8S_11": "CPU limits: a CPU limit throttles the process (CFS quota) even on an idle "
    "node; CPU requests already share CPU fairly, and memory, which cannot be shared, is "
    "limited. Set limits through operator.resources or the pool's spec.resources if needed.",
    "CKV_K8S_15": "imagePullPolicy Always: images are referenced by release tag or, with "
    "*.image.digest, by digest; pulling on every start only adds a dependency on the registry.",
    "CKV_K8S_38": "service-account token: the operator is the one pod that calls the Kubernetes "
    "API (runner pods mount none: automountServiceAccountToken false, checked by this test).",
    "CKV_K8S_155": "control over mutating webhook configurations: the webhook's ClusterRole "
    "grants get and patch of ONE configuration, the chart's own (resourceNames), so the "
    "operator can put its CA in the caBundle; checkov does not read resourceNames. With "
    "webhook.certManager.enabled the ClusterRole is not rendered.",
    "CKV_K8S_43": "image digest: tags by default, so `helm upgrade` of a new chart version "
    "moves the images with it; operator.image.digest and runner.image.digest pin them.",
}


def checkov_program() -> str:
    program = os.environ.get("CHECKOV")
    assert program and Path(program).exists(), (
        "checkov not found: run `source scripts/lib.sh && ensure_checkov` (scripts/test.sh does)"
    )
    return program


def failures(directory: Path) -> list[tuple[str, str]]:
    """(check id, resource) of every failed check on the manifests in `directory`."""
    result = subprocess.run(
        [checkov_program(), "--directory", str(directory), "--framework", "kubernetes"]
        + ["--output", "json", "--quiet", "--compact", "--skip-download"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    assert any(r.get("summary", {}).get("passed", 0) for r in reports), result.stdout[:2000]
    return [
        (f["check_id"], f["resource"])
        for r in reports
        for f in r.get("results", {}).get("failed_checks", [])
    ]


def assert_only_listed(found: list[tuple[str, str]], stale_check: bool) -> None:
    unlisted = [f for f in found if f[0] not in SKIPS]
    assert not unlisted, f"checkov failures: {unlisted}"
    if stale_check:
        stale = set(SKIPS) - {check for check, _ in found}
        assert not stale, f"skips that no longer fire, remove them: {sorted(stale)}"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("rendered")
    cases = {"defaults": {}, "everything": EVERYTHING, "cert-manager": CERT_MANAGER}
    for case, values in cases.items():
        (directory / f"{case}.yaml").write_text(yaml.safe_dump_all(render(values)))
    return directory


def test_rendered_chart_passes_checkov(rendered: Path):
    assert_only_listed(failures(rendered), stale_check=True)


def test_operator_generated_objects_pass_checkov():
    found = failures(REPO / "crates" / "runner-operator" / "tests" / "golden")
    assert_only_listed(found, stale_check=False)
    assert not [f for f in found if f[0] == "CKV_K8S_38"], "a runner pod mounts a token"
