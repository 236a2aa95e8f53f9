//! Pool fixtures: a `PythonSandboxPool` built step by step, as the API server would hand it
//! over, and what tests read back from its children.

use k8s_openapi::api::core::v1::{LocalObjectReference, Toleration};
use k8s_openapi::api::networking::v1::NetworkPolicyPeer;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use runner_api::pool::{
    Auth, Autoscaling, CallerRule, ConfigMapSource, DataMount, ImagePullPolicy, ImageSource,
    Packages, PoolMode, PvcSource, PythonSandboxPool, PythonSandboxPoolSpec, RunnerPod,
    SandboxLimits, Scratch, Tracing,
};
use runner_operator::resources::Settings;

/// The runner pods' volume named `name`.
pub fn volume<'a>(
    workload: &'a runner_operator::resources::Workload,
    name: &str,
) -> &'a k8s_openapi::api::core::v1::Volume {
    workload
        .pod_spec()
        .volumes
        .iter()
        .flatten()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no volume {name:?} in the runner pods"))
}

/// Operator settings used by every test.
pub fn settings() -> Settings {
    Settings {
        default_image: "ghcr.io/python-sandbox/runner-node:test".into(),
        scientific_image: "ghcr.io/python-sandbox/runner-node:test-scientific".into(),
    }
}

/// A pool named `name` in namespace `apps`, as the API server would hand it over.
pub fn pool(name: &str) -> PoolBuilder {
    let mut pool = PythonSandboxPool::new(name, PythonSandboxPoolSpec::default());
    pool.metadata.namespace = Some("apps".into());
    pool.metadata.uid = Some(format!("uid-{name}"));
    pool.metadata.generation = Some(1);
    PoolBuilder(pool)
}

/// Builds a [`PythonSandboxPool`] fixture step by step.
pub struct PoolBuilder(PythonSandboxPool);

fn labels(pairs: &[(&str, &str)]) -> LabelSelector {
    LabelSelector {
        match_labels: Some(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
        ..LabelSelector::default()
    }
}

impl PoolBuilder {
    pub fn replicas(mut self, replicas: i32) -> Self {
        self.0.spec.replicas = Some(replicas);
        self
    }

    pub fn autoscaling(mut self, min: i32, max: i32) -> Self {
        self.0.spec.autoscaling = Some(Autoscaling {
            min_replicas: min,
            max_replicas: max,
            target_cpu_utilization_percent: 70,
            target_runs_in_flight: None,
        });
        self
    }

    pub fn runs_in_flight_target(mut self, target: i32) -> Self {
        if let Some(a) = self.0.spec.autoscaling.as_mut() {
            a.target_runs_in_flight = Some(target);
        }
        self
    }

    pub fn per_node(mut self) -> Self {
        self.0.spec.mode = PoolMode::PerNode;
        self
    }

    pub fn runtime(mut self, runtime: runner_api::runtime::Runtime) -> Self {
        self.0.spec.runtime = runtime;
        self
    }

    pub fn image(mut self, image: &str, pull: ImagePullPolicy) -> Self {
        self.0.spec.image = Some(image.into());
        self.0.spec.image_pull_policy = Some(pull);
        self
    }

    pub fn limits(mut self, edit: impl FnOnce(&mut SandboxLimits)) -> Self {
        edit(&mut self.0.spec.limits);
        self
    }

    pub fn config_map_data(mut self, name: &str, config_map: &str) -> Self {
        self.0.spec.data_mounts.push(DataMount {
            name: name.into(),
            config_map: Some(ConfigMapSource {
                name: config_map.into(),
            }),
            persistent_volume_claim: None,
        });
        self
    }

    pub fn pvc_data(mut self, name: &str, claim: &str) -> Self {
        self.0.spec.data_mounts.push(DataMount {
            name: name.into(),
            config_map: None,
            persistent_volume_claim: Some(PvcSource {
                claim_name: claim.into(),
            }),
        });
        self
    }

    /// Packages from the PersistentVolumeClaim `claim` (its `sub_path`), pre-importing `modules`.
    pub fn packages_pvc(mut self, claim: &str, sub_path: Option<&str>, modules: &[&str]) -> Self {
        self.0.spec.packages = Some(Packages {
            persistent_volume_claim: Some(PvcSource {
                claim_name: claim.into(),
            }),
            image: None,
            sub_path: sub_path.map(str::to_string),
            preimport: modules.iter().map(|m| m.to_string()).collect(),
        });
        self
    }

    /// Packages from the OCI image `reference` (an image volume).
    pub fn packages_image(mut self, reference: &str) -> Self {
        self.0.spec.packages = Some(Packages {
            persistent_volume_claim: None,
            image: Some(ImageSource {
                reference: reference.into(),
                pull_policy: Some(ImagePullPolicy::IfNotPresent),
            }),
            sub_path: None,
            preimport: Vec::new(),
        });
        self
    }

    pub fn scratch(mut self, per_run: &str) -> Self {
        self.0.spec.scratch = Some(Scratch {
            per_run: Quantity(per_run.into()),
        });
        self
    }

    pub fn allow_env(mut self, names: &[&str]) -> Self {
        self.0.spec.allowed_env = names.iter().map(|n| n.to_string()).collect();
        self
    }

    /// Admits pods labelled `pod` in namespaces labelled `namespace`.
    pub fn caller(mut self, namespace: &[(&str, &str)], pod: &[(&str, &str)]) -> Self {
        self.0.spec.allowed_callers.push(CallerRule {
            namespace_selector: Some(labels(namespace)),
            pod_selector: Some(labels(pod)),
        });
        self
    }

    /// Admits scrapers from namespaces labelled `namespace`.
    pub fn monitoring(mut self, namespace: &[(&str, &str)]) -> Self {
        self.0.spec.monitoring.push(CallerRule {
            namespace_selector: Some(labels(namespace)),
            pod_selector: None,
        });
        self
    }

    /// Traces to `endpoint`, at a collector in the namespaces labelled `namespace` when given.
    pub fn tracing(
        mut self,
        endpoint: &str,
        namespace: &[(&str, &str)],
        sampling_ratio: Option<f64>,
    ) -> Self {
        let peers = (!namespace.is_empty()).then(|| NetworkPolicyPeer {
            namespace_selector: Some(labels(namespace)),
            ..NetworkPolicyPeer::default()
        });
        self.0.spec.tracing = Some(Tracing {
            otlp_endpoint: endpoint.into(),
            collector_peers: peers.into_iter().collect(),
            sampling_ratio,
        });
        self
    }

    /// Changes the pool's `pod` settings.
    pub fn pod(mut self, change: impl FnOnce(&mut RunnerPod)) -> Self {
        change(self.0.spec.pod.get_or_insert_with(RunnerPod::default));
        self
    }

    /// Runners that require the tokens of the tenants file in Secret `secret` (default key).
    pub fn auth(mut self, secret: &str) -> Self {
        self.0.spec.auth = Some(Auth {
            secret_name: secret.into(),
            key: runner_api::pod::AUTH_FILE_NAME.into(),
        });
        self
    }

    /// Runners that write audit events to stdout.
    /// Sessions with every default.
    pub fn sessions(mut self) -> Self {
        self.0.spec.sessions =
            Some(serde_json::from_value(serde_json::json!({})).expect("sessions with defaults"));
        self
    }

    pub fn audit_log(mut self) -> Self {
        self.0.spec.audit_log = Some(runner_api::pool::AuditLog::Stdout);
        self
    }

    /// The runner container's memory limit (requests stay the defaults').
    pub fn memory_limit(mut self, limit: &str) -> Self {
        let resources = self.0.spec.resources.get_or_insert_with(Default::default);
        resources
            .limits
            .get_or_insert_with(Default::default)
            .insert("memory".into(), Quantity(limit.into()));
        self
    }

    /// Image pull secrets of the pool's runner pods.
    pub fn pull_secrets(self, names: &[&str]) -> Self {
        self.pod(|pod| {
            pod.image_pull_secrets = names
                .iter()
                .map(|name| LocalObjectReference {
                    name: name.to_string(),
                })
                .collect();
        })
    }

    pub fn node_selector(mut self, key: &str, value: &str) -> Self {
        let placement = self.0.spec.pod.get_or_insert_with(RunnerPod::default);
        placement.node_selector.insert(key.into(), value.into());
        placement.tolerations.push(Toleration {
            key: Some("sandbox".into()),
            operator: Some("Exists".into()),
            effect: Some("NoSchedule".into()),
            ..Toleration::default()
        });
        self
    }

    pub fn build(self) -> PythonSandboxPool {
        self.0
    }
}
