"""The pods the sidecar webhook makes are valid Kubernetes pods: each `patchedPod` pinned in
tests/golden/webhook/<case>.out.yaml (by tests/webhook.rs) validates, strictly (an unknown
field is an error), against the Pod schema of the oldest supported Kubernetes (1.29: native
sidecars) and the newest kubernetes-validate knows."""

import pathlib

import kubernetes_validate
import pytest
import yaml

GOLDEN = pathlib.Path(__file__).parent / "golden" / "webhook"
VERSIONS = ["1.29.0", kubernetes_validate.latest_version()]
PATCHED = sorted(
    path for path in GOLDEN.glob("*.out.yaml") if "patchedPod" in yaml.safe_load(path.read_text())
)


def test_cases_with_a_patch_exist():
    assert len(PATCHED) >= 2, PATCHED


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("golden", PATCHED, ids=lambda p: p.name.removesuffix(".out.yaml"))
def test_patched_pod_matches_the_pod_schema(golden: pathlib.Path, version: str):
    pod = yaml.safe_load(golden.read_text())["patchedPod"]
    try:
        kubernetes_validate.validate(pod, version, strict=True)
    except kubernetes_validate.ValidationError as err:
        pytest.fail(f"{golden.name} on {version}: {err.message}")
