"""checkov on the pods the sidecar webhook makes.

tests/webhook.rs pins each patched pod in tests/golden/webhook/<case>.out.yaml (`patchedPod`);
this runs checkov's Kubernetes checks on exactly those pods, offline. checkov lives in a venv of
its own (scripts/requirements-checkov.txt says why): $CHECKOV names its executable, else
`checkov` on PATH.
"""

import json
import os
import pathlib
import shutil
import subprocess

import pytest
import yaml

GOLDEN = pathlib.Path(__file__).parent / "golden" / "webhook"

# Checks that judge the application or the cluster, not what the webhook adds.
NOT_THE_SIDECARS = {
    "CKV2_K8S_6": "NetworkPolicy is a separate object (the app's and the pool's)",
    "CKV_K8S_11": "no CPU limit by design: the pool's default requests CPU and caps memory",
    "CKV_K8S_15": "pull policy is the pool's imagePullPolicy, the user's choice",
    "CKV_K8S_43": "image digests are the user's choice (pool.spec.image)",
}

PATCHED = sorted(
    path for path in GOLDEN.glob("*.out.yaml") if "patchedPod" in yaml.safe_load(path.read_text())
)


CHECKOV = os.environ.get("CHECKOV") or shutil.which("checkov")


def test_cases_with_a_patch_exist():
    assert len(PATCHED) >= 2, PATCHED


@pytest.mark.parametrize("golden", PATCHED, ids=lambda p: p.name.removesuffix(".out.yaml"))
@pytest.mark.skipif(
    CHECKOV is None,
    reason="checkov not installed: pip install -r scripts/requirements-checkov.txt into its own "
    "venv and set CHECKOV to its bin/checkov",
)
def test_patched_pod_passes_checkov(golden, tmp_path):
    pod = yaml.safe_load(golden.read_text())["patchedPod"]
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(yaml.safe_dump(pod))
    result = subprocess.run(
        [
            CHECKOV,
            "--file", str(manifest),
            "--framework", "kubernetes",
            "--output", "json",
            "--quiet",
            # Offline: no policy download, no guideline lookup.
            "--skip-download",
            "--skip-check", ",".join(NOT_THE_SIDECARS),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
        check=False,
    )
    report = json.loads(result.stdout)
    failed = [
        f"{c['check_id']} {c['check_name']}" for c in report["results"]["failed_checks"]
    ]
    assert failed == [], failed
    assert report["summary"]["passed"] > 0
    assert report["summary"]["parsing_errors"] == 0
