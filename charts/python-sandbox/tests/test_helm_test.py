"""`helm test`'s pods: what they reach and that the chart lets them reach it. That their
commands work is checked by running them against a real runner
(crates/runner-node/pytests/test_helm_test.py); the kind suite runs `helm test` itself."""

from chart import NAMESPACE, RELEASE, only, operator_pod, render


def hook_pods(objects: list[dict]) -> dict[str, dict]:
    return {
        o["metadata"]["name"].rsplit("-", 1)[1]: o
        for o in objects
        if o["kind"] == "Pod" and o["metadata"].get("annotations", {}).get("helm.sh/hook") == "test"
    }


def args_of(pod: dict) -> dict[str, str]:
    args = pod["spec"]["containers"][0]["args"]
    assert args[0] == "probe"
    return dict(zip(args[1::2], args[2::2]))


def test_without_a_default_pool_helm_test_checks_the_operator_through_its_admin_service():
    objects = render()
    pods = hook_pods(objects)
    assert list(pods) == ["operator"]
    args = args_of(pods["operator"])
    service = only(objects, "Service", f"{RELEASE}-python-sandbox-metrics")
    assert args["--host"] == f"{service['metadata']['name']}.{NAMESPACE}.svc"
    (port,) = service["spec"]["ports"]
    assert (args["--port"], args["--path"]) == (str(port["port"]), "/health")
    container = operator_pod(objects)["containers"][0]
    assert {"name": port["targetPort"], "containerPort": 8080, "protocol": "TCP"} in container["ports"]
    assert service["spec"]["selector"].items() <= operator_pod_labels(objects).items()


def operator_pod_labels(objects: list[dict]) -> dict:
    return only(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]


def test_the_operator_network_policy_admits_the_test_pod_to_the_admin_port_only():
    objects = render()
    pod = hook_pods(objects)["operator"]
    policy = only(objects, "NetworkPolicy")
    admitted = [
        rule
        for rule in policy["spec"]["ingress"]
        for peer in rule.get("from", [])
        if peer.get("podSelector", {}).get("matchLabels", {}).items() <= pod["metadata"]["labels"].items()
        and "podSelector" in peer
    ]
    assert [rule["ports"] for rule in admitted] == [[{"port": 8080, "protocol": "TCP"}]]


def test_with_the_default_pool_helm_test_runs_code_on_its_service_in_its_namespace():
    values = {"defaultPool": {"enabled": True, "name": "sandbox", "namespace": "apps"}}
    pods = hook_pods(render(values))
    assert sorted(pods) == ["operator", "pool"]
    pool = pods["pool"]
    assert pool["metadata"]["namespace"] == "apps"
    args = args_of(pool)
    assert (args["--host"], args["--port"]) == ("sandbox.apps.svc", "3000")
    assert (args["--code"], args["--expect-output"]) == ("print(6 * 7)", "42\n")


def test_test_pods_are_locked_down_and_kept_when_they_fail():
    values = {"defaultPool": {"enabled": True}, "imagePullSecrets": [{"name": "regcred"}]}
    for pod in hook_pods(render(values)).values():
        spec = pod["spec"]
        assert pod["metadata"]["annotations"]["helm.sh/hook-delete-policy"] == (
            "before-hook-creation,hook-succeeded"
        )
        assert spec["restartPolicy"] == "Never"
        assert spec["automountServiceAccountToken"] is False
        assert spec["imagePullSecrets"] == [{"name": "regcred"}]
        assert spec["securityContext"]["runAsNonRoot"] is True
        container = spec["containers"][0]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["image"].startswith("ghcr.io/python-sandbox/runner-node:")
