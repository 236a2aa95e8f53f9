"""The chart grants exactly the rules runner-operator declares it needs
(crates/runner-operator/src/rbac.rs, printed by `runner-operator rbac`), which the operator's
own tests check against every request it makes: neither list can drift from the code. The
webhook's rules name this release's Secret and webhook configuration, so `rbac` is asked with
the names the chart hands the operator."""

import functools

import pytest
import yaml

from chart import NAMESPACE, operator, operator_env, render

CERT_MANAGER = {"webhook": {"certManager": {"enabled": True}}}


@functools.cache
def declared(*args: str) -> dict[str, dict]:
    """`runner-operator rbac --namespace NAMESPACE ARGS`, by `kind/name`."""
    docs = [d for d in yaml.safe_load_all(operator("rbac", "--namespace", NAMESPACE, *args)) if d]
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in docs}


def declared_for(objects: list[dict]) -> dict[str, dict]:
    """What the operator declares it needs when run as the chart runs it."""
    env = operator_env(objects)
    if "WEBHOOK_ADDR" not in env:
        return declared("--no-webhook")
    return declared(
        "--webhook-secret",
        env["WEBHOOK_SECRET"],
        "--webhook-configuration",
        env["WEBHOOK_CONFIGURATION"],
        "--webhook-certificates",
        env["WEBHOOK_CERTIFICATES"],
    )


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


def roles(objects: list[dict], kind: str, suffix: str = "") -> list[dict]:
    """The chart's Roles or ClusterRoles whose name ends with `suffix` (`-lease`, `-webhook`)
    or, without one, ends with neither."""
    found = [o for o in objects if o["kind"] == kind]
    if suffix:
        return [o for o in found if o["metadata"]["name"].endswith(suffix)]
    return [o for o in found if not o["metadata"]["name"].endswith(("-lease", "-webhook"))]


def test_cluster_role_has_the_declared_rules():
    objects = render()
    (chart_role,) = roles(objects, "ClusterRole")
    want = declared_for(objects)["ClusterRole/runner-operator"]
    assert normalised(chart_role["rules"]) == normalised(want["rules"])


def test_one_namespace_role_has_the_same_rules():
    objects = render({"operator": {"watchNamespace": "apps"}})
    (role,) = [o for o in roles(objects, "Role") if o["metadata"]["namespace"] == "apps"]
    want = declared_for(objects)["ClusterRole/runner-operator"]
    assert normalised(role["rules"]) == normalised(want["rules"])


def test_lease_role_has_the_declared_rules_for_the_release_lease():
    objects = render()
    lease = operator_env(objects)["LEASE_NAME"]
    (role,) = roles(objects, "Role", "-lease")
    want = [
        dict(rule, resourceNames=[lease]) if rule.get("resourceNames") else rule
        for rule in declared_for(objects)["Role/runner-operator"]["rules"]
    ]
    assert normalised(role["rules"]) == normalised(want)


@pytest.mark.parametrize("values", [{}, CERT_MANAGER], ids=["operator-certs", "cert-manager"])
def test_webhook_roles_have_the_declared_rules_for_the_release_objects(values):
    objects = render(values)
    want = declared_for(objects)
    (role,) = roles(objects, "Role", "-webhook")
    assert normalised(role["rules"]) == normalised(want["Role/runner-operator-webhook"]["rules"])
    chart_cluster_roles = roles(objects, "ClusterRole", "-webhook")
    declared_cluster_role = want.get("ClusterRole/runner-operator-webhook")
    if declared_cluster_role is None:
        # cert-manager's CA injector writes the caBundle: nothing to grant.
        assert chart_cluster_roles == []
    else:
        (cluster_role,) = chart_cluster_roles
        assert normalised(cluster_role["rules"]) == normalised(declared_cluster_role["rules"])


def test_cert_manager_leaves_the_operator_only_reading_its_secret():
    (role,) = roles(render(CERT_MANAGER), "Role", "-webhook")
    assert [r["verbs"] for r in role["rules"]] == [["get"]]


def test_webhook_off_declares_and_grants_no_webhook_rules():
    objects = render({"webhook": {"enabled": False}})
    assert roles(objects, "Role", "-webhook") == roles(objects, "ClusterRole", "-webhook") == []
    assert sorted(declared_for(objects)) == ["ClusterRole/runner-operator", "Role/runner-operator"]


def test_no_pods_exec_or_crd_writes_and_secrets_only_by_name():
    objects = (
        render({"operator": {"watchNamespace": "apps"}}) + render() + render(CERT_MANAGER)
    )
    rules = [rule for o in objects if o["kind"] in ("Role", "ClusterRole") for rule in o["rules"]]
    granted = {resource for rule in rules for resource in rule["resources"]}
    assert not granted & {"pods", "pods/exec", "nodes", "customresourcedefinitions"}
    for rule in rules:
        if "secrets" in rule["resources"] or "mutatingwebhookconfigurations" in rule["resources"]:
            assert rule["resources"] in (["secrets"], ["mutatingwebhookconfigurations"]), rule
            assert len(rule["resourceNames"]) == 1, rule
            assert "create" not in rule["verbs"] and "list" not in rule["verbs"], rule
