"""examples/pools/*.yaml against the PythonSandboxPool schema the API server enforces
(crds/pythonsandboxpool.yaml), read as JSON Schema the way Kubernetes reads a structural schema:
unknown fields are errors, `nullable` admits null, int-or-string admits both.

The CEL rules of the schema, strict deserialisation into the Rust types and the objects the
operator builds from each example are checked by crates/runner-operator/tests/example_pools.rs.
"""

import copy
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
POOLS = REPO / "examples/pools"
POOL_FILES = sorted(POOLS.glob("*.yaml"))
POOL_LABEL = "sandbox.runner.dev/pool"


def structural(schema: dict) -> dict:
    """A Kubernetes structural schema as plain JSON Schema."""
    schema = dict(schema)
    if schema.pop("x-kubernetes-int-or-string", False):
        schema["type"] = ["integer", "string"]
    if schema.pop("nullable", False) and "type" in schema:
        schema["type"] = [*([schema["type"]] if isinstance(schema["type"], str) else schema["type"]), "null"]
    if "properties" in schema:
        schema["properties"] = {k: structural(v) for k, v in schema["properties"].items()}
        # Kubernetes prunes (and `kubectl apply --validate=strict` refuses) unknown fields.
        if not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema.setdefault("additionalProperties", False)
    if isinstance(schema.get("additionalProperties"), dict):
        schema["additionalProperties"] = structural(schema["additionalProperties"])
    if "items" in schema:
        schema["items"] = structural(schema["items"])
    return schema


@pytest.fixture(scope="module")
def pool_schema():
    crd = yaml.safe_load((REPO / "crds/pythonsandboxpool.yaml").read_text())
    (version,) = crd["spec"]["versions"]
    root = copy.deepcopy(version["schema"]["openAPIV3Schema"])
    # Kubernetes allows these at the root of every object without the CRD listing them, and
    # checks metadata itself.
    root["properties"].setdefault("apiVersion", {"type": "string"})
    root["properties"].setdefault("kind", {"type": "string"})
    root["properties"].setdefault("metadata", {"type": "object", "x-kubernetes-preserve-unknown-fields": True})
    schema = structural(root)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def documents(path: Path) -> list:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def pools() -> dict:
    """Every PythonSandboxPool in examples/pools, by name."""
    return {
        doc["metadata"]["name"]: doc
        for path in POOL_FILES for doc in documents(path) if doc["kind"] == "PythonSandboxPool"
    }


def errors(validator, doc) -> list:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_the_examples_are_the_ones_the_docs_name():
    assert [p.name for p in POOL_FILES] == [
        "autoscaled.yaml", "locked-down.yaml", "minimal.yaml", "notebooks.yaml", "packages.yaml",
        "per-node.yaml", "scientific.yaml", "sidecar.yaml", "tenants.yaml", "traced.yaml",
    ]
    assert set(pools()) == {
        "autoscaled", "locked-down", "minimal", "notebooks", "with-packages", "per-node",
        "scientific", "traced", "with-tenants",
    }
    docs = "\n".join(p.read_text() for p in [REPO / "README.md", *(REPO / "docs").glob("*.md")])
    for path in POOL_FILES:
        assert f"examples/pools/{path.name}" in docs, f"no doc links examples/pools/{path.name}"


@pytest.mark.parametrize("path", POOL_FILES, ids=lambda p: p.name)
def test_every_pool_matches_the_crd_schema(path, pool_schema):
    for doc in documents(path):
        if doc["kind"] == "PythonSandboxPool":
            assert doc["apiVersion"] == "sandbox.runner.dev/v1alpha1"
            assert "namespace" not in doc["metadata"], "examples apply to the current namespace"
            assert errors(pool_schema, doc) == []


def test_the_schema_check_catches_mistakes(pool_schema):
    minimal = pools()["minimal"]

    def broken(**spec):
        doc = copy.deepcopy(minimal)
        doc["spec"] = spec
        return errors(pool_schema, doc)

    assert any("'replica' was unexpected" in e for e in broken(replica=2))
    assert any("'Daemon' is not one of" in e for e in broken(mode="Daemon"))
    assert any(e.startswith("spec.limits.maxMemoryMb") for e in broken(limits={"maxMemoryMb": 8192}))
    assert any("timeout" in e for e in broken(limits={"timeout": 5}))
    assert broken(scratch={"perRun": "8Mi"}) == [] and broken(scratch={"perRun": 1024}) == []
    tracing = {"otlpEndpoint": "http://otel-collector.monitoring:4318"}
    assert broken(tracing=tracing) == []
    assert any(e.startswith("spec.tracing.samplingRatio") for e in broken(tracing={**tracing, "samplingRatio": 2}))
    assert any(e.startswith("spec.tracing: 'otlpEndpoint' is a required") for e in broken(tracing={}))


def test_the_locked_down_pool_ships_its_data():
    (config_map, pool) = documents(POOLS / "locked-down.yaml")
    assert config_map["kind"] == "ConfigMap"
    mounts = pool["spec"]["dataMounts"]
    assert mounts == [{"name": "reference", "configMap": {"name": config_map["metadata"]["name"]}}]
    assert "countries.csv" in config_map["data"]


def test_the_sidecar_pod_names_an_example_pool_and_runs_restricted():
    (pod,) = documents(POOLS / "sidecar.yaml")
    assert pod["kind"] == "Pod" and pod["apiVersion"] == "v1"
    assert pod["metadata"]["labels"][POOL_LABEL] in pools()
    spec = pod["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    for container in spec["containers"]:
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"]["drop"] == ["ALL"]
        assert "limits" in container["resources"]
