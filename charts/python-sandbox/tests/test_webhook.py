"""The sidecar webhook's objects (docs/sidecar.md): one case per webhook value, and how they
fit together: the configuration calls the Service, the Service reaches the operator's webhook
port, the operator is told the names the RBAC grants and the certificate covers."""

from chart import NAMESPACE, RELEASE, kinds, only, operator_env, operator_pod, render

WEBHOOK = f"{RELEASE}-python-sandbox-webhook"
SECRET = f"{RELEASE}-python-sandbox-webhook-tls"
SYSTEM = ["kube-system", "kube-public", "kube-node-lease", NAMESPACE]
CERT_MANAGER = {"webhook": {"certManager": {"enabled": True}}}
WEBHOOK_KINDS = {"MutatingWebhookConfiguration", "Issuer", "Certificate", "Secret"}


def hook(objects: list[dict]) -> dict:
    """The one webhook of the MutatingWebhookConfiguration."""
    (webhook,) = only(objects, "MutatingWebhookConfiguration", WEBHOOK)["webhooks"]
    return webhook


def namespace_rules(objects: list[dict]) -> list[dict]:
    return hook(objects)["namespaceSelector"]["matchExpressions"]


def test_the_webhook_sees_only_labelled_pod_creations_outside_system_namespaces():
    objects = render()
    webhook = hook(objects)
    assert webhook["objectSelector"] == {
        "matchExpressions": [{"key": "sandbox.runner.dev/pool", "operator": "Exists"}]
    }
    assert namespace_rules(objects) == [
        {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": SYSTEM}
    ]
    assert webhook["rules"] == [
        {
            "operations": ["CREATE"],
            "apiGroups": [""],
            "apiVersions": ["v1"],
            "resources": ["pods"],
            "scope": "Namespaced",
        }
    ]
    assert webhook["sideEffects"] == "None"
    assert webhook["admissionReviewVersions"] == ["v1"]
    assert webhook["reinvocationPolicy"] == "Never"
    assert (webhook["failurePolicy"], webhook["timeoutSeconds"]) == ("Fail", 5)


def test_the_api_server_reaches_the_operator_through_the_service():
    objects = render()
    service = hook(objects)["clientConfig"]["service"]
    assert service == {"name": WEBHOOK, "namespace": NAMESPACE, "path": "/mutate", "port": 443}
    # No caBundle from the chart: an upgrade must not reset what the operator patched in.
    assert "caBundle" not in hook(objects)["clientConfig"]
    svc = only(objects, "Service", WEBHOOK)
    assert svc["spec"]["ports"] == [
        {"name": "https", "port": 443, "targetPort": "webhook", "protocol": "TCP"}
    ]
    deployment = only(objects, "Deployment")
    assert svc["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    ports = operator_pod(objects)["containers"][0]["ports"]
    assert {"name": "webhook", "containerPort": 8443, "protocol": "TCP"} in ports


def test_the_operator_is_told_the_names_the_chart_made():
    env = operator_env(render())
    assert env["WEBHOOK_ADDR"] == "0.0.0.0:8443"
    assert env["WEBHOOK_SERVICE"] == WEBHOOK
    assert env["WEBHOOK_CONFIGURATION"] == WEBHOOK
    assert env["WEBHOOK_SECRET"] == SECRET
    assert env["WEBHOOK_CERTIFICATES"] == "operator"
    assert env["POD_NAMESPACE"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    assert "WEBHOOK_EXCLUDE_NAMESPACES" not in env


def test_the_secret_is_made_empty_for_the_operator_to_fill():
    secret = only(render(), "Secret", SECRET)
    assert secret["metadata"]["namespace"] == NAMESPACE
    # Opaque without data: nothing for `helm upgrade` to reset (see webhook-secret.yaml).
    assert secret["type"] == "Opaque"
    assert "data" not in secret and "stringData" not in secret


def test_port_failure_policy_and_timeout():
    values = {"webhook": {"port": 9443, "failurePolicy": "Ignore", "timeoutSeconds": 2}}
    objects = render(values)
    assert (hook(objects)["failurePolicy"], hook(objects)["timeoutSeconds"]) == ("Ignore", 2)
    assert operator_env(objects)["WEBHOOK_ADDR"] == "0.0.0.0:9443"
    ports = operator_pod(objects)["containers"][0]["ports"]
    assert {"name": "webhook", "containerPort": 9443, "protocol": "TCP"} in ports
    policy = only(objects, "NetworkPolicy")["spec"]
    assert {"ports": [{"port": 9443, "protocol": "TCP"}]} in policy["ingress"]


def test_excluded_namespaces_reach_the_selector_and_the_operator():
    objects = render({"webhook": {"excludeNamespaces": ["legacy", "kube-system"]}})
    (rule,) = namespace_rules(objects)
    assert rule["values"] == SYSTEM + ["legacy"]
    assert operator_env(objects)["WEBHOOK_EXCLUDE_NAMESPACES"] == "legacy,kube-system"


def test_a_one_namespace_operator_gets_pods_of_that_namespace_only():
    # It can read pools there alone: a pod elsewhere would be refused for a lookup it may not
    # make, so it never reaches the webhook.
    objects = render({"operator": {"watchNamespace": "apps"}})
    assert namespace_rules(objects)[1] == {
        "key": "kubernetes.io/metadata.name",
        "operator": "In",
        "values": ["apps"],
    }


def test_webhook_off_renders_none_of_it_and_the_operator_serves_none():
    objects = render({"webhook": {"enabled": False}})
    assert not WEBHOOK_KINDS & set(kinds(objects))
    assert not [o for o in objects if o["metadata"]["name"] == WEBHOOK]
    env = operator_env(objects)
    assert not [name for name in env if name.startswith("WEBHOOK_")]
    ports = operator_pod(objects)["containers"][0]["ports"]
    assert [p["name"] for p in ports] == ["admin"]


def test_cert_manager_makes_the_certificate_and_injects_the_ca():
    objects = render(CERT_MANAGER)
    configuration = only(objects, "MutatingWebhookConfiguration")
    annotations = configuration["metadata"]["annotations"]
    assert annotations == {"cert-manager.io/inject-ca-from": f"{NAMESPACE}/{WEBHOOK}"}
    serving = only(objects, "Certificate", WEBHOOK)
    env = operator_env(objects)
    assert env["WEBHOOK_CERTIFICATES"] == "external"
    assert serving["spec"]["secretName"] == env["WEBHOOK_SECRET"] == SECRET
    assert serving["spec"]["dnsNames"] == [
        WEBHOOK,
        f"{WEBHOOK}.{NAMESPACE}",
        f"{WEBHOOK}.{NAMESPACE}.svc",
        f"{WEBHOOK}.{NAMESPACE}.svc.cluster.local",
    ]
    assert serving["spec"]["usages"] == ["digital signature", "server auth"]
    # cert-manager makes the Secret (kubernetes.io/tls); the chart makes none.
    assert "Secret" not in kinds(objects)
    # The chart's own CA: self-signed Issuer → CA Certificate → CA Issuer → serving cert.
    ca = only(objects, "Certificate", f"{WEBHOOK}-ca")
    assert ca["spec"]["isCA"] is True
    assert ca["spec"]["issuerRef"] == {"name": f"{WEBHOOK}-selfsigned", "kind": "Issuer"}
    assert only(objects, "Issuer", f"{WEBHOOK}-selfsigned")["spec"] == {"selfSigned": {}}
    ca_issuer = only(objects, "Issuer", f"{WEBHOOK}-ca")
    assert ca_issuer["spec"] == {"ca": {"secretName": ca["spec"]["secretName"]}}
    assert serving["spec"]["issuerRef"] == {"name": f"{WEBHOOK}-ca", "kind": "Issuer"}


def test_cert_manager_with_an_issuer_of_your_own():
    ref = {"name": "internal-ca", "kind": "ClusterIssuer", "group": "cert-manager.io"}
    objects = render({"webhook": {"certManager": {"enabled": True, "issuerRef": ref}}})
    assert only(objects, "Certificate")["spec"]["issuerRef"] == ref
    assert "Issuer" not in kinds(objects)
