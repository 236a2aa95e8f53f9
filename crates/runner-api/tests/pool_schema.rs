//! The `PythonSandboxPool` schema: its CEL rules are evaluated here, client-side, on the CRD
//! the types generate, so a bad spec is proven rejected, with the message a user will read.

use kube::CustomResourceExt;
use kube_cel::Validator;
use runner_api::pool::{PythonSandboxPool, PythonSandboxPoolSpec};
use serde_json::{Value, json};

fn schema() -> Value {
    let crd = PythonSandboxPool::crd();
    let version = &crd.spec.versions[0];
    let schema = version
        .schema
        .as_ref()
        .unwrap()
        .open_api_v3_schema
        .as_ref()
        .unwrap();
    serde_json::to_value(schema).unwrap()
}

fn object(spec: Value) -> Value {
    json!({
        "apiVersion": "sandbox.runner.dev/v1alpha1",
        "kind": "PythonSandboxPool",
        "metadata": {"name": "demo", "namespace": "apps"},
        "spec": spec,
    })
}

/// The messages of the rules `spec` breaks; empty when it is accepted.
fn violations(spec: Value) -> Vec<String> {
    match Validator::new().validate(&schema(), &object(spec), None) {
        Ok(()) => Vec::new(),
        Err(errors) => errors.iter().map(|e| e.message.clone()).collect(),
    }
}

fn assert_rejected(spec: Value, expected: &str) {
    let messages = violations(spec.clone());
    assert!(
        messages.iter().any(|m| m.contains(expected)),
        "{spec} should be rejected with {expected:?}, got {messages:?}"
    );
}

#[test]
fn reasonable_pools_are_accepted() {
    for spec in [
        json!({}),
        json!({"replicas": 3}),
        json!({"autoscaling": {"minReplicas": 2, "maxReplicas": 5}}),
        json!({"mode": "PerNode"}),
        json!({"runtime": "scientific"}),
        json!({"runtime": "scientific", "limits": {"maxMemoryMb": 512}}),
        json!({"runtime": "scientific", "limits": {"memoryMb": 200, "maxMemoryMb": 256}}),
        json!({"limits": {"timeoutMs": 1000, "maxTimeoutMs": 1000, "memoryMb": 64}}),
        json!({"dataMounts": [
            {"name": "a", "configMap": {"name": "cm"}},
            {"name": "b", "persistentVolumeClaim": {"claimName": "pvc"}},
        ]}),
        json!({"allowedCallers": [{"podSelector": {}}], "monitoring": [{"namespaceSelector": {}}]}),
        json!({"tracing": {"otlpEndpoint": "http://otel-collector.monitoring:4318"}}),
        json!({"tracing": {"otlpEndpoint": "https://10.0.0.7/otlp", "samplingRatio": 0.1,
                           "collectorPeers": [{"ipBlock": {"cidr": "10.0.0.7/32"}}]}}),
        json!({"pod": {"runtimeClassName": "gvisor", "priorityClassName": "high",
                       "imagePullSecrets": [{"name": "regcred"}],
                       "labels": {"team": "a", "example.com/app.kubernetes.io": "x"},
                       "annotations": {"app.kubernetes.io/note": "theirs to set"},
                       "nodeSelector": {"sandbox": "true"}}}),
    ] {
        assert_eq!(violations(spec.clone()), Vec::<String>::new(), "{spec}");
    }
}

#[test]
fn replicas_and_autoscaling_are_exclusive() {
    assert_rejected(
        json!({"replicas": 2, "autoscaling": {"maxReplicas": 5}}),
        "set either replicas or autoscaling, not both",
    );
}

#[test]
fn per_node_takes_no_replica_count() {
    assert_rejected(
        json!({"mode": "PerNode", "replicas": 2}),
        "mode PerNode runs one runner",
    );
    assert_rejected(
        json!({"mode": "PerNode", "autoscaling": {"maxReplicas": 3}}),
        "mode PerNode runs one runner",
    );
}

#[test]
fn autoscaling_minimum_must_not_exceed_maximum() {
    assert_rejected(
        json!({"autoscaling": {"minReplicas": 4, "maxReplicas": 2}}),
        "autoscaling.minReplicas must not exceed autoscaling.maxReplicas",
    );
}

#[test]
fn default_limits_must_not_exceed_maxima() {
    assert_rejected(
        json!({"limits": {"timeoutMs": 9000, "maxTimeoutMs": 1000}}),
        "limits.timeoutMs (9000) is the default a request gets and must not exceed \
         limits.maxTimeoutMs (1000)",
    );
    // Schema defaults apply before the rules, as in the API server: lowering only the maximum
    // below the default is refused too.
    let message = "limits.maxMemoryMb is below the default limits.memoryMb of the pool's runtime";
    assert_rejected(json!({"limits": {"maxMemoryMb": 64}}), message);
    assert_rejected(
        json!({"runtime": "scientific", "limits": {"maxMemoryMb": 256}}),
        message,
    );
}

#[test]
fn a_data_mount_has_exactly_one_source() {
    let message = "a data mount takes exactly one source";
    assert_rejected(json!({"dataMounts": [{"name": "a"}]}), message);
    assert_rejected(
        json!({"dataMounts": [{"name": "a", "configMap": {"name": "c"},
                               "persistentVolumeClaim": {"claimName": "p"}}]}),
        message,
    );
}

#[test]
fn packages_have_one_source_a_path_inside_it_and_module_names() {
    let one = "packages needs exactly one of persistentVolumeClaim and image";
    assert_rejected(json!({"packages": {"preimport": ["a"]}}), one);
    assert_rejected(
        json!({"packages": {"persistentVolumeClaim": {"claimName": "p"},
                            "image": {"reference": "r:1"}}}),
        one,
    );
    for escape in ["..", "a/../../b", "a/.."] {
        assert_rejected(
            json!({"packages": {"persistentVolumeClaim": {"claimName": "p"}, "subPath": escape}}),
            "packages.subPath must stay inside the volume",
        );
    }
    assert!(
        violations(
            json!({"packages": {"image": {"reference": "r:1"}, "subPath": "a/..b",
                                       "preimport": ["sympy", "dateutil.parser"]}})
        )
        .is_empty()
    );
    let schema = schema();
    let preimport =
        &schema["properties"]["spec"]["properties"]["packages"]["properties"]["preimport"];
    assert_eq!(preimport["maxItems"], 64);
    let pattern = preimport["items"]["pattern"].as_str().unwrap();
    assert!(pattern.starts_with("^[A-Za-z_]"), "{pattern}");
}

#[test]
fn pod_labels_and_annotations_leave_the_operators_own_alone() {
    for key in ["app.kubernetes.io/name", "sandbox.runner.dev/pool"] {
        assert_rejected(
            json!({"pod": {"labels": {key: "mine"}}}),
            "pod.labels may not use the prefixes app.kubernetes.io/ and sandbox.runner.dev/",
        );
    }
    assert_rejected(
        json!({"pod": {"annotations": {"sandbox.runner.dev/policy-hash": "0"}}}),
        "pod.annotations may not use the prefix sandbox.runner.dev/",
    );
}

#[test]
fn a_caller_rule_selects_something() {
    assert_rejected(
        json!({"allowedCallers": [{}]}),
        "a caller rule needs namespaceSelector",
    );
}

/// The CEL errors for a pool called `name`, none when it is accepted.
fn name_errors(name: &str) -> Vec<String> {
    let object = json!({
        "apiVersion": "sandbox.runner.dev/v1alpha1",
        "kind": "PythonSandboxPool",
        "metadata": {"name": name, "namespace": "apps"},
        "spec": {},
    });
    match Validator::new().validate(&schema(), &object, None) {
        Ok(()) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| e.message).collect(),
    }
}

#[test]
fn pool_names_fit_the_children() {
    let errors = name_errors(&"a".repeat(57));
    assert!(
        errors.iter().any(|e| e.contains("at most 56")),
        "{errors:?}"
    );
    assert_eq!(name_errors(&"a".repeat(56)), Vec::<String>::new());

    // Names a namespace allows but a Service does not.
    let errors = name_errors("1st-pool");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("starts with a lowercase letter")),
        "{errors:?}"
    );
    assert_eq!(name_errors("pool-1"), Vec::<String>::new());
}

#[test]
fn crd_has_the_promised_shape() {
    let crd = serde_json::to_value(PythonSandboxPool::crd()).unwrap();
    assert_eq!(
        crd["metadata"]["name"],
        "pythonsandboxpools.sandbox.runner.dev"
    );
    assert_eq!(crd["spec"]["scope"], "Namespaced");
    assert_eq!(crd["spec"]["names"]["shortNames"], json!(["pypool"]));
    let version = &crd["spec"]["versions"][0];
    assert_eq!(version["name"], "v1alpha1");
    assert!(version["subresources"]["status"].is_object());
    assert_eq!(
        version["subresources"]["scale"]["specReplicasPath"],
        ".spec.replicas"
    );
    assert_eq!(
        version["subresources"]["scale"]["labelSelectorPath"],
        ".status.selector"
    );
    // `kubectl get python-sandbox` lists pools; `sandbox` is agent-sandbox's resource.
    assert_eq!(
        crd["spec"]["names"]["categories"],
        json!(["python-sandbox"])
    );
    let columns = version["additionalPrinterColumns"].as_array().unwrap();
    let names: Vec<&str> = columns
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Ready",
            "Available",
            "Replicas",
            "URL",
            "Reason",
            "Mode",
            "Age"
        ]
    );
    let column = |name: &str| columns.iter().find(|c| c["name"] == name).unwrap();
    // READY is the condition users wait on (`kubectl wait --for=condition=Ready`), not a count.
    let ready = r#".status.conditions[?(@.type=="Ready")]"#;
    assert_eq!(column("Ready")["jsonPath"], format!("{ready}.status"));
    assert_eq!(column("Reason")["jsonPath"], format!("{ready}.reason"));
    assert_eq!(column("Available")["jsonPath"], ".status.readyReplicas");
    // Reason and Mode only with `-o wide`.
    let wide: Vec<&str> = columns
        .iter()
        .filter(|c| c["priority"] == 1)
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(wide, ["Reason", "Mode"]);
}

#[test]
fn every_spec_field_is_documented_for_kubectl_explain() {
    fn walk(path: &str, schema: &Value, undocumented: &mut Vec<String>) {
        if let Some(properties) = schema["properties"].as_object() {
            for (name, property) in properties {
                let path = format!("{path}.{name}");
                if property["description"].as_str().is_none_or(str::is_empty) {
                    undocumented.push(path.clone());
                }
                // Kubernetes' own types (within pod, resources) carry their own docs.
                let kubernetes = [".spec.pod.", ".spec.resources"];
                if !kubernetes.iter().any(|k| path.starts_with(k)) {
                    walk(&path, property, undocumented);
                    walk(&path, &property["items"], undocumented);
                }
            }
        }
    }
    let schema = schema();
    let mut undocumented = Vec::new();
    walk("", &schema["properties"]["spec"], &mut undocumented);
    walk("", &schema["properties"]["status"], &mut undocumented);
    assert_eq!(undocumented, Vec::<String>::new());
}

#[test]
fn spec_defaults_match_the_policy_defaults() {
    let spec: PythonSandboxPoolSpec = serde_json::from_value(json!({})).unwrap();
    let defaults = runner_api::policy::PolicyLimits::default();
    assert_eq!(spec.limits.timeout_ms, defaults.timeout_ms);
    assert_eq!(spec.limits.max_timeout_ms, defaults.max_timeout_ms);
    assert_eq!(spec.limits.max_cpu_limit_ms, defaults.max_cpu_limit_ms);
    assert_eq!(spec.limits.memory_mb, None, "the runtime's default applies");
    assert_eq!(spec.runtime.default_memory_mb(), defaults.memory_mb);
    assert_eq!(spec.limits.max_memory_mb, defaults.max_memory_mb);
    assert_eq!(spec.limits.max_output_bytes, defaults.max_output_bytes);
    assert_eq!(spec.limits.max_output_files, defaults.max_output_files);
    assert_eq!(
        spec.limits.max_output_files_bytes,
        defaults.max_output_files_bytes
    );
    assert_eq!(
        spec.limits.max_concurrent_runs,
        defaults.max_concurrent_runs
    );
}

#[test]
fn a_trace_collector_is_an_http_url() {
    let message = "tracing.otlpEndpoint is the collector's OTLP/HTTP base URL";
    for endpoint in [
        "otel-collector:4318",
        "grpc://otel-collector:4317",
        "http://otel-collector:4318?token=x",
        "http://user@otel-collector:4318",
        "http://",
    ] {
        assert_rejected(json!({"tracing": {"otlpEndpoint": endpoint}}), message);
    }
}
