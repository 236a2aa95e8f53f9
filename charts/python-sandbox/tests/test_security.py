"""Pod security: the operator pod the chart renders and the runner pods the operator generates
(its golden files) meet the Kubernetes `restricted` Pod Security Standard and more: read-only
root filesystem, a memory limit, and no service-account token where none is needed."""

import pytest
import yaml

from chart import REPO, operator_pod, render

GOLDEN = REPO / "crates" / "runner-operator" / "tests" / "golden"
# Volume types the restricted profile allows.
ALLOWED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}


def restricted_violations(pod: dict) -> list[str]:
    """What in `pod` (a PodSpec) breaks the restricted profile or this project's rules."""
    found = []
    pod_context = pod.get("securityContext", {})
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(key):
            found.append(f"{key} is on")
    for volume in pod.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUMES:
            found.append(f"volume {volume['name']} is {kinds}")
    for c in pod.get("initContainers", []) + pod["containers"]:
        ctx = c.get("securityContext", {})
        name = c["name"]
        if ctx.get("privileged"):
            found.append(f"{name}: privileged")
        if ctx.get("allowPrivilegeEscalation") is not False:
            found.append(f"{name}: allowPrivilegeEscalation is not false")
        if ctx.get("capabilities", {}).get("drop") != ["ALL"]:
            found.append(f"{name}: capabilities not dropped (ALL)")
        if set(ctx.get("capabilities", {}).get("add", [])) - {"NET_BIND_SERVICE"}:
            found.append(f"{name}: adds capabilities")
        if not ctx.get("runAsNonRoot", pod_context.get("runAsNonRoot")):
            found.append(f"{name}: runAsNonRoot is not true")
        if ctx.get("runAsUser", pod_context.get("runAsUser", 0)) == 0:
            found.append(f"{name}: no non-zero runAsUser (the image's user is not trusted)")
        seccomp = ctx.get("seccompProfile", pod_context.get("seccompProfile", {}))
        if seccomp.get("type") not in ("RuntimeDefault", "Localhost"):
            found.append(f"{name}: seccomp profile is {seccomp.get('type')}")
        if any("hostPort" in p for p in c.get("ports", [])):
            found.append(f"{name}: hostPort")
        if ctx.get("readOnlyRootFilesystem") is not True:
            found.append(f"{name}: root filesystem is writable")
        if "memory" not in c.get("resources", {}).get("limits", {}):
            found.append(f"{name}: no memory limit")
        if not (c.get("livenessProbe") and c.get("readinessProbe")):
            found.append(f"{name}: no liveness and readiness probes")
    return found


def runner_pods() -> list:
    """The pod of every runner workload in the operator's golden files, one test case each."""
    pods = []
    for path in sorted(GOLDEN.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc["kind"] in ("Deployment", "DaemonSet"):
                pod = doc["spec"]["template"]["spec"]
                pods.append(pytest.param(pod, id=f"{path.stem}-{doc['kind']}"))
    return pods


def test_the_check_catches_what_it_should():
    pod = operator_pod(render())
    pod["containers"][0]["securityContext"]["readOnlyRootFilesystem"] = False
    pod["hostNetwork"] = True
    pod["volumes"] = [{"name": "root", "hostPath": {"path": "/"}}]
    assert len(restricted_violations(pod)) == 3


def test_operator_pod_is_restricted():
    assert restricted_violations(operator_pod(render())) == []


@pytest.mark.parametrize("pod", runner_pods())
def test_runner_pods_are_restricted_and_hold_no_token(pod: dict):
    assert restricted_violations(pod) == []
    assert pod["automountServiceAccountToken"] is False
    assert pod["enableServiceLinks"] is False


def test_only_the_operator_mounts_a_token():
    objects = render({"defaultPool": {"enabled": True}})
    account = next(o for o in objects if o["kind"] == "ServiceAccount")
    assert account["automountServiceAccountToken"] is False
    assert operator_pod(objects)["automountServiceAccountToken"] is True


def test_runner_golden_files_exist():
    # Guards the parametrised test above against silently running on nothing.
    assert len(runner_pods()) >= 4, f"no runner pods found in {GOLDEN}"
