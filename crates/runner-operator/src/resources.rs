//! The children of a pool, built by pure functions: pool in, objects out, no client.
//!
//! Every decision about what runs in the cluster is made here, so it is reviewed in one place
//! and pinned by the golden files in `tests/golden/`. Objects carry only the fields the
//! operator means to own: server-side apply then gives it exactly those fields, and an
//! unchanged pool applies to unchanged objects.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetSpec, Deployment, DeploymentSpec};
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec,
    MetricIdentifier, MetricSpec, MetricTarget, PodsMetricSource, ResourceMetricSource,
};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMap, ConfigMapVolumeSource, Container, ContainerPort, EmptyDirVolumeSource,
    EnvVar, EnvVarSource, HTTPGetAction, ImageVolumeSource, KeyToPath, ObjectFieldSelector,
    PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, SeccompProfile, SecurityContext, Service, ServicePort, ServiceSpec,
    Volume, VolumeMount,
};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::Resource;
use runner_api::policy::SandboxPolicy;
use runner_api::pool::{
    CallerRule, Collector, Packages, PoolMode, PythonSandboxPool, PythonSandboxPoolSpec, Tracing,
};
use runner_api::runtime::Runtime;

use crate::{Error, Result, policy};

/// Where things are inside a runner pod, and the ports runner-node serves: runner-api's pod
/// contract, which runner-node's tests read too.
pub use runner_api::pod as layout;

/// Label keys and values on every child.
pub mod labels {
    /// `app.kubernetes.io/name`: the program the pods run.
    pub const NAME: &str = "app.kubernetes.io/name";
    /// `app.kubernetes.io/instance`: the pool.
    pub const INSTANCE: &str = "app.kubernetes.io/instance";
    /// `app.kubernetes.io/component`.
    pub const COMPONENT: &str = "app.kubernetes.io/component";
    /// `app.kubernetes.io/managed-by`.
    pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
    /// Annotation on the pod template holding the policy hash: a new policy rolls the pods.
    pub const POLICY_HASH: &str = "sandbox.runner.dev/policy-hash";
    /// Value of [`NAME`].
    pub const APP: &str = "runner-node";
}

/// How long a runner may take to start: one with its image's precompiled interpreter is ready
/// in well under a second, one that must snapshot and compile it (no precompiled file, a cold
/// module cache) takes tens of seconds on a small node.
pub const STARTUP_SECONDS: i32 = 120;
/// How long a runner with packages may take to start: it byte-compiles them and snapshots the
/// interpreter with its pre-imports, minutes for large packages on a small node.
pub const STARTUP_SECONDS_WITH_PACKAGES: i32 = 600;
/// How often the startup probe asks.
const STARTUP_PERIOD_SECONDS: i32 = 5;

/// Operator-wide settings the builders need besides the pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Image of runner-node for pools of the standard runtime that name none.
    pub default_image: String,
    /// Image of runner-node for pools of the scientific runtime that name none.
    pub scientific_image: String,
}

impl Settings {
    /// The runner image of a pool: its own `image`, else the operator's for its runtime.
    pub fn image_for(&self, spec: &PythonSandboxPoolSpec) -> String {
        match (&spec.image, spec.runtime) {
            (Some(image), _) => image.clone(),
            (None, Runtime::Standard) => self.default_image.clone(),
            (None, Runtime::Scientific) => self.scientific_image.clone(),
        }
    }
}

/// The workload that runs the runner pods.
#[derive(Clone, Debug, PartialEq)]
pub enum Workload {
    /// Mode `Deployment`.
    Deployment(Box<Deployment>),
    /// Mode `PerNode`.
    DaemonSet(Box<DaemonSet>),
}

impl Workload {
    /// The runner pods' spec, as built (always present).
    pub fn pod_spec(&self) -> &PodSpec {
        let spec = match self {
            Workload::Deployment(d) => d.spec.as_ref().map(|s| &s.template),
            Workload::DaemonSet(d) => d.spec.as_ref().map(|s| &s.template),
        };
        spec.and_then(|t| t.spec.as_ref())
            .expect("the builders always set the pod template's spec")
    }
}

/// Everything a pool should own, as it should be applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Children {
    /// The sandbox policy as the runners read it.
    pub policy: SandboxPolicy,
    /// ConfigMap holding the policy file.
    pub config_map: ConfigMap,
    /// Deployment or DaemonSet of runner pods.
    pub workload: Workload,
    /// Service in front of the runners.
    pub service: Service,
    /// Who may reach the runners, and that they reach nothing.
    pub network_policy: NetworkPolicy,
    /// Present when the pool runs more than one replica.
    pub pdb: Option<PodDisruptionBudget>,
    /// Present when autoscaling is on.
    pub hpa: Option<HorizontalPodAutoscaler>,
}

/// Name of the ConfigMap holding a pool's policy.
pub fn config_map_name(pool: &str) -> String {
    format!("{pool}-policy")
}

/// In-cluster URL of a pool's Service.
pub fn url(name: &str, namespace: &str) -> String {
    format!("http://{name}.{namespace}.svc:{}", layout::HTTP_PORT)
}

/// Labels that select a pool's runner pods (also the workload's immutable selector).
pub fn selector_labels(pool: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (labels::NAME.to_string(), labels::APP.to_string()),
        (labels::INSTANCE.to_string(), pool.to_string()),
    ])
}

/// The selector labels as the string the scale subresource reports.
pub fn selector_string(pool: &str) -> String {
    selector_labels(pool)
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Replicas the pool wants right now: its fixed count, or the autoscaler's minimum (the
/// autoscaler may hold more). `None` for PerNode, where the node count decides.
pub fn wanted_replicas(spec: &PythonSandboxPoolSpec) -> Option<i32> {
    match (spec.mode, spec.replicas, &spec.autoscaling) {
        (PoolMode::PerNode, _, _) => None,
        (PoolMode::Deployment, Some(replicas), _) => Some(replicas),
        (PoolMode::Deployment, None, Some(autoscaling)) => Some(autoscaling.min_replicas),
        (PoolMode::Deployment, None, None) => Some(1),
    }
}

/// Builds every child of `pool`. Fails with [`Error::InvalidSpec`] when the spec cannot be
/// honoured (the CRD's rules catch most of these first; this is the guard for pools written
/// before a rule existed or with the schema bypassed).
pub fn desired(pool: &PythonSandboxPool, settings: &Settings) -> Result<Children> {
    let spec = &pool.spec;
    let name = pool
        .metadata
        .name
        .as_deref()
        .ok_or(Error::MissingMetadata("name"))?;
    let owner = pool
        .controller_owner_ref(&())
        .ok_or(Error::MissingMetadata("uid"))?;
    check_name(name)?;
    check_combinations(spec)?;
    let collector = collector(spec)?;

    let policy = policy::from_spec(spec)?;
    let policy_yaml = policy::to_yaml(&policy)?;
    let meta = Meta { name, pool, owner };

    let config_map = ConfigMap {
        metadata: meta.object(&config_map_name(name)),
        data: Some(BTreeMap::from([(
            layout::POLICY_KEY.to_string(),
            policy_yaml.clone(),
        )])),
        ..ConfigMap::default()
    };

    let template = pod_template(&meta, spec, settings, &policy, &policy::hash(&policy_yaml));
    let selector = LabelSelector {
        match_labels: Some(selector_labels(name)),
        ..LabelSelector::default()
    };
    let workload = match spec.mode {
        PoolMode::Deployment => Workload::Deployment(Box::new(Deployment {
            metadata: meta.object(name),
            spec: Some(DeploymentSpec {
                // With autoscaling the HPA owns the count: leaving it out of the applied object
                // releases the field, so the operator never fights the autoscaler.
                replicas: if spec.autoscaling.is_some() {
                    None
                } else {
                    wanted_replicas(spec)
                },
                selector: selector.clone(),
                template,
                ..DeploymentSpec::default()
            }),
            status: None,
        })),
        PoolMode::PerNode => Workload::DaemonSet(Box::new(DaemonSet {
            metadata: meta.object(name),
            spec: Some(DaemonSetSpec {
                selector: selector.clone(),
                template,
                ..DaemonSetSpec::default()
            }),
            status: None,
        })),
    };

    let service = Service {
        metadata: meta.object(name),
        spec: Some(ServiceSpec {
            selector: Some(selector_labels(name)),
            ports: Some(vec![ServicePort {
                name: Some("http".into()),
                port: layout::HTTP_PORT,
                target_port: Some(IntOrString::String("http".into())),
                protocol: Some("TCP".into()),
                ..ServicePort::default()
            }]),
            // PerNode: a caller reaches the runner on its own node, never crossing nodes.
            internal_traffic_policy: (spec.mode == PoolMode::PerNode).then(|| "Local".into()),
            ..ServiceSpec::default()
        }),
        status: None,
    };

    let network_policy = network_policy(&meta, spec, collector, selector.clone());

    let pdb = match wanted_replicas(spec) {
        Some(replicas) if replicas > 1 => Some(PodDisruptionBudget {
            metadata: meta.object(name),
            spec: Some(PodDisruptionBudgetSpec {
                max_unavailable: Some(IntOrString::Int(1)),
                selector: Some(selector.clone()),
                // A pod that is not ready serves nobody; letting it go keeps drains moving.
                unhealthy_pod_eviction_policy: Some("AlwaysAllow".into()),
                ..PodDisruptionBudgetSpec::default()
            }),
            status: None,
        }),
        _ => None,
    };

    let hpa = spec.autoscaling.as_ref().map(|a| {
        let mut metrics = vec![MetricSpec {
            type_: "Resource".into(),
            resource: Some(ResourceMetricSource {
                name: "cpu".into(),
                target: MetricTarget {
                    type_: "Utilization".into(),
                    average_utilization: Some(a.target_cpu_utilization_percent),
                    ..MetricTarget::default()
                },
            }),
            ..MetricSpec::default()
        }];
        if let Some(runs) = a.target_runs_in_flight {
            metrics.push(MetricSpec {
                type_: "Pods".into(),
                pods: Some(PodsMetricSource {
                    metric: MetricIdentifier {
                        name: "runner_runs_in_flight".into(),
                        selector: None,
                    },
                    target: MetricTarget {
                        type_: "AverageValue".into(),
                        average_value: Some(Quantity(runs.to_string())),
                        ..MetricTarget::default()
                    },
                }),
                ..MetricSpec::default()
            });
        }
        HorizontalPodAutoscaler {
            metadata: meta.object(name),
            spec: Some(HorizontalPodAutoscalerSpec {
                scale_target_ref: CrossVersionObjectReference {
                    api_version: Some("apps/v1".into()),
                    kind: "Deployment".into(),
                    name: name.to_string(),
                },
                min_replicas: Some(a.min_replicas),
                max_replicas: a.max_replicas,
                metrics: Some(metrics),
                behavior: None,
            }),
            status: None,
        }
    });

    Ok(Children {
        policy,
        config_map,
        workload,
        service,
        network_policy,
        pdb,
        hpa,
    })
}

/// Children are named after the pool, and a Service name must be an RFC 1035 label: a
/// lowercase letter first, at most 63 characters with the `-policy` suffix.
fn check_name(name: &str) -> Result<()> {
    let starts_with_letter = name.starts_with(|c: char| c.is_ascii_lowercase());
    if !starts_with_letter || !runner_api::policy::is_dns_label(&config_map_name(name)) {
        return Err(Error::InvalidSpec(format!(
            "pool name {name:?} must start with a lowercase letter, hold only lowercase \
             letters, digits and '-', and have at most 56 characters: the pool's Service and \
             ConfigMap are named after it"
        )));
    }
    Ok(())
}

/// Combinations the CRD's CEL rules reject, checked again so a pool that slipped past them
/// (an older CRD, a schema-less test) is reported instead of half-applied.
fn check_combinations(spec: &PythonSandboxPoolSpec) -> Result<()> {
    if spec.replicas.is_some() && spec.autoscaling.is_some() {
        return Err(Error::InvalidSpec(
            "set either replicas or autoscaling, not both".into(),
        ));
    }
    if spec.mode == PoolMode::PerNode && (spec.replicas.is_some() || spec.autoscaling.is_some()) {
        return Err(Error::InvalidSpec(
            "mode PerNode takes neither replicas nor autoscaling".into(),
        ));
    }
    if let Some(a) = &spec.autoscaling
        && (a.min_replicas < 1 || a.min_replicas > a.max_replicas)
    {
        return Err(Error::InvalidSpec(format!(
            "autoscaling.minReplicas ({}) must be between 1 and autoscaling.maxReplicas ({})",
            a.min_replicas, a.max_replicas
        )));
    }
    if spec.replicas.is_some_and(|r| r < 0) {
        return Err(Error::InvalidSpec("replicas must not be negative".into()));
    }
    for mount in &spec.data_mounts {
        if mount.config_map.is_some() == mount.persistent_volume_claim.is_some() {
            return Err(Error::InvalidSpec(format!(
                "dataMounts.{}: set exactly one of configMap and persistentVolumeClaim",
                mount.name
            )));
        }
    }
    Ok(())
}

/// Where the runners' traces go, when the pool traces; refuses an endpoint the NetworkPolicy
/// could not be opened to.
fn collector(spec: &PythonSandboxPoolSpec) -> Result<Option<(&Tracing, Collector)>> {
    let Some(tracing) = &spec.tracing else {
        return Ok(None);
    };
    if tracing
        .sampling_ratio
        .is_some_and(|r| !(0.0..=1.0).contains(&r))
    {
        return Err(Error::InvalidSpec(
            "tracing.samplingRatio must be between 0 and 1".into(),
        ));
    }
    let collector = tracing.collector().map_err(Error::InvalidSpec)?;
    Ok(Some((tracing, collector)))
}

/// What every child's metadata derives from.
struct Meta<'a> {
    name: &'a str,
    pool: &'a PythonSandboxPool,
    owner: OwnerReference,
}

impl Meta<'_> {
    fn labels(&self) -> BTreeMap<String, String> {
        let mut labels = selector_labels(self.name);
        labels.insert(labels::COMPONENT.into(), "sandbox-runner".into());
        labels.insert(labels::MANAGED_BY.into(), crate::FIELD_MANAGER.into());
        labels
    }

    fn object(&self, name: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_string()),
            namespace: self.pool.metadata.namespace.clone(),
            labels: Some(self.labels()),
            owner_references: Some(vec![self.owner.clone()]),
            ..ObjectMeta::default()
        }
    }
}

fn pod_template(
    meta: &Meta<'_>,
    spec: &PythonSandboxPoolSpec,
    settings: &Settings,
    policy: &SandboxPolicy,
    policy_hash: &str,
) -> PodTemplateSpec {
    let Runner { container, volumes } = runner_parts(meta.name, spec, settings, policy, "");
    let placement = spec.placement.clone().unwrap_or_default();
    let mut annotations = BTreeMap::new();
    annotations.insert(labels::POLICY_HASH.to_string(), policy_hash.to_string());

    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(meta.labels()),
            annotations: Some(annotations),
            ..ObjectMeta::default()
        }),
        spec: Some(PodSpec {
            // Runners need no Kubernetes API access at all; a token would only be loot.
            automount_service_account_token: Some(false),
            // Service-discovery env vars would leak the namespace's services into the process.
            enable_service_links: Some(false),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(true),
                run_as_user: Some(layout::RUN_AS),
                run_as_group: Some(layout::RUN_AS),
                seccomp_profile: Some(runtime_default_seccomp()),
                ..PodSecurityContext::default()
            }),
            // runner-node drains in-flight runs for up to 30 s after SIGTERM.
            termination_grace_period_seconds: Some(45),
            node_selector: (!placement.node_selector.is_empty()).then_some(placement.node_selector),
            tolerations: (!placement.tolerations.is_empty()).then_some(placement.tolerations),
            affinity: placement.affinity,
            containers: vec![container],
            volumes: Some(volumes),
            ..PodSpec::default()
        }),
    }
}

/// A pool's runner-node container and the volumes it mounts: what a runner pod of the pool
/// runs, and what the sidecar webhook injects into application pods.
#[derive(Clone, Debug, PartialEq)]
pub struct Runner {
    /// The `runner-node` container, listening on [`layout::HTTP_PORT`] on every address.
    pub container: Container,
    /// Its volumes: the policy ConfigMap, the scratch and module-cache emptyDirs, the data
    /// mounts.
    pub volumes: Vec<Volume>,
}

/// The runner of `pool` as [`desired`] builds it for the pool's own pods, with every volume
/// name prefixed by `volume_prefix` (so it can join a pod that has volumes of its own).
/// Fails as [`desired`] does when the spec cannot be honoured.
pub fn runner(
    pool: &PythonSandboxPool,
    settings: &Settings,
    volume_prefix: &str,
) -> Result<Runner> {
    let name = pool
        .metadata
        .name
        .as_deref()
        .ok_or(Error::MissingMetadata("name"))?;
    check_name(name)?;
    check_combinations(&pool.spec)?;
    collector(&pool.spec)?;
    let policy = policy::from_spec(&pool.spec)?;
    Ok(runner_parts(
        name,
        &pool.spec,
        settings,
        &policy,
        volume_prefix,
    ))
}

fn runner_parts(
    pool_name: &str,
    spec: &PythonSandboxPoolSpec,
    settings: &Settings,
    policy: &SandboxPolicy,
    volume_prefix: &str,
) -> Runner {
    let named = |name: &str| format!("{volume_prefix}{name}");
    let scratch_limit =
        u128::from(policy.scratch_quota_bytes) * u128::from(policy.limits.max_concurrent_runs);
    let mut volumes = vec![
        Volume {
            name: named("policy"),
            config_map: Some(ConfigMapVolumeSource {
                name: config_map_name(pool_name),
                items: Some(vec![KeyToPath {
                    key: layout::POLICY_KEY.into(),
                    path: layout::POLICY_KEY.into(),
                    mode: None,
                }]),
                ..ConfigMapVolumeSource::default()
            }),
            ..Volume::default()
        },
        Volume {
            name: named("scratch"),
            empty_dir: Some(EmptyDirVolumeSource {
                medium: None,
                // Every run may fill its quota at once; the volume holds no more than that.
                size_limit: Some(bytes_quantity(scratch_limit)),
            }),
            ..Volume::default()
        },
        Volume {
            name: named("module-cache"),
            empty_dir: Some(EmptyDirVolumeSource {
                medium: None,
                size_limit: Some(Quantity(layout::MODULE_CACHE_SIZE.into())),
            }),
            ..Volume::default()
        },
    ];
    let mut mounts = vec![
        mount(&named("policy"), layout::POLICY_DIR, true),
        mount(&named("scratch"), layout::SCRATCH_DIR, false),
        mount(&named("module-cache"), layout::MODULE_CACHE_DIR, false),
    ];
    for (index, data) in spec.data_mounts.iter().enumerate() {
        let mut volume = named(&format!("data-{}", data.name));
        // A volume name is a DNS label: a long mount name under a prefix falls back to its
        // position, which is as stable as the pool's spec.
        if !volume_prefix.is_empty() && volume.len() > 63 {
            volume = named(&format!("data-{index}"));
        }
        volumes.push(Volume {
            name: volume.clone(),
            config_map: data.config_map.as_ref().map(|cm| ConfigMapVolumeSource {
                name: cm.name.clone(),
                ..ConfigMapVolumeSource::default()
            }),
            persistent_volume_claim: data.persistent_volume_claim.as_ref().map(|pvc| {
                PersistentVolumeClaimVolumeSource {
                    claim_name: pvc.claim_name.clone(),
                    read_only: Some(true),
                }
            }),
            ..Volume::default()
        });
        mounts.push(mount(&volume, &layout::data_dir(&data.name), true));
    }
    if let Some(packages) = &spec.packages {
        let volume = named("packages");
        volumes.push(Volume {
            name: volume.clone(),
            persistent_volume_claim: packages.persistent_volume_claim.as_ref().map(|pvc| {
                PersistentVolumeClaimVolumeSource {
                    claim_name: pvc.claim_name.clone(),
                    read_only: Some(true),
                }
            }),
            image: packages.image.as_ref().map(|image| ImageVolumeSource {
                reference: Some(image.reference.clone()),
                pull_policy: image.pull_policy.map(|p| p.as_str().to_string()),
            }),
            ..Volume::default()
        });
        mounts.push(VolumeMount {
            sub_path: packages.sub_path.clone(),
            ..mount(&volume, layout::PACKAGES_DIR, true)
        });
    }

    let http_probe = |path: &str, period: i32, failures: i32| Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.into()),
            port: IntOrString::String("http".into()),
            ..HTTPGetAction::default()
        }),
        period_seconds: Some(period),
        failure_threshold: Some(failures),
        timeout_seconds: Some(2),
        ..Probe::default()
    };

    let resources = spec.resources.clone().unwrap_or_else(default_resources);
    let container = Container {
        name: "runner-node".into(),
        image: Some(settings.image_for(spec)),
        image_pull_policy: spec.image_pull_policy.map(|p| p.as_str().to_string()),
        env: Some(
            [
                env("RUNNER_POLICY_FILE", layout::POLICY_FILE),
                env("RUNNER_MODULE_CACHE", layout::MODULE_CACHE_DIR),
                env("TMPDIR", layout::SCRATCH_DIR),
                env(
                    "RUNNER_WORKER_THREADS",
                    &worker_threads(&resources).to_string(),
                ),
            ]
            .into_iter()
            .chain(spec.packages.iter().flat_map(packages_env))
            .chain(spec.tracing.iter().flat_map(|t| tracing_env(pool_name, t)))
            .collect(),
        ),
        ports: Some(vec![
            port("http", layout::HTTP_PORT),
            port("admin", layout::ADMIN_PORT),
        ]),
        // Liveness waits until the runner has started, however long its snapshot takes.
        startup_probe: Some(http_probe(
            "/health",
            STARTUP_PERIOD_SECONDS,
            startup_seconds(spec) / STARTUP_PERIOD_SECONDS,
        )),
        liveness_probe: Some(http_probe("/health", 10, 3)),
        readiness_probe: Some(http_probe("/ready", 5, 2)),
        resources: Some(resources),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            read_only_root_filesystem: Some(true),
            run_as_non_root: Some(true),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".into()]),
                add: None,
            }),
            seccomp_profile: Some(runtime_default_seccomp()),
            ..SecurityContext::default()
        }),
        volume_mounts: Some(mounts),
        ..Container::default()
    };
    Runner { container, volumes }
}

/// How long a runner of `spec` may take to start (see [`STARTUP_SECONDS`]).
pub fn startup_seconds(spec: &PythonSandboxPoolSpec) -> i32 {
    if spec.packages.is_some() {
        STARTUP_SECONDS_WITH_PACKAGES
    } else {
        STARTUP_SECONDS
    }
}

/// runner-node's packages folder and pre-imports.
fn packages_env(packages: &Packages) -> Vec<EnvVar> {
    let mut vars = vec![env("RUNNER_SITE_PACKAGES", layout::PACKAGES_DIR)];
    if !packages.preimport.is_empty() {
        vars.push(env("RUNNER_PREIMPORT", &packages.preimport.join(",")));
    }
    vars
}

/// The standard `OTEL_*` variables runner-node reads (docs/observability.md): the endpoint,
/// the sampler, and resource attributes naming the pod, its namespace and the pool, so a trace
/// says which runner ran it.
fn tracing_env(pool_name: &str, tracing: &Tracing) -> Vec<EnvVar> {
    let field = |name: &str, path: &str| EnvVar {
        name: name.into(),
        value: None,
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: path.into(),
                api_version: None,
            }),
            ..EnvVarSource::default()
        }),
    };
    let mut vars = vec![
        env("OTEL_EXPORTER_OTLP_ENDPOINT", &tracing.otlp_endpoint),
        field("RUNNER_POD_NAME", "metadata.name"),
        field("RUNNER_POD_NAMESPACE", "metadata.namespace"),
        // The kubelet expands $(NAME) from the variables listed before this one.
        env(
            "OTEL_RESOURCE_ATTRIBUTES",
            &format!(
                "k8s.pod.name=$(RUNNER_POD_NAME),k8s.namespace.name=$(RUNNER_POD_NAMESPACE),\
                 sandbox.pool.name={pool_name}"
            ),
        ),
    ];
    if let Some(ratio) = tracing.sampling_ratio {
        vars.push(env("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"));
        vars.push(env("OTEL_TRACES_SAMPLER_ARG", &ratio.to_string()));
    }
    vars
}

fn runtime_default_seccomp() -> SeccompProfile {
    SeccompProfile {
        type_: "RuntimeDefault".into(),
        localhost_profile: None,
    }
}

/// runner-node's worker threads: the container's CPU limit, else its CPU request, rounded up
/// (1 for the default 250m request; 1 to 64). Left to itself runner-node runs a thread per CPU
/// it sees, which in a pod without a CPU limit is every CPU of the node, and each page a run
/// writes then interrupts every CPU one of those threads ran on (docs/benchmarks.md, "Notes").
pub fn worker_threads(resources: &ResourceRequirements) -> u32 {
    let cpu = |list: &Option<BTreeMap<String, Quantity>>| {
        list.as_ref()?.get("cpu").and_then(|q| cpu_millis(&q.0))
    };
    let millis = cpu(&resources.limits).or_else(|| cpu(&resources.requests));
    millis.map_or(1, |m| m.div_ceil(1000).clamp(1, 64) as u32)
}

/// A CPU quantity (`250m`, `2`, `1.5`) in millicores; `None` when it is not one.
fn cpu_millis(quantity: &str) -> Option<u64> {
    match quantity.strip_suffix('m') {
        Some(millis) => millis.parse().ok(),
        None => quantity
            .parse::<f64>()
            .ok()
            .filter(|cores| cores.is_finite() && *cores >= 0.0)
            .map(|cores| (cores * 1000.0).ceil() as u64),
    }
}

/// Requests and a memory limit for pools that set no `resources`: a pod is never unbounded.
fn default_resources() -> ResourceRequirements {
    let q = |s: &str| Quantity(s.into());
    ResourceRequirements {
        requests: Some(BTreeMap::from([
            ("cpu".to_string(), q("250m")),
            ("memory".to_string(), q("256Mi")),
        ])),
        limits: Some(BTreeMap::from([("memory".to_string(), q("1Gi"))])),
        ..ResourceRequirements::default()
    }
}

fn network_policy(
    meta: &Meta<'_>,
    spec: &PythonSandboxPoolSpec,
    collector: Option<(&Tracing, Collector)>,
    pod_selector: LabelSelector,
) -> NetworkPolicy {
    let port = |port: i32, protocol: &str| NetworkPolicyPort {
        port: Some(IntOrString::Int(port)),
        protocol: Some(protocol.into()),
        end_port: None,
    };
    let tcp = |number: i32| port(number, "TCP");
    let peers = |rules: &[CallerRule]| -> Vec<NetworkPolicyPeer> {
        rules
            .iter()
            .map(|r| NetworkPolicyPeer {
                namespace_selector: r.namespace_selector.clone(),
                pod_selector: r.pod_selector.clone(),
                ip_block: None,
            })
            .collect()
    };
    let callers = if spec.allowed_callers.is_empty() {
        // Secure default: the pool's own namespace only (an empty pod selector with no
        // namespace selector means "every pod of this namespace").
        vec![NetworkPolicyPeer {
            pod_selector: Some(LabelSelector::default()),
            ..NetworkPolicyPeer::default()
        }]
    } else {
        peers(&spec.allowed_callers)
    };
    let mut ingress = vec![NetworkPolicyIngressRule {
        from: Some(callers),
        ports: Some(vec![tcp(layout::HTTP_PORT)]),
    }];
    if !spec.monitoring.is_empty() {
        ingress.push(NetworkPolicyIngressRule {
            from: Some(peers(&spec.monitoring)),
            ports: Some(vec![tcp(layout::ADMIN_PORT)]),
        });
    }
    // Without tracing, egress is listed with no rules: the runners reach nothing, not even
    // DNS. With it, the collector's port (at its peers, when named) and, for a host name, DNS.
    let mut egress = Vec::new();
    if let Some((tracing, collector)) = collector {
        if collector.needs_dns {
            egress.push(NetworkPolicyEgressRule {
                ports: Some(vec![port(53, "UDP"), port(53, "TCP")]),
                to: None,
            });
        }
        egress.push(NetworkPolicyEgressRule {
            ports: Some(vec![tcp(i32::from(collector.port))]),
            to: (!tracing.collector_peers.is_empty()).then(|| tracing.collector_peers.clone()),
        });
    }
    NetworkPolicy {
        metadata: meta.object(meta.name),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(pod_selector),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ingress: Some(ingress),
            egress: Some(egress),
        }),
    }
}

/// A byte count as a quantity a person reads at a glance: `128Mi` rather than `134217728`.
fn bytes_quantity(bytes: u128) -> Quantity {
    for (suffix, shift) in [("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)] {
        if bytes >= 1 << shift && bytes.is_multiple_of(1 << shift) {
            return Quantity(format!("{}{suffix}", bytes >> shift));
        }
    }
    Quantity(bytes.to_string())
}

fn mount(name: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        read_only: read_only.then_some(true),
        ..VolumeMount::default()
    }
}

/// A plain `name=value` environment variable.
pub fn env(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: Some(value.into()),
        value_from: None,
    }
}

/// A named TCP container port.
pub fn port(name: &str, port: i32) -> ContainerPort {
    ContainerPort {
        name: Some(name.into()),
        container_port: port,
        protocol: Some("TCP".into()),
        ..ContainerPort::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(requests: Option<&str>, limits: Option<&str>) -> u32 {
        let list = |cpu: Option<&str>| {
            cpu.map(|c| BTreeMap::from([("cpu".to_string(), Quantity(c.into()))]))
        };
        worker_threads(&ResourceRequirements {
            requests: list(requests),
            limits: list(limits),
            ..ResourceRequirements::default()
        })
    }

    #[test]
    fn worker_threads_follow_the_cpu_limit_else_the_request() {
        assert_eq!(worker_threads(&default_resources()), 1, "250m requested");
        assert_eq!(cpu(None, None), 1);
        assert_eq!(cpu(Some("1500m"), None), 2);
        assert_eq!(cpu(Some("1"), Some("4")), 4, "the limit wins");
        assert_eq!(cpu(Some("0.5"), None), 1);
        assert_eq!(cpu(Some("2.5"), None), 3);
        assert_eq!(cpu(None, Some("500")), 64, "at most 64");
        assert_eq!(
            cpu(Some("3"), Some("lots")),
            3,
            "an unreadable limit is skipped"
        );
    }
}
