"""One case per value that changes what the chart renders, plus a snapshot of the defaults."""

import helm_python as helm
import pytest

from chart import (
    CHART,
    RELEASE,
    CRD_TEMPLATE,
    EVERYTHING,
    KUBE_VERSION,
    NAMESPACE,
    kinds,
    only,
    operator_env,
    operator_pod,
    render,
    render_files,
    summary,
    updating,
)

SNAPSHOT = CHART / "tests" / "snapshots" / "default.yaml"
WEBHOOK = f"{RELEASE}-python-sandbox-webhook"
DIGEST = "sha256:" + "ab" * 32


def test_defaults_match_the_reviewed_snapshot():
    # The CRD is left out: test_crd.py pins it to crds/, and 1600 generated lines would bury
    # the chart's own changes in review.
    files = {p: b for p, b in render_files().items() if not p.endswith(CRD_TEMPLATE.name)}
    text = "".join(f"# Source: {path}\n{body.strip()}\n" for path, body in sorted(files.items()))
    if updating():
        SNAPSHOT.write_text(text)
    assert SNAPSHOT.read_text() == text, (
        "the default render changed; review it with `UPDATE_GOLDEN=1 python -m pytest charts/` "
        "and `git diff`"
    )


def test_defaults_install_the_crd_and_a_cluster_wide_operator_and_no_pool():
    objects = render()
    assert kinds(objects) == [
        "ClusterRole",
        "ClusterRole",
        "ClusterRoleBinding",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "Deployment",
        "MutatingWebhookConfiguration",
        "NetworkPolicy",
        "Pod",  # helm test's, a hook (tests/test_helm_test.py)
        "Role",
        "Role",
        "RoleBinding",
        "RoleBinding",
        "Secret",
        "Service",
        "Service",
        "ServiceAccount",
    ]
    assert "WATCH_NAMESPACE" not in operator_env(objects)


def test_lint_is_clean_in_strict_mode():
    report = helm.lint(CHART, strict=True, namespace=NAMESPACE, kube_version=f"v{KUBE_VERSION}")
    problems = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
    assert not problems, problems


def test_lint_is_clean_with_every_option_on():
    report = helm.lint(CHART, EVERYTHING, strict=True, namespace=NAMESPACE)
    problems = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
    assert not problems, problems


def test_operator_image_tag_digest_and_pull_policy():
    pod = operator_pod(render({"operator": {"image": {"tag": "1.2.3", "pullPolicy": "Always"}}}))
    assert pod["containers"][0]["image"] == "ghcr.io/python-sandbox/runner-operator:1.2.3"
    assert pod["containers"][0]["imagePullPolicy"] == "Always"
    pod = operator_pod(render({"operator": {"image": {"repository": "r/op", "digest": DIGEST}}}))
    assert pod["containers"][0]["image"] == f"r/op@{DIGEST}"


def test_runner_image_reaches_the_operator_as_its_default_for_pools():
    assert operator_env(render())["RUNNER_IMAGE"] == "ghcr.io/python-sandbox/runner-node:0.1.0"
    env = operator_env(render({"runner": {"image": {"repository": "r/node", "tag": "dev"}}}))
    assert env["RUNNER_IMAGE"] == "r/node:dev"
    env = operator_env(render({"runner": {"image": {"repository": "r/node", "digest": DIGEST}}}))
    assert env["RUNNER_IMAGE"] == f"r/node@{DIGEST}"


def test_scientific_image_defaults_to_the_app_version_with_a_suffix():
    env = operator_env(render())
    assert env["RUNNER_SCIENTIFIC_IMAGE"] == "ghcr.io/python-sandbox/runner-node:0.1.0-scientific"
    env = operator_env(render({"runner": {"scientificImage": {"repository": "r/sci", "tag": "7"}}}))
    assert env["RUNNER_SCIENTIFIC_IMAGE"] == "r/sci:7"
    env = operator_env(render({"runner": {"scientificImage": {"digest": DIGEST}}}))
    assert env["RUNNER_SCIENTIFIC_IMAGE"] == f"ghcr.io/python-sandbox/runner-node@{DIGEST}"
    # The standard image is unchanged by the suffix.
    assert operator_env(render())["RUNNER_IMAGE"].endswith(":0.1.0")


def test_replicas_share_one_lease_named_after_the_release():
    objects = render({"operator": {"replicas": 3}})
    assert only(objects, "Deployment")["spec"]["replicas"] == 3
    env = operator_env(objects)
    assert env["POD_NAMESPACE"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    assert env["POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    lease_role = only(objects, "Role", f"{RELEASE}-python-sandbox-lease")
    assert lease_role["metadata"]["namespace"] == NAMESPACE
    assert lease_role["rules"][0]["resourceNames"] == [env["LEASE_NAME"]]


def test_watch_namespace_swaps_the_cluster_role_for_a_role_there():
    objects = render({"operator": {"watchNamespace": "apps"}})
    assert operator_env(objects)["WATCH_NAMESPACE"] == "apps"
    # Only the webhook's ClusterRole stays: its configuration is cluster-scoped, and named.
    assert [o["metadata"]["name"] for o in objects if o["kind"].startswith("ClusterRole")] == [
        WEBHOOK,
        WEBHOOK,
    ]
    roles = [o for o in objects if o["kind"] == "Role"]
    assert sorted(r["metadata"]["namespace"] for r in roles) == ["apps", NAMESPACE, NAMESPACE]
    binding = next(
        o for o in objects if o["kind"] == "RoleBinding" and o["metadata"]["namespace"] == "apps"
    )
    assert binding["roleRef"]["kind"] == "Role"
    assert binding["subjects"][0]["namespace"] == NAMESPACE


def test_log_format_and_level():
    env = operator_env(render({"operator": {"logFormat": "text", "logLevel": "debug"}}))
    assert (env["LOG_FORMAT"], env["RUST_LOG"]) == ("text", "debug")


def test_resources():
    resources = {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "2Gi"}}
    pod = operator_pod(render({"operator": {"resources": resources}}))
    assert pod["containers"][0]["resources"] == resources


def test_pod_annotations_and_labels_leave_the_selector_alone():
    objects = render({"operator": {"podAnnotations": {"a": "1"}, "podLabels": {"team": "x"}}})
    deployment = only(objects, "Deployment")
    template = deployment["spec"]["template"]["metadata"]
    assert template["annotations"] == {"a": "1"}
    assert template["labels"]["team"] == "x"
    assert "team" not in deployment["spec"]["selector"]["matchLabels"]
    assert deployment["spec"]["selector"] == only(render(), "Deployment")["spec"]["selector"]


def test_placement_and_priority():
    placement = {
        "nodeSelector": {"pool": "system"},
        "tolerations": [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}],
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "a", "operator": "Exists"}]}
                    ]
                }
            }
        },
        "priorityClassName": "system-cluster-critical",
    }
    pod = operator_pod(render({"operator": placement}))
    for key, value in placement.items():
        assert pod[key] == value, key



def test_an_umbrella_charts_global_values_are_accepted():
    assert operator_pod(render({"global": {"imageRegistry": "registry.example"}}))


def test_operator_pod_overrides_for_platform_teams():
    overrides = {
        "extraArgs": ["--log-format", "text"],
        "extraEnv": [{"name": "HTTPS_PROXY", "value": "http://proxy:3128"}],
        "extraVolumes": [{"name": "ca", "configMap": {"name": "corporate-ca"}}],
        "extraVolumeMounts": [{"name": "ca", "mountPath": "/etc/ssl/corporate", "readOnly": True}],
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": {"app.kubernetes.io/component": "operator"}},
            }
        ],
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}},
        "podSecurityContext": {"fsGroup": 65532},
        "securityContext": {"readOnlyRootFilesystem": True, "privileged": False},
    }
    deployment = only(render({"operator": overrides}), "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["args"] == ["run", "--log-format", "text"]
    assert operator_env(render({"operator": overrides}))["HTTPS_PROXY"] == "http://proxy:3128"
    assert operator_env(render({"operator": overrides}))["LOG_FORMAT"] == "json", "defaults stay"
    assert pod["volumes"] == overrides["extraVolumes"]
    assert container["volumeMounts"] == overrides["extraVolumeMounts"]
    assert pod["topologySpreadConstraints"] == overrides["topologySpreadConstraints"]
    assert deployment["spec"]["strategy"] == overrides["strategy"]
    # A key given is added to the hardened defaults, which stay.
    assert pod["securityContext"]["fsGroup"] == 65532
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["privileged"] is False
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    # Without overrides: no strategy, volumes or extra arguments.
    default = only(render(), "Deployment")
    assert "strategy" not in default["spec"]
    assert "volumes" not in default["spec"]["template"]["spec"]
    assert default["spec"]["template"]["spec"]["containers"][0]["args"] == ["run"]


@pytest.mark.parametrize(("replicas", "enabled", "wanted"), [(1, True, False), (2, True, True), (2, False, False)])
def test_a_disruption_budget_keeps_all_but_one_operator_pod_through_drains(replicas, enabled, wanted):
    values = {"operator": {"replicas": replicas, "podDisruptionBudget": {"enabled": enabled}}}
    budgets = [o for o in render(values) if o["kind"] == "PodDisruptionBudget"]
    assert len(budgets) == int(wanted)
    if wanted:
        selector = only(render(values), "Deployment")["spec"]["selector"]
        assert budgets[0]["spec"] == {"maxUnavailable": 1, "selector": selector}

def test_image_pull_secrets():
    pod = operator_pod(render({"imagePullSecrets": [{"name": "regcred"}]}))
    assert pod["imagePullSecrets"] == [{"name": "regcred"}]


def test_existing_service_account():
    objects = render({"serviceAccount": {"create": False, "name": "ops"}})
    assert "ServiceAccount" not in kinds(objects)
    assert operator_pod(objects)["serviceAccountName"] == "ops"
    bindings = [o for o in objects if o["kind"] in ("ClusterRoleBinding", "RoleBinding")]
    assert {b["subjects"][0]["name"] for b in bindings} == {"ops"}


def test_service_account_name_and_annotations():
    annotations = {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/x"}
    objects = render({"serviceAccount": {"name": "op", "annotations": annotations}})
    account = only(objects, "ServiceAccount")
    assert account["metadata"] == account["metadata"] | {"name": "op", "annotations": annotations}
    assert account["automountServiceAccountToken"] is False
    assert operator_pod(objects)["serviceAccountName"] == "op"


def test_rbac_off_renders_no_roles():
    objects = render({"rbac": {"create": False}})
    assert not {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"} & set(kinds(objects))


def test_service_monitor_scrapes_the_admin_port():
    # Without a NetworkPolicy peer for the scraper the chart refuses (see the failing cases).
    objects = render(
        {
            "metrics": {"serviceMonitor": {"enabled": True, "interval": "15s", "labels": {"r": "p"}}},
            "operator": {"networkPolicy": {"metricsFrom": [{"namespaceSelector": {}}]}},
        }
    )
    service = only(objects, "Service", f"{RELEASE}-python-sandbox-metrics")
    assert service["spec"]["ports"][0]["targetPort"] == "admin"
    assert service["spec"]["selector"] == only(objects, "Deployment")["spec"]["selector"][
        "matchLabels"
    ]
    monitor = only(objects, "ServiceMonitor")
    assert monitor["metadata"]["labels"]["r"] == "p"
    endpoint = {"port": "admin", "path": "/metrics", "interval": "15s"}
    assert monitor["spec"]["endpoints"] == [endpoint]
    assert set(monitor["spec"]["selector"]["matchLabels"].items()) <= set(
        service["metadata"]["labels"].items()
    )


def test_network_policy_admits_only_api_dns_and_named_scrapers():
    policy = only(render({"webhook": {"enabled": False}}), "NetworkPolicy")["spec"]
    # Only `helm test`'s pod (tests/test_helm_test.py) reaches the admin port.
    (test_pod,) = policy["ingress"]
    assert test_pod["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "test"
    assert [p["port"] for p in policy["egress"][0]["ports"]] == [443, 6443]
    assert {p["port"] for p in policy["egress"][1]["ports"]} == {53}
    assert all("to" not in rule for rule in policy["egress"])

    scrapers = [{"namespaceSelector": {"matchLabels": {"name": "monitoring"}}}]
    values = {"operator": {"networkPolicy": {"apiServerPorts": [8443], "metricsFrom": scrapers}}}
    policy = only(render(values), "NetworkPolicy")["spec"]
    assert policy["ingress"] == [
        {"from": scrapers, "ports": [{"port": 8080, "protocol": "TCP"}]},
        test_pod,
        # The API server calls the webhook from addresses no selector names.
        {"ports": [{"port": 8443, "protocol": "TCP"}]},
    ]
    assert [p["port"] for p in policy["egress"][0]["ports"]] == [8443]

    objects = render({"operator": {"networkPolicy": {"enabled": False}}})
    assert "NetworkPolicy" not in kinds(objects)


def test_default_pool():
    spec = {"replicas": 3, "limits": {"timeoutMs": 2000}}
    pool = only(render({"defaultPool": {"enabled": True, "spec": spec}}), "PythonSandboxPool")
    assert pool["metadata"]["name"] == "default"
    assert pool["metadata"]["namespace"] == NAMESPACE
    assert pool["spec"] == spec
    values = {"defaultPool": {"enabled": True, "name": "agents", "namespace": "apps"}}
    pool = only(render(values), "PythonSandboxPool")
    assert (pool["metadata"]["name"], pool["metadata"]["namespace"]) == ("agents", "apps")
    assert pool["spec"] == {}


def test_default_pool_in_the_watched_namespace_is_accepted():
    values = {
        "operator": {"watchNamespace": "apps"},
        "defaultPool": {"enabled": True, "namespace": "apps"},
    }
    assert only(render(values), "PythonSandboxPool")["metadata"]["namespace"] == "apps"


def test_names_follow_overrides_and_fit_63_characters():
    objects = render({"nameOverride": "sbx"})
    assert only(objects, "Deployment")["metadata"]["name"] == "sandbox-sbx"
    objects = render({"fullnameOverride": "ops"})
    assert only(objects, "Deployment")["metadata"]["name"] == "ops"
    objects = render(name="python-sandbox-prod")
    assert only(objects, "Deployment")["metadata"]["name"] == "python-sandbox-prod"
    objects = render(EVERYTHING, name="r" * 53)
    too_long = [n for n in summary(objects) if len(n.split("/", 1)[1]) > 63]
    assert not too_long


def test_notes_say_how_to_call_a_pool():
    notes = render_files()["python-sandbox/templates/NOTES.txt"]
    assert "kind: PythonSandboxPool" in notes and ":3000/run" in notes
    notes = render_files({"defaultPool": {"enabled": True, "name": "agents"}})[
        "python-sandbox/templates/NOTES.txt"
    ]
    assert f"http://agents.{NAMESPACE}.svc:3000/run" in notes


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"bogus": 1}, "additional properties 'bogus' not allowed"),
        ({"operator": {"replica": 2}}, "at '/operator': additional properties 'replica'"),
        ({"operator": {"replicas": "2"}}, "at '/operator/replicas': got string, want integer"),
        ({"operator": {"logFormat": "xml"}}, "at '/operator/logFormat'"),
        ({"operator": {"image": {"digest": "latest"}}}, "at '/operator/image/digest'"),
        ({"operator": {"watchNamespace": "Apps"}}, "at '/operator/watchNamespace'"),
        ({"crds": {"enabled": "yes"}}, "at '/crds/enabled': got string, want boolean"),
        ({"defaultPool": {"name": "9lives"}}, "at '/defaultPool/name'"),
        ({"defaultPool": {"spec": []}}, "at '/defaultPool/spec': got array, want object"),
        ({"metrics": {"serviceMonitor": {"interval": "often"}}}, "interval"),
        ({"imagePullSecrets": ["regcred"]}, "at '/imagePullSecrets/0': got string, want object"),
        ({"webhook": {"failurePolicy": "Sometimes"}}, "at '/webhook/failurePolicy'"),
        ({"webhook": {"port": 443}}, "at '/webhook/port'"),
        ({"operator": {"extraEnv": [{"value": "x"}]}}, "at '/operator/extraEnv/0'"),
        ({"operator": {"extraArgs": [1]}}, "at '/operator/extraArgs/0'"),
        ({"operator": {"podDisruptionBudget": {"minAvailable": 1}}}, "at '/operator/podDisruptionBudget'"),
        ({"webhook": {"timeoutSeconds": 31}}, "at '/webhook/timeoutSeconds'"),
        ({"webhook": {"excludeNamespaces": ["Kube"]}}, "at '/webhook/excludeNamespaces/0'"),
        (
            {"webhook": {"certManager": {"issuerRef": {"kind": "Vault", "name": "v"}}}},
            "at '/webhook/certManager/issuerRef/kind'",
        ),
        (
            {"webhook": {"certManager": {"enabled": True, "issuerRef": {"kind": "Issuer"}}}},
            "at '/webhook/certManager/issuerRef'",
        ),
    ],
)
def test_invalid_values_are_refused_naming_the_key(values, message):
    with pytest.raises(helm.HelmValuesError, match="schema") as refused:
        render(values)
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"serviceAccount": {"create": False}},
            "serviceAccount.name must name an existing ServiceAccount",
        ),
        (
            {"operator": {"watchNamespace": "apps"}, "defaultPool": {"enabled": True}},
            "defaultPool.namespace (sandbox-system) is not watched",
        ),
        (
            {"webhook": {"enabled": False, "certManager": {"enabled": True}}},
            "webhook.certManager.enabled makes the certificate of a webhook that "
            "webhook.enabled=false turns off",
        ),
        (
            {"webhook": {"certManager": {"issuerRef": {"name": "ca"}}}},
            "webhook.certManager.issuerRef is set but webhook.certManager.enabled is false",
        ),
        (
            {"operator": {"watchNamespace": NAMESPACE}},
            f"webhook.enabled would inject no pod: the operator watches only {NAMESPACE}",
        ),
        (
            {"operator": {"watchNamespace": "legacy"}, "webhook": {"excludeNamespaces": ["legacy"]}},
            "webhook.enabled would inject no pod: the operator watches only legacy",
        ),
        (
            {"metrics": {"serviceMonitor": {"enabled": True}}},
            "metrics.serviceMonitor.enabled, but the operator's NetworkPolicy admits no scraper: "
            "set operator.networkPolicy.metricsFrom",
        ),
    ],
)
def test_contradicting_values_fail_with_what_to_change(values, message):
    with pytest.raises(helm.HelmRenderError) as refused:
        render(values)
    assert message in str(refused.value)


def test_every_value_is_documented_in_values_yaml():
    # Each key has a comment right above it, unless it only groups keys (`operator:`) or sits
    # inside a documented value (the default of `operator.resources`).
    undocumented = []
    documented_indent = None  # indent of the documented value we are inside, if any
    lines = (CHART / "values.yaml").read_text().splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        if documented_indent is not None and indent > documented_indent:
            continue
        documented_indent = None
        nested = i + 1 < len(lines) and lines[i + 1].startswith(" " * (indent + 2))
        if lines[i - 1].strip().startswith("#"):
            documented_indent = indent
        elif not (stripped.endswith(":") and nested):
            undocumented.append(stripped)
    assert not undocumented, undocumented
