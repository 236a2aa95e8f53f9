//! The manifests in `examples/pools/` are what the operator accepts and what their comments say.
//!
//! Each pool passes the CRD's CEL rules, deserialises into [`PythonSandboxPool`] without losing
//! a field (serde skips unknown fields, so a typo would vanish silently: every field the file
//! writes must come back out), and turns into the children its comments promise. The sidecar
//! pod is a Pod that names one of these pools. The plain schema (types, enums, unknown fields)
//! is checked by `examples/tests/test_pools.py`.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::settings;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kube::CustomResourceExt;
use kube_cel::Validator;
use runner_api::pool::PythonSandboxPool;
use runner_operator::resources::{self, Children, Workload};
use serde::de::DeserializeOwned;
use serde_json::Value;

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/pools")
}

/// The YAML documents of `examples/pools/<file>`.
fn documents(file: &str) -> Vec<Value> {
    let path = examples_dir().join(file);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("{file} is not YAML: {e}"))
}

/// Every field of `written` is in `parsed` with the same value (`parsed` may add defaults).
fn assert_kept(written: &Value, parsed: &Value, at: &str) {
    match (written, parsed) {
        (Value::Object(w), Value::Object(p)) => {
            for (key, value) in w {
                let inner = format!("{at}.{key}");
                let kept = p
                    .get(key)
                    .unwrap_or_else(|| panic!("{inner} was dropped: not a field of the type"));
                assert_kept(value, kept, &inner);
            }
        }
        (Value::Array(w), Value::Array(p)) => {
            assert_eq!(w.len(), p.len(), "{at}");
            for (i, (w, p)) in w.iter().zip(p).enumerate() {
                assert_kept(w, p, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(written, parsed, "{at}"),
    }
}

/// `document` as a `T`, failing when a field is lost on the way.
fn strict<T: DeserializeOwned + serde::Serialize>(document: &Value) -> T {
    let parsed: T = serde_json::from_value(document.clone()).expect("deserialises");
    assert_kept(document, &serde_json::to_value(&parsed).unwrap(), "");
    parsed
}

/// The one pool in `file`, checked against the CEL rules and deserialised strictly, with the
/// namespace and uid the API server would add.
fn pool(file: &str) -> PythonSandboxPool {
    let mut pools = documents(file)
        .into_iter()
        .filter(|doc| doc["kind"] == "PythonSandboxPool");
    let document = pools.next().unwrap_or_else(|| panic!("{file} has no pool"));
    assert!(pools.next().is_none(), "{file} has one pool");

    let crd = PythonSandboxPool::crd();
    let schema = crd.spec.versions[0].schema.as_ref().unwrap();
    let schema = serde_json::to_value(schema.open_api_v3_schema.as_ref().unwrap()).unwrap();
    if let Err(errors) = Validator::new().validate(&schema, &document, None) {
        let messages: Vec<_> = errors.iter().map(|e| &e.message).collect();
        panic!("{file} breaks the CRD's rules: {messages:?}");
    }

    let mut pool: PythonSandboxPool = strict(&document);
    pool.metadata.namespace = Some("apps".into());
    pool.metadata.uid = Some("uid-example".into());
    pool
}

/// The children the operator builds for the pool in `file`.
fn children(file: &str) -> Children {
    resources::desired(&pool(file), &settings())
        .unwrap_or_else(|e| panic!("the operator refuses {file}: {e}"))
}

fn replicas(workload: &Workload) -> Option<i32> {
    match workload {
        Workload::Deployment(d) => d.spec.as_ref().unwrap().replicas,
        Workload::DaemonSet(_) => panic!("a Deployment"),
    }
}

#[test]
fn minimal_is_one_runner_with_default_limits() {
    let children = children("minimal.yaml");
    assert_eq!(replicas(&children.workload), Some(1));
    assert_eq!(children.policy, Default::default());
    assert!(children.pdb.is_none() && children.hpa.is_none());
}

#[test]
fn locked_down_has_tight_limits_read_only_data_and_one_caller() {
    let children = children("locked-down.yaml");
    assert_eq!(replicas(&children.workload), Some(2));
    assert!(children.pdb.is_some(), "two replicas get a PDB");

    let policy = &children.policy;
    assert_eq!(
        (policy.limits.timeout_ms, policy.limits.max_timeout_ms),
        (2_000, 10_000)
    );
    assert_eq!(policy.limits.max_memory_mb, 128);
    assert_eq!(policy.limits.max_output_bytes, 64 * 1024);
    assert_eq!(policy.scratch_quota_bytes, 8 << 20);
    assert!(policy.allowed_env.is_empty());
    assert_eq!(policy.data_mounts.len(), 1);
    assert_eq!(policy.data_mounts[0].guest_path, "/data/reference");

    // The ConfigMap of the same file is the data, mounted read-only.
    let config_map = &documents("locked-down.yaml")[0];
    assert_eq!(config_map["kind"], "ConfigMap");
    let pod = children.workload.pod_spec();
    let volume = pod
        .volumes
        .iter()
        .flatten()
        .find(|v| {
            v.config_map
                .as_ref()
                .is_some_and(|c| c.name == "reference-data")
        })
        .expect("a volume of the reference-data ConfigMap");
    assert_eq!(config_map["metadata"]["name"], "reference-data");
    let mount = pod.containers[0]
        .volume_mounts
        .iter()
        .flatten()
        .find(|m| m.name == volume.name)
        .expect("mounted");
    assert_eq!(mount.read_only, Some(true));

    // Only pods labelled app=agent may call it.
    let ingress = children
        .network_policy
        .spec
        .as_ref()
        .unwrap()
        .ingress
        .as_ref()
        .unwrap();
    let callers = serde_json::to_value(&ingress[0].from).unwrap();
    assert_eq!(
        callers,
        serde_json::json!([{"podSelector": {"matchLabels": {"app": "agent"}}}])
    );
}

#[test]
fn autoscaled_hands_the_count_to_an_hpa() {
    let children = children("autoscaled.yaml");
    assert_eq!(replicas(&children.workload), None, "the HPA owns replicas");
    let hpa = children.hpa.expect("an HPA");
    let spec = hpa.spec.unwrap();
    assert_eq!((spec.min_replicas, spec.max_replicas), (Some(2), 10));
    assert!(children.pdb.is_some(), "at least two replicas get a PDB");
}

#[test]
fn per_node_is_a_daemon_set_behind_a_node_local_service() {
    let children = children("per-node.yaml");
    let Workload::DaemonSet(_) = &children.workload else {
        panic!("a DaemonSet")
    };
    let pod = children.workload.pod_spec();
    let node_selector = pod.node_selector.as_ref().unwrap();
    assert_eq!(node_selector["kubernetes.io/os"], "linux");
    assert_eq!(pod.tolerations.as_ref().map(Vec::len), Some(1));
    let service = children.service.spec.as_ref().unwrap();
    assert_eq!(service.internal_traffic_policy.as_deref(), Some("Local"));
    assert!(children.pdb.is_none() && children.hpa.is_none());
}

#[test]
fn sidecar_pod_names_an_example_pool() {
    let documents = documents("sidecar.yaml");
    let [document] = &documents[..] else {
        panic!("sidecar.yaml holds one Pod")
    };
    let pod: Pod = strict(document);
    let labels = pod.metadata.labels.unwrap();
    let named = &labels["sandbox.runner.dev/pool"];
    assert_eq!(
        pool(&format!("{named}.yaml")).metadata.name.as_ref(),
        Some(named)
    );
    // The app finds its runner where the webhook says it is.
    let app = &pod.spec.unwrap().containers[0];
    let script = app.command.iter().flatten().cloned().collect::<String>();
    let url = format!("${}", runner_operator::webhook::URL_ENV);
    assert!(script.contains(&url), "the app should call {url}: {script}");
}

#[test]
fn packages_mount_the_claim_and_pre_import_what_the_comment_says() {
    let children = children("packages.yaml");
    let container = &children.workload.pod_spec().containers[0];
    let env: Vec<_> = container.env.iter().flatten().collect();
    let preimport = env.iter().find(|v| v.name == "RUNNER_PREIMPORT").unwrap();
    assert_eq!(preimport.value.as_deref(), Some("networkx,tabulate"));
    let volume = common::volume(&children.workload, "packages");
    let claim = volume.persistent_volume_claim.as_ref().unwrap();
    assert_eq!(
        (claim.claim_name.as_str(), claim.read_only),
        ("team-packages", Some(true))
    );
    assert_eq!(children.policy.limits.memory_mb, 192);
}

#[test]
fn scientific_runs_the_scientific_image_with_its_memory_default() {
    let children = children("scientific.yaml");
    let container = &children.workload.pod_spec().containers[0];
    assert_eq!(
        container.image.as_deref(),
        Some(settings().scientific_image.as_str())
    );
    // No memoryMb in the file: the runtime's own default, under the file's maximum.
    let limits = &children.policy.limits;
    assert_eq!((limits.memory_mb, limits.max_memory_mb), (512, 2048));
    assert_eq!(limits.max_concurrent_runs, 4);
    let resources = container.resources.as_ref().unwrap();
    let memory =
        |list: &Option<BTreeMap<String, Quantity>>| list.as_ref().unwrap()["memory"].0.clone();
    assert_eq!(
        (memory(&resources.requests), memory(&resources.limits)),
        ("1Gi".to_string(), "4Gi".to_string())
    );
}

/// The value the runner container's variable `name` is set to, if it is set to one.
fn env_value(children: &Children, name: &str) -> Option<String> {
    let container = &children.workload.pod_spec().containers[0];
    container
        .env
        .iter()
        .flatten()
        .find(|v| v.name == name)
        .and_then(|v| v.value.clone())
}

#[test]
fn traced_reaches_its_collector_in_monitoring_and_nothing_else() {
    let children = children("traced.yaml");
    let value = |name: &str| env_value(&children, name).unwrap_or_else(|| panic!("{name} not set"));
    assert_eq!(
        value("OTEL_EXPORTER_OTLP_ENDPOINT"),
        "http://otel-collector.monitoring:4318"
    );
    assert_eq!(value("OTEL_TRACES_SAMPLER_ARG"), "0.25");
    assert!(value("OTEL_RESOURCE_ATTRIBUTES").contains("sandbox.pool.name=traced"));

    let policy = children.network_policy.spec.as_ref().unwrap();
    let egress = serde_json::to_value(&policy.egress).unwrap();
    let monitoring = serde_json::json!([{"namespaceSelector": {
        "matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]);
    assert_eq!(
        egress,
        serde_json::json!([
            {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]},
            {"ports": [{"port": 4318, "protocol": "TCP"}], "to": monitoring},
        ])
    );
}

#[test]
fn notebooks_keep_sessions_and_size_scratch_for_them() {
    let children = children("notebooks.yaml");
    let value = |name: &str| env_value(&children, name);
    let container = &children.workload.pod_spec().containers[0];
    let env: Vec<_> = container.env.iter().flatten().collect();
    assert_eq!(value("RUNNER_MAX_SESSIONS").as_deref(), Some("8"));
    assert_eq!(
        value("RUNNER_SESSION_IDLE_TIMEOUT_S").as_deref(),
        Some("900")
    );
    assert!(env.iter().any(|v| v.name == resources::ADVERTISE_IP_ENV));
    // 8 runs and 8 sessions, 64 MiB of /work each.
    let scratch = common::volume(&children.workload, "scratch");
    let limit = scratch
        .empty_dir
        .as_ref()
        .unwrap()
        .size_limit
        .as_ref()
        .unwrap();
    assert_eq!(limit.0, "1Gi");
}
