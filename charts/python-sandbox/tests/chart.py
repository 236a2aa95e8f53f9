"""Helpers shared by the chart tests: render with the real Helm engine, parse, find objects.

`UPDATE_GOLDEN=1 python -m pytest charts/` rewrites the generated files (the CRD template and
the snapshot of the default render); review the diff like any change.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

CHART = Path(__file__).resolve().parent.parent
REPO = CHART.parent.parent
CRD_SOURCE = REPO / "crds" / "pythonsandboxpool.yaml"
CRD_TEMPLATE = CHART / "templates" / "crd-pythonsandboxpool.yaml"
RELEASE = "sandbox"
NAMESPACE = "sandbox-system"
# The oldest Kubernetes the project supports (docs/install.md): CEL rules, native sidecars.
KUBE_VERSION = "1.29.0"

# Every optional object at once; rendered by several tests.
EVERYTHING = {
    "metrics": {
        "serviceMonitor": {"enabled": True},
        "podMonitor": {"enabled": True},
        "dashboard": {"enabled": True},
    },
    "defaultPool": {"enabled": True, "spec": {"replicas": 2}},
    "webhook": {"excludeNamespaces": ["legacy"]},
    "operator": {
        "replicas": 2,
        "networkPolicy": {
            "metricsFrom": [{"namespaceSelector": {"matchLabels": {"name": "monitoring"}}}]
        },
    },
}


def updating() -> bool:
    """Whether generated files are to be rewritten instead of compared."""
    return bool(os.environ.get("UPDATE_GOLDEN"))


def render_files(values: dict[str, Any] | None = None, **opts: Any) -> dict[str, str]:
    """Every template's output, by template path, as `helm template` would print it."""
    opts.setdefault("name", RELEASE)
    opts.setdefault("namespace", NAMESPACE)
    opts.setdefault("is_install", True)
    with helm.Chart.load(CHART) as chart:
        return chart.render(values=values, **opts)


def render(values: dict[str, Any] | None = None, **opts: Any) -> list[dict[str, Any]]:
    """The objects the chart renders, in template order (NOTES.txt left out)."""
    objects = []
    for path, text in sorted(render_files(values, **opts).items()):
        if path.endswith(".yaml"):
            objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects


def only(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    """The one object of `kind` (and `name`), failing with what was rendered instead."""
    found = [o for o in objects if o["kind"] == kind and name in (None, o["metadata"]["name"])]
    assert len(found) == 1, f"want one {kind} {name or ''}, rendered: {summary(objects)}"
    return found[0]


def kinds(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(o["kind"] for o in objects)


def summary(objects: list[dict[str, Any]]) -> list[str]:
    return [f"{o['kind']}/{o['metadata']['name']}" for o in objects]


def operator_pod(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return only(objects, "Deployment")["spec"]["template"]["spec"]


def operator_env(objects: list[dict[str, Any]]) -> dict[str, Any]:
    container = operator_pod(objects)["containers"][0]
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def crd_template(crd_yaml: str) -> str:
    """The chart's CRD template made from the generated `crds/` file: the same object behind
    `crds.enabled`, with the release labels and, with `crds.keep`, Helm's keep annotation."""
    body = crd_yaml.split("\n---\n", 1)[1]
    anchor = "metadata:\n  name: pythonsandboxpools.sandbox.runner.dev\n"
    assert anchor in body, f"{CRD_SOURCE} no longer starts with {anchor!r}"
    assert "{{" not in body, "the CRD holds '{{', which Helm would read as a template action"
    metadata = anchor + (
        "  labels:\n"
        '    {{- include "python-sandbox.labels" . | nindent 4 }}\n'
        "  {{- if .Values.crds.keep }}\n"
        "  annotations:\n"
        "    # Uninstalling the release keeps the CRD, and so every pool.\n"
        "    helm.sh/resource-policy: keep\n"
        "  {{- end }}\n"
    )
    return (
        "{{- /* Generated from crds/pythonsandboxpool.yaml by charts/python-sandbox/tests\n"
        "(UPDATE_GOLDEN=1 python -m pytest charts/); do not edit by hand. */}}\n"
        "{{- if .Values.crds.enabled }}\n"
        + body.replace(anchor, metadata, 1)
        + "{{- end }}\n"
    )


def target_dir() -> Path:
    """The cargo target dir scripts/lib.sh uses."""
    if "CARGO_TARGET_DIR" in os.environ:
        return Path(os.environ["CARGO_TARGET_DIR"])
    cache = os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))
    return Path(os.environ.get("SANDBOX_CACHE", Path(cache) / "python-sandbox")) / "target"


def operator(*args: str) -> str:
    """Output of the workspace's `runner-operator` with `args`, built first if needed. The
    build takes the whole workspace with its tests, as `cargo nextest` does, so after the test
    stage of scripts/test.sh it rebuilds nothing."""
    env = dict(os.environ, CARGO_TARGET_DIR=str(target_dir()))
    subprocess.run(
        ["cargo", "build", "--locked", "--quiet", "--workspace", "--all-targets"],
        cwd=REPO,
        env=env,
        check=True,
    )
    binary = target_dir() / "debug" / "runner-operator"
    return subprocess.run([binary, *args], check=True, capture_output=True, text=True).stdout
