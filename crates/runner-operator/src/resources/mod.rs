//! The children of a pool, built by pure functions: pool in, objects out, no client.
//!
//! Every decision about what runs in the cluster is made here, so it is reviewed in one place
//! and pinned by the golden files in `tests/golden/`. Objects carry only the fields the
//! operator means to own: server-side apply then gives it exactly those fields, and an
//! unchanged pool applies to unchanged objects.
//!
//! This module checks the spec, names the children and assembles them ([`desired`]); one
//! submodule per part builds the objects: `pod` the runner pods (also the sidecar the webhook
//! injects), `network` the NetworkPolicy, `serving` the workload, Service, PodDisruptionBudget
//! and HorizontalPodAutoscaler.

mod network;
mod pod;
mod serving;

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, PodSpec, Service};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use kube::Resource;
use runner_api::policy::SandboxPolicy;
use runner_api::pool::{Collector, PoolMode, PythonSandboxPool, PythonSandboxPoolSpec, Tracing};
use runner_api::runtime::Runtime;

use crate::{Error, Result, policy};

pub use pod::{
    ADVERTISE_IP_ENV, Runner, STARTUP_SECONDS, STARTUP_SECONDS_WITH_PACKAGES, env, port,
    startup_seconds, worker_threads,
};

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

/// A pool whose spec the operator can honour: checked once, here, then built from by both the
/// reconciler ([`ValidPool::children`]) and the sidecar webhook ([`ValidPool::runner`]).
pub struct ValidPool<'a> {
    pool: &'a PythonSandboxPool,
    name: &'a str,
    collector: Option<(&'a Tracing, Collector)>,
    policy: SandboxPolicy,
}

impl<'a> ValidPool<'a> {
    /// Checks `pool`. Fails with [`Error::InvalidSpec`] when the spec cannot be honoured (the
    /// CRD's rules catch most of these first; this is the guard for pools written before a
    /// rule existed or with the schema bypassed).
    pub fn new(pool: &'a PythonSandboxPool) -> Result<Self> {
        let name = pool
            .metadata
            .name
            .as_deref()
            .ok_or(Error::MissingMetadata("name"))?;
        check_name(name)?;
        check_combinations(&pool.spec)?;
        let collector = collector(&pool.spec)?;
        let policy = policy::from_spec(&pool.spec)?;
        check_memory(&pool.spec, &policy)?;
        Ok(ValidPool {
            pool,
            name,
            collector,
            policy,
        })
    }

    /// The runner of the pool as its own pods run it, with every volume name prefixed by
    /// `volume_prefix` (so it can join a pod that has volumes of its own): what the sidecar
    /// webhook injects.
    pub fn runner(&self, settings: &Settings, volume_prefix: &str) -> Runner {
        pod::runner_parts(
            self.name,
            &self.pool.spec,
            settings,
            &self.policy,
            volume_prefix,
        )
    }

    /// Every child of the pool, as it should be applied.
    pub fn children(&self, settings: &Settings) -> Result<Children> {
        let ValidPool {
            pool,
            name,
            collector,
            ..
        } = *self;
        let spec = &pool.spec;
        let owner = pool
            .controller_owner_ref(&())
            .ok_or(Error::MissingMetadata("uid"))?;
        let policy = self.policy.clone();
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

        let template = pod::template(&meta, spec, settings, &policy, &policy::hash(&policy_yaml));
        let selector = LabelSelector {
            match_labels: Some(selector_labels(name)),
            ..LabelSelector::default()
        };
        let workload = serving::workload(&meta, spec, template, &selector);
        let service = serving::service(&meta, spec);
        let network_policy = network::policy(&meta, spec, collector, selector.clone());
        let pdb = serving::pdb(&meta, spec, &selector);
        let hpa = serving::hpa(&meta, spec);

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
}

/// Builds every child of `pool` ([`ValidPool::new`], then [`ValidPool::children`]).
pub fn desired(pool: &PythonSandboxPool, settings: &Settings) -> Result<Children> {
    ValidPool::new(pool)?.children(settings)
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

/// What the operator counts runner-node itself as using, in MiB, beside its runs: its
/// resident memory with the interpreter loaded (about 40 MiB standard, more with packages or
/// the scientific runtime) and the 64 MiB of headroom it keeps. runner-node measures its own
/// at start; this estimate only catches pools that could never run.
const RUNNER_BASE_MIB: u64 = 128;

/// The runner's memory limit must hold the runner and one run of the pool's default
/// `memoryMb` (runner-node admits runs against what is left, and refuses to start without
/// room for one: a pod that could never run is reported here instead of crash-looping).
fn check_memory(spec: &PythonSandboxPoolSpec, policy: &SandboxPolicy) -> Result<()> {
    let resources = spec
        .resources
        .clone()
        .unwrap_or_else(pod::default_resources);
    let Some(limit) = resources.limits.as_ref().and_then(|l| l.get("memory")) else {
        return Ok(());
    };
    let limit_mib = policy::parse_bytes(limit)
        .map_err(|e| Error::InvalidSpec(format!("resources.limits.memory: {e}")))?
        >> 20;
    let limits = &policy.limits;
    let output_mib = limits.max_output_bytes.div_ceil(1 << 20);
    let run_mib = limits.memory_mb + output_mib;
    if limit_mib < RUNNER_BASE_MIB + run_mib {
        return Err(Error::InvalidSpec(format!(
            "resources.limits.memory ({}) leaves {} MiB for runs beside the runner's own \
             {RUNNER_BASE_MIB} MiB, and one run of the default memoryMb needs {run_mib} MiB \
             ({} MiB and {output_mib} MiB of output): raise the memory limit or lower \
             limits.memoryMb",
            limit.0,
            limit_mib.saturating_sub(RUNNER_BASE_MIB),
            limits.memory_mb
        )));
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
