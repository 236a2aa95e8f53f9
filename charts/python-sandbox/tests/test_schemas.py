"""Every rendered object validates against the Kubernetes schemas (strictly: unknown fields are
errors) of the oldest supported and the newest known version; the default pool validates
against the chart's own CRD."""

import jsonschema
import kubernetes_validate
import pytest

from chart import EVERYTHING, KUBE_VERSION, only, render

VERSIONS = [KUBE_VERSION, kubernetes_validate.latest_version()]
# Kinds whose schema comes from a CRD, not from Kubernetes: checked below, or not ours.
CUSTOM = {"PythonSandboxPool", "ServiceMonitor", "PodMonitor", "Issuer", "Certificate"}

CASES = {
    "defaults": {},
    "everything": EVERYTHING,
    "one-namespace": {"operator": {"watchNamespace": "apps"}},
    "no-crd-no-rbac": {"crds": {"enabled": False}, "rbac": {"create": False}},
    "cert-manager": {"webhook": {"certManager": {"enabled": True}}},
    "no-webhook": {"webhook": {"enabled": False}},
}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("case", CASES)
def test_objects_match_the_kubernetes_schemas(case: str, version: str):
    objects = [o for o in render(CASES[case]) if o["kind"] not in CUSTOM]
    assert objects
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as err:
            pytest.fail(f"{obj['kind']}/{obj['metadata']['name']} on {version}: {err.message}")


def pool_schema() -> dict:
    crd = only(render(), "CustomResourceDefinition")
    (version,) = crd["spec"]["versions"]
    return version["schema"]["openAPIV3Schema"]


def test_default_pool_matches_the_crd_schema():
    values = {"defaultPool": {"enabled": True, "spec": {"replicas": 2, "limits": {"memoryMb": 64}}}}
    pool = only(render(values), "PythonSandboxPool")
    jsonschema.validate(pool, pool_schema())

