"""The chart grants exactly the rules runner-operator declares it needs
(crates/runner-operator/src/rbac.rs, printed by `runner-operator rbac`), which the operator's
own tests check against every request it makes: neither list can drift from the code."""

import pytest
import yaml

from chart import NAMESPACE, only, operator, operator_env, render


@pytest.fixture(scope="module")
def declared() -> dict[str, dict]:
    """The operator's ClusterRole and Lease Role, by kind."""
    docs = [d for d in yaml.safe_load_all(operator("rbac", "--namespace", NAMESPACE)) if d]
    return {d["kind"]: d for d in docs}


def normalised(rules: list[dict]) -> list[dict]:
    """Rules with Kubernetes' defaults made explicit and lists sorted, for comparison."""
    return sorted(
        (
            {
                "apiGroups": sorted(r.get("apiGroups", [])),
                "resources": sorted(r.get("resources", [])),
                "resourceNames": sorted(r.get("resourceNames", [])),
                "verbs": sorted(r["verbs"]),
            }
            for r in rules
        ),
        key=repr,
    )


def test_cluster_role_has_the_declared_rules(declared):
    chart_role = only(render(), "ClusterRole")
    assert normalised(chart_role["rules"]) == normalised(declared["ClusterRole"]["rules"])


def test_one_namespace_role_has_the_same_rules(declared):
    objects = render({"operator": {"watchNamespace": "apps"}})
    role = next(o for o in objects if o["kind"] == "Role" and o["metadata"]["namespace"] == "apps")
    assert normalised(role["rules"]) == normalised(declared["ClusterRole"]["rules"])


def test_lease_role_has_the_declared_rules_for_the_release_lease(declared):
    objects = render()
    lease = operator_env(objects)["LEASE_NAME"]
    role = next(o for o in objects if o["kind"] == "Role")
    want = [
        dict(rule, resourceNames=[lease]) if rule.get("resourceNames") else rule
        for rule in declared["Role"]["rules"]
    ]
    assert normalised(role["rules"]) == normalised(want)


def test_no_secrets_pods_or_exec_anywhere():
    objects = render({"operator": {"watchNamespace": "apps"}}) + render()
    granted = {
        resource
        for o in objects
        if o["kind"] in ("Role", "ClusterRole")
        for rule in o["rules"]
        for resource in rule["resources"]
    }
    assert not granted & {"secrets", "pods", "pods/exec", "nodes", "customresourcedefinitions"}
