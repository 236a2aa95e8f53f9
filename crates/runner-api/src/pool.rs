//! The `PythonSandboxPool` custom resource (`sandbox.runner.dev/v1alpha1`).
//!
//! A pool says how many runner-node pods to run and where, what their sandboxes may do, and who
//! may call them. `runner-operator` reconciles it into a ConfigMap (the [`SandboxPolicy`]), a
//! Deployment or DaemonSet, a Service, a NetworkPolicy and, when they apply, a
//! PodDisruptionBudget and a HorizontalPodAutoscaler.
//!
//! Doc comments on the spec types are the `kubectl explain pypool.spec...` text, so they speak to
//! the person writing a pool. Rules a plain schema cannot state are CEL
//! `x-kubernetes-validations` next to the type they constrain, each with a message that tells
//! the user what to change.
//!
//! [`SandboxPolicy`]: crate::policy::SandboxPolicy
//!
//! Over 400 lines: the resource's types, whose doc comments are the schema's descriptions users
//! read with `kubectl explain`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Affinity, LocalObjectReference, ResourceRequirements, Toleration,
};
use k8s_openapi::api::networking::v1::NetworkPolicyPeer;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, LabelSelector};
use kube::{CustomResource, KubeSchema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::policy;
use crate::runtime::Runtime;

/// API group of every resource this project defines.
pub const GROUP: &str = "sandbox.runner.dev";
/// API version of [`PythonSandboxPool`].
pub const VERSION: &str = "v1alpha1";

/// Most data mounts a pool may declare; bounds the CEL cost of the uniqueness rule too.
pub const MAX_DATA_MOUNTS: usize = 16;
/// Most environment variable names a pool may let through.
pub const MAX_ALLOWED_ENV: usize = 64;
/// Most caller rules a pool may list.
pub const MAX_CALLER_RULES: usize = 16;
/// Most NetworkPolicy peers a pool may name for its trace collector.
pub const MAX_COLLECTOR_PEERS: usize = 16;

/// Desired state of a pool of Python sandbox runners.
///
/// Choose at most one of `replicas` and `autoscaling` (neither: one runner); `mode: PerNode`
/// takes neither and runs one runner on every eligible node.
#[derive(CustomResource, KubeSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[kube(
    group = "sandbox.runner.dev",
    version = "v1alpha1",
    kind = "PythonSandboxPool",
    namespaced,
    shortname = "pypool",
    category = "python-sandbox",
    status = "PythonSandboxPoolStatus",
    derive = "PartialEq",
    doc = "A pool of runner-node pods that run untrusted Python in WebAssembly sandboxes, with the \
           sandbox limits, data and callers the pool allows.",
    scale(
        spec_replicas_path = ".spec.replicas",
        status_replicas_path = ".status.replicas",
        label_selector_path = ".status.selector"
    ),
    printcolumn(
        name = "Ready",
        type_ = "string",
        description = "The Ready condition: True when every runner pod wanted serves",
        json_path = ".status.conditions[?(@.type==\"Ready\")].status"
    ),
    printcolumn(
        name = "Available",
        type_ = "integer",
        description = "Runner pods ready to serve",
        json_path = ".status.readyReplicas"
    ),
    printcolumn(
        name = "Replicas",
        type_ = "integer",
        description = "Runner pods wanted",
        json_path = ".status.replicas"
    ),
    printcolumn(
        name = "URL",
        type_ = "string",
        description = "In-cluster URL of the pool",
        json_path = ".status.url"
    ),
    printcolumn(
        name = "Reason",
        type_ = "string",
        description = "Why the pool is or is not Ready (the Ready condition's reason)",
        json_path = ".status.conditions[?(@.type==\"Ready\")].reason",
        priority = 1
    ),
    printcolumn(
        name = "Mode",
        type_ = "string",
        description = "Deployment or PerNode",
        json_path = ".spec.mode",
        priority = 1
    ),
    printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp"),
    validation = Rule::new("size(self.metadata.name) <= 56")
        .message("a pool name has at most 56 characters: its children are named after it, and the policy ConfigMap adds \"-policy\" within the 63 allowed"),
    validation = Rule::new("self.metadata.name.matches('^[a-z]')")
        .message("a pool name starts with a lowercase letter: its Service is named after it, and Service names must")
)]
#[x_kube(
    validation = Rule::new("!(has(self.replicas) && has(self.autoscaling))")
        .message("set either replicas or autoscaling, not both: with autoscaling on, the HorizontalPodAutoscaler owns the replica count"),
    validation = Rule::new("self.mode != 'PerNode' || (!has(self.replicas) && !has(self.autoscaling))")
        .message("mode PerNode runs one runner on every eligible node: remove replicas and autoscaling, or use mode Deployment"),
    validation = Rule::new(format!(
        "!has(self.limits) || has(self.limits.memoryMb) || self.limits.maxMemoryMb >= (has(self.runtime) && self.runtime == 'scientific' ? {} : {})",
        Runtime::Scientific.default_memory_mb(),
        Runtime::Standard.default_memory_mb()
    ))
    .message(Message::Message(format!(
        "limits.maxMemoryMb is below the default limits.memoryMb of the pool's runtime ({} MiB for standard, {} for scientific): raise limits.maxMemoryMb or set limits.memoryMb",
        Runtime::Standard.default_memory_mb(),
        Runtime::Scientific.default_memory_mb()
    )))
)]
#[serde(rename_all = "camelCase")]
pub struct PythonSandboxPoolSpec {
    /// How runners are laid out: `Deployment` (default) runs `replicas` (or autoscaled) pods
    /// behind a Service; `PerNode` runs one pod on every eligible node (a DaemonSet) and the
    /// Service routes each caller to the runner on its own node.
    #[serde(default)]
    pub mode: PoolMode,

    /// Number of runner pods in mode Deployment; 1 when neither this nor `autoscaling` is set.
    /// Not allowed together with `autoscaling` or with mode PerNode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1000))]
    pub replicas: Option<i32>,

    /// Scale the runner pods between a minimum and a maximum with a HorizontalPodAutoscaler.
    /// Not allowed together with `replicas` or with mode PerNode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,

    /// Which interpreter the runners serve: `standard` (CPython and its standard library, the
    /// default) or `scientific` (numpy and pandas compiled in and pre-imported). It picks the
    /// image when `image` is not set, and the default of `limits.memoryMb`.
    #[serde(default)]
    pub runtime: Runtime,

    /// Container image of runner-node; when not set, the operator's `--runner-image` for the
    /// standard runtime and its `--scientific-image` for the scientific one. The image carries
    /// the interpreter and its standard library, which every sandbox reads read-only; an image
    /// named here must hold the runtime named in `runtime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub image: Option<String>,

    /// When the kubelet pulls the image: Always, IfNotPresent or Never (Kubernetes' default
    /// when not set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<ImagePullPolicy>,

    /// CPU and memory requests and limits of each runner container. When not set the operator
    /// requests 250m CPU and 256Mi memory and limits memory to 1Gi, so the pod is never
    /// unbounded. Size memory for `limits.maxConcurrentRuns` sandboxes of `limits.maxMemoryMb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,

    /// The runner pods themselves: where they may be scheduled (node selector, tolerations,
    /// affinity, priority), how they run (a RuntimeClass), what they pull with (image pull
    /// secrets) and what they carry (labels, annotations). The pod-level settings a platform
    /// team shapes, in one place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<RunnerPod>,

    /// Limits every sandbox is held to: defaults a request gets when it names none, and maxima
    /// a request may not exceed (a request over a maximum is refused with 422, never clamped).
    #[serde(default)]
    pub limits: SandboxLimits,

    /// Read-only data the sandboxes may read: each entry mounts a ConfigMap or a
    /// PersistentVolumeClaim into the guest at `/data/<name>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16))]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name"]))]
    pub data_mounts: Vec<DataMount>,

    /// Pure-Python packages every sandbox can import: a read-only volume holding a
    /// `pip install --target` folder, shown to the guest at `/packages`, and the modules to
    /// import into the runners' snapshot so a run pays nothing to import them. Runners refuse
    /// to start when the folder holds native code. A runner snapshots and compiles the packages
    /// when it starts (seconds to minutes for large packages; the image's precompiled snapshot
    /// no longer applies), and its startup probe allows for that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packages: Option<Packages>,

    /// Writable scratch space of the sandboxes (their `/work` directory, where request files
    /// land). When not set every run gets 64Mi.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scratch: Option<Scratch>,

    /// Names of environment variables a request may pass into the guest (`env` in `POST /run`).
    /// Any other name is refused with 422. None by default: the guest sees no environment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 64))]
    #[schemars(inner(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$")))]
    #[schemars(extend("x-kubernetes-list-type" = "set"))]
    pub allowed_env: Vec<String>,

    /// Who may call the pool's run port (3000). Each entry admits the pods matching both of its
    /// selectors. When empty, only pods in the pool's own namespace may call it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16))]
    pub allowed_callers: Vec<CallerRule>,

    /// Bearer tokens the runners require: a Secret in the pool's namespace holding a tenants
    /// file (`tenants: {NAME: {tokens: [...]}}`, docs/security.md), mounted read-only and
    /// re-read when it changes, so tokens rotate without a restart. Every run is attributed to
    /// the tenant of its token. Not set: no token is asked for, and the NetworkPolicy alone
    /// decides who calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<Auth>,

    /// Who may scrape the runners' admin port (9090: `/metrics`). When empty, nobody may: the
    /// NetworkPolicy admits no traffic to that port.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16))]
    pub monitoring: Vec<CallerRule>,

    /// Export the runners' traces (a span per run and per step of it) to an OpenTelemetry
    /// collector over OTLP/HTTP. Not set: no traces, and the runners reach nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracing: Option<Tracing>,

    /// Sessions: interpreters each runner keeps between runs (`/v1/sessions`), so an agent's
    /// next step finds what its last one defined. A session lives in one runner pod, whose own
    /// address its `url` names: callers send its runs there, not to the Service. Not set:
    /// the runners keep no sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions: Option<Sessions>,

    /// Audit events, one per run (tenant, run id, SHA-256 of the code, outcome, wall and CPU
    /// time, peak memory; never the code): `Stdout` writes them as JSON lines of the target
    /// `audit` among the runner's container output. Default `Off`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_log: Option<AuditLog>,
}

/// How runner pods are laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PoolMode {
    /// A Deployment of `replicas` (or autoscaled) pods behind a Service.
    #[default]
    Deployment,
    /// A DaemonSet: one pod on every eligible node; the Service keeps traffic on the caller's
    /// node (`internalTrafficPolicy: Local`).
    PerNode,
}

impl PoolMode {
    /// The name used in the resource and in labels.
    pub fn as_str(self) -> &'static str {
        match self {
            PoolMode::Deployment => "Deployment",
            PoolMode::PerNode => "PerNode",
        }
    }
}

/// Where a runner writes its audit events (runner-node's `--audit-log`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AuditLog {
    /// Not written.
    Off,
    /// JSON lines on the container's stdout, target `audit`.
    Stdout,
}

/// When the kubelet pulls the runner image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ImagePullPolicy {
    /// Pull on every pod start.
    Always,
    /// Pull only when the node lacks the image.
    IfNotPresent,
    /// Never pull; the image must already be on the node.
    Never,
}

impl ImagePullPolicy {
    /// The value Kubernetes expects in a container spec.
    pub fn as_str(self) -> &'static str {
        match self {
            ImagePullPolicy::Always => "Always",
            ImagePullPolicy::IfNotPresent => "IfNotPresent",
            ImagePullPolicy::Never => "Never",
        }
    }
}

/// Automatic scaling of the runner pods (mode Deployment only).
#[derive(KubeSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[x_kube(
    validation = Rule::new("self.minReplicas <= self.maxReplicas")
        .message("autoscaling.minReplicas must not exceed autoscaling.maxReplicas")
)]
#[serde(rename_all = "camelCase")]
pub struct Autoscaling {
    /// Fewest runner pods; the HorizontalPodAutoscaler never scales below it.
    #[serde(default = "default_min_replicas")]
    #[schemars(range(min = 1, max = 1000))]
    pub min_replicas: i32,

    /// Most runner pods; the HorizontalPodAutoscaler never scales above it.
    #[schemars(range(min = 1, max = 1000))]
    pub max_replicas: i32,

    /// Average CPU use, in percent of the CPU request, that the autoscaler aims for.
    #[serde(default = "default_cpu_target")]
    #[schemars(range(min = 1, max = 100))]
    pub target_cpu_utilization_percent: i32,

    /// Average number of runs in flight per pod that the autoscaler aims for, read from the
    /// pods metric `runner_runs_in_flight`. Needs a custom metrics adapter (for example
    /// prometheus-adapter) serving that metric; without one, leave it unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub target_runs_in_flight: Option<i32>,
}

fn default_min_replicas() -> i32 {
    1
}

fn default_cpu_target() -> i32 {
    70
}

/// Prefixes of the labels and annotations the operator sets on runner pods, which a pool's
/// own may not use.
pub const RESERVED_POD_LABEL_PREFIXES: [&str; 2] = ["app.kubernetes.io/", "sandbox.runner.dev/"];

/// The Secret holding a pool's tenants file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Auth {
    /// Name of the Secret, in the pool's namespace.
    #[schemars(length(min = 1, max = 253))]
    pub secret_name: String,

    /// Key of the Secret that holds the tenants file.
    #[serde(default = "default_auth_key")]
    #[schemars(length(min = 1, max = 253))]
    pub key: String,
}

fn default_auth_key() -> String {
    crate::pod::AUTH_FILE_NAME.to_string()
}

/// The runner pods' own settings; the fields mean what they mean in a Pod spec.
#[derive(KubeSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[x_kube(
    validation = Rule::new("!has(self.labels) || self.labels.all(k, !k.startsWith('app.kubernetes.io/') && !k.startsWith('sandbox.runner.dev/'))")
        .message("pod.labels may not use the prefixes app.kubernetes.io/ and sandbox.runner.dev/: the operator selects and describes its runner pods with them"),
    validation = Rule::new("!has(self.annotations) || self.annotations.all(k, !k.startsWith('sandbox.runner.dev/'))")
        .message("pod.annotations may not use the prefix sandbox.runner.dev/: the operator's own annotations (such as the policy hash that rolls the pods) live there")
)]
#[serde(rename_all = "camelCase")]
pub struct RunnerPod {
    /// Labels a node must have to run a runner pod.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,

    /// Taints runner pods tolerate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,

    /// Node and pod affinity of runner pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,

    /// PriorityClass of runner pods; the cluster's default when not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub priority_class_name: Option<String>,

    /// RuntimeClass of runner pods, such as `gvisor` or `kata`: a second wall around the
    /// WebAssembly sandbox (docs/security.md). The cluster's default runtime when not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub runtime_class_name: Option<String>,

    /// Secrets (in the pool's namespace) for pulling the runner image from a private registry.
    /// Also added to the application pods the sidecar webhook injects this pool's runner into.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16))]
    pub image_pull_secrets: Vec<LocalObjectReference>,

    /// Labels added to runner pods (for cost allocation, policies, service meshes); the
    /// operator's own (`app.kubernetes.io/*`, `sandbox.runner.dev/*`) cannot be replaced.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("maxProperties" = 64))]
    pub labels: BTreeMap<String, String>,

    /// Annotations added to runner pods; `sandbox.runner.dev/*` is the operator's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("maxProperties" = 64))]
    pub annotations: BTreeMap<String, String>,
}

/// Limits every sandbox of the pool is held to.
///
/// The names match runner-node's flags and the sandbox policy file, so one vocabulary serves
/// the resource, the policy and the server.
#[derive(KubeSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[x_kube(
    validation = Rule::new("self.timeoutMs <= self.maxTimeoutMs")
        .message(Message::Expression("'limits.timeoutMs (' + string(self.timeoutMs) + ') is the default a request gets and must not exceed limits.maxTimeoutMs (' + string(self.maxTimeoutMs) + ')'".into())),
    validation = Rule::new("!has(self.memoryMb) || self.memoryMb <= self.maxMemoryMb")
        .message(Message::Expression("'limits.memoryMb (' + string(self.memoryMb) + ') is the default a request gets and must not exceed limits.maxMemoryMb (' + string(self.maxMemoryMb) + ')'".into()))
)]
#[serde(rename_all = "camelCase")]
pub struct SandboxLimits {
    /// Wall-time limit of a run that names none, in milliseconds. Default 5000.
    #[serde(default = "policy::default_timeout_ms")]
    #[schemars(range(min = 1))]
    pub timeout_ms: u64,

    /// Largest wall-time limit a request may ask for, in milliseconds. Default 60000.
    #[serde(default = "policy::default_max_timeout_ms")]
    #[schemars(range(min = 1, max = 3_600_000))]
    pub max_timeout_ms: u64,

    /// Largest CPU-time limit a request may ask for (`cpu_limit_ms`), in milliseconds. A run
    /// that names none is bounded by its wall time only. Default 60000.
    #[serde(default = "policy::default_max_cpu_limit_ms")]
    #[schemars(range(min = 1, max = 3_600_000))]
    pub max_cpu_limit_ms: u64,

    /// Memory limit of a run that names none, in MiB. Default: the runtime's, 128 for
    /// `standard` and 512 for `scientific`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub memory_mb: Option<u64>,

    /// Largest memory limit a request may ask for, in MiB; at most 4096 (the wasm32 address
    /// space). Default 1024.
    #[serde(default = "policy::default_max_memory_mb")]
    #[schemars(range(min = 1, max = 4096))]
    pub max_memory_mb: u64,

    /// Most bytes of stdout and stderr kept per run; at the cap the run is stopped and its
    /// output marked truncated. Default 1048576 (1 MiB).
    #[serde(default = "policy::default_max_output_bytes")]
    #[schemars(range(min = 1, max = 1_073_741_824))]
    pub max_output_bytes: u64,

    /// Most files one run returns through its request's `outputs`; further matches are listed
    /// as omitted. 0 returns none. Default 100.
    #[serde(default = "policy::default_max_output_files")]
    #[schemars(range(max = 100_000))]
    pub max_output_files: u32,

    /// Most bytes of files one run returns through its request's `outputs`; a file that would
    /// pass the cap is listed as omitted. Default 16777216 (16 MiB).
    #[serde(default = "policy::default_max_output_files_bytes")]
    #[schemars(range(max = 1_073_741_824))]
    pub max_output_files_bytes: u64,

    /// Runs one runner pod executes at once; further requests wait for a slot, then get 503.
    /// Default 32.
    #[serde(default = "policy::default_max_concurrent_runs")]
    #[schemars(range(min = 1, max = 1024))]
    pub max_concurrent_runs: u32,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        let limits = policy::PolicyLimits::default();
        SandboxLimits {
            timeout_ms: limits.timeout_ms,
            max_timeout_ms: limits.max_timeout_ms,
            max_cpu_limit_ms: limits.max_cpu_limit_ms,
            memory_mb: None,
            max_memory_mb: limits.max_memory_mb,
            max_output_bytes: limits.max_output_bytes,
            max_output_files: limits.max_output_files,
            max_output_files_bytes: limits.max_output_files_bytes,
            max_concurrent_runs: limits.max_concurrent_runs,
        }
    }
}

/// Read-only data shown to every sandbox at `/data/<name>`.
#[derive(KubeSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[x_kube(
    validation = Rule::new("has(self.configMap) != has(self.persistentVolumeClaim)")
        .message("a data mount takes exactly one source: set configMap or persistentVolumeClaim")
)]
#[serde(rename_all = "camelCase")]
pub struct DataMount {
    /// Name of the mount, unique in the pool; the guest sees the data at `/data/<name>`.
    #[schemars(
        length(min = 1, max = 63),
        regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    )]
    pub name: String,

    /// A ConfigMap in the pool's namespace whose keys become files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<ConfigMapSource>,

    /// A PersistentVolumeClaim in the pool's namespace, mounted read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_volume_claim: Option<PvcSource>,
}

/// Most modules a pool may pre-import.
pub const MAX_PREIMPORTS: usize = 64;

/// A pool's own pure-Python packages.
#[derive(KubeSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[x_kube(
    validation = Rule::new("has(self.persistentVolumeClaim) != has(self.image)")
        .message("packages needs exactly one of persistentVolumeClaim and image"),
    validation = Rule::new("!has(self.subPath) || !self.subPath.matches('(^|/)[.][.](/|$)')")
        .message("packages.subPath must stay inside the volume: no '..' parts")
)]
#[serde(rename_all = "camelCase")]
pub struct Packages {
    /// A PersistentVolumeClaim in the pool's namespace holding the folder, mounted read-only
    /// (ReadOnlyMany or ReadWriteMany when runners sit on several nodes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_volume_claim: Option<PvcSource>,

    /// An OCI image whose files are the folder, mounted as an image volume. Image volumes are
    /// beta in Kubernetes 1.33 and off by default (feature gate `ImageVolume`): use a
    /// PersistentVolumeClaim on clusters without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageSource>,

    /// Folder inside the volume that holds the packages; the volume's root when not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253), regex(pattern = r"^[^/](.*[^/])?$"))]
    pub sub_path: Option<String>,

    /// Modules imported into each runner's snapshot, e.g. `[sympy, networkx]`: importing them
    /// then costs a run nothing. Their memory is in every run from the start, so
    /// `limits.memoryMb` must hold it (a runner that cannot says so and does not start).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 64))]
    #[schemars(inner(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")))]
    #[schemars(extend("x-kubernetes-list-type" = "set"))]
    pub preimport: Vec<String>,
}

/// An OCI image mounted read-only as a volume.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImageSource {
    /// The image or artifact reference, e.g. `registry.example/team/packages:1.2`.
    #[schemars(length(min = 1, max = 1024))]
    pub reference: String,

    /// When the kubelet pulls it (Kubernetes' default when not set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_policy: Option<ImagePullPolicy>,
}

/// A ConfigMap to mount read-only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigMapSource {
    /// Name of the ConfigMap, in the pool's namespace.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
}

/// A PersistentVolumeClaim to mount read-only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PvcSource {
    /// Name of the PersistentVolumeClaim, in the pool's namespace.
    #[schemars(length(min = 1, max = 253))]
    pub claim_name: String,
}

/// How each runner keeps sessions (runner-node's session flags).
#[derive(KubeSchema, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[x_kube(
    validation = Rule::new("self.idleTimeoutSeconds <= self.maxIdleTimeoutSeconds")
        .message("sessions.idleTimeoutSeconds may not exceed sessions.maxIdleTimeoutSeconds")
)]
#[serde(rename_all = "camelCase")]
pub struct Sessions {
    /// Most sessions one runner keeps at once. Each holds its `memoryMb` of the runner's
    /// memory and its `/work` for as long as it lives: size `resources` and `scratch` for them
    /// beside the runs.
    #[serde(default = "default_max_sessions")]
    #[schemars(range(min = 1, max = 1024))]
    pub max_sessions: u32,

    /// Seconds without a run after which a session ends, when its request names none.
    #[serde(default = "default_idle_timeout_seconds")]
    #[schemars(range(min = 1, max = 86400))]
    pub idle_timeout_seconds: u64,

    /// Largest idle timeout a session request may ask for.
    #[serde(default = "default_max_idle_timeout_seconds")]
    #[schemars(range(min = 1, max = 86400))]
    pub max_idle_timeout_seconds: u64,

    /// Seconds a session may live, used or not.
    #[serde(default = "default_session_lifetime_seconds")]
    #[schemars(range(min = 1, max = 604800))]
    pub lifetime_seconds: u64,
}

fn default_max_sessions() -> u32 {
    16
}

fn default_idle_timeout_seconds() -> u64 {
    600
}

fn default_max_idle_timeout_seconds() -> u64 {
    3600
}

fn default_session_lifetime_seconds() -> u64 {
    4 * 3600
}

/// Writable scratch space of the sandboxes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Scratch {
    /// Most bytes one run may write under `/work` (a quantity such as `64Mi`); a run that
    /// fills it gets an error, nothing else is harmed. The pod's scratch volume is sized for
    /// `limits.maxConcurrentRuns` runs at this quota.
    pub per_run: Quantity,
}

/// Pods admitted by one rule: those matching both selectors.
#[derive(KubeSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[x_kube(
    validation = Rule::new("has(self.namespaceSelector) || has(self.podSelector)")
        .message("a caller rule needs namespaceSelector, podSelector or both; {} selects everything")
)]
#[serde(rename_all = "camelCase")]
pub struct CallerRule {
    /// Namespaces the pods may be in (`{}`: every namespace). When not set, the pool's own
    /// namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,

    /// Labels the pods must have (`{}`: every pod). When not set, every pod of the selected
    /// namespaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_selector: Option<LabelSelector>,
}

/// Where and how much the runners trace. Setting it opens the runners' NetworkPolicy to the
/// collector's port (to `collectorPeers` only, when given) and, when the endpoint names a host
/// rather than an address, to DNS (port 53): nothing else.
#[derive(KubeSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[x_kube(
    validation = Rule::new(r"self.otlpEndpoint.matches('^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^?# ]*)?$')")
        .message("tracing.otlpEndpoint is the collector's OTLP/HTTP base URL, http(s)://host[:port][/path] with a host name or an IPv4 address, such as http://otel-collector.monitoring:4318")
)]
#[serde(rename_all = "camelCase")]
pub struct Tracing {
    /// Base URL of the collector's OTLP/HTTP receiver, such as
    /// `http://otel-collector.monitoring:4318`; spans go to `<it>/v1/traces` as protobuf.
    /// The runners get it as `OTEL_EXPORTER_OTLP_ENDPOINT`.
    #[schemars(length(min = 1, max = 2048))]
    pub otlp_endpoint: String,

    /// NetworkPolicy peers (namespaceSelector, podSelector, ipBlock) the collector is among:
    /// the runners' egress to the endpoint's port goes to them only. Empty: that one port at
    /// any address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16))]
    pub collector_peers: Vec<NetworkPolicyPeer>,

    /// Fraction of runs traced, from 0 to 1, when the caller's `traceparent` does not decide
    /// (a caller's sampled or not-sampled flag is always followed). Not set: every run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub sampling_ratio: Option<f64>,
}

/// The collector's address as the runners' NetworkPolicy needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Collector {
    /// The TCP port: the URL's, else 80 for `http` and 443 for `https`.
    pub port: u16,
    /// The URL names a host, so the runners must reach DNS to find it.
    pub needs_dns: bool,
}

impl Tracing {
    /// The collector's port and whether finding it needs DNS; `Err` says what is wrong with
    /// `otlpEndpoint` (the CRD's rule refuses such URLs first).
    pub fn collector(&self) -> Result<Collector, String> {
        let endpoint = &self.otlp_endpoint;
        let invalid = |why: &str| {
            Err(format!(
                "tracing.otlpEndpoint {endpoint:?} {why}: it is the collector's OTLP/HTTP base \
                 URL, http(s)://host[:port][/path]"
            ))
        };
        let Ok(uri) = endpoint.parse::<http::Uri>() else {
            return invalid("is not a URL");
        };
        let default_port = match uri.scheme_str() {
            Some("http") => 80,
            Some("https") => 443,
            _ => return invalid("does not start with http:// or https://"),
        };
        let Some(authority) = uri.authority() else {
            return invalid("names no host");
        };
        if authority.as_str().contains('@') || uri.query().is_some() {
            return invalid("carries user information or a query");
        }
        // `http` reads a port it cannot parse as none: look at the text itself.
        let port_text = authority
            .as_str()
            .rsplit_once(':')
            .map(|(_, port)| port)
            .filter(|port| !port.contains(']'));
        let port = match (port_text, authority.port_u16()) {
            (None, _) => default_port,
            (Some(_), Some(port)) if port != 0 => port,
            (Some(text), _) => {
                return invalid(&format!("names port {text:?}, not one from 1 to 65535"));
            }
        };
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        Ok(Collector {
            port,
            needs_dns: host.parse::<std::net::IpAddr>().is_err(),
        })
    }
}

/// Observed state of a pool, written by the operator.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PythonSandboxPoolStatus {
    /// The `metadata.generation` this status describes; older than the pool's generation while
    /// the operator has not yet acted on the latest change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,

    /// Runner pods wanted (for PerNode: nodes that should run one).
    #[serde(default)]
    pub replicas: i32,

    /// Runner pods ready to serve.
    #[serde(default)]
    pub ready_replicas: i32,

    /// Label selector of the runner pods, as a string (for the scale subresource).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,

    /// In-cluster URL of the pool, such as `http://NAME.NAMESPACE.svc:3000`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,

    /// `Ready` (the pool serves), `Progressing` (a rollout is under way) and `Degraded` (the
    /// operator could not act on the spec), each with a reason and a message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
}

/// Condition types a pool reports.
pub mod condition {
    /// The pool serves: every wanted runner pod is ready on the current spec.
    pub const READY: &str = "Ready";
    /// A rollout or scale is under way.
    pub const PROGRESSING: &str = "Progressing";
    /// The operator could not act on the spec (invalid spec, a child it could not apply).
    pub const DEGRADED: &str = "Degraded";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collector(endpoint: &str) -> Result<Collector, String> {
        Tracing {
            otlp_endpoint: endpoint.into(),
            collector_peers: Vec::new(),
            sampling_ratio: None,
        }
        .collector()
    }

    #[test]
    fn a_collector_port_is_the_urls_or_the_schemes() {
        let named = |port| Collector {
            port,
            needs_dns: true,
        };
        assert_eq!(collector("http://otel:4318"), Ok(named(4318)));
        assert_eq!(collector("http://otel.monitoring.svc/otlp"), Ok(named(80)));
        assert_eq!(collector("https://otel.example"), Ok(named(443)));
        let address = collector("http://10.1.2.3:4318/").unwrap();
        assert!(!address.needs_dns);
        assert!(!collector("http://[fd00::7]:4318").unwrap().needs_dns);
    }

    #[test]
    fn a_collector_url_that_cannot_be_reached_is_named_in_the_error() {
        for (endpoint, why) in [
            ("otel:4318", "does not start with http:// or https://"),
            (
                "grpc://otel:4317",
                "does not start with http:// or https://",
            ),
            ("/v1/traces", "does not start with http:// or https://"),
            ("http://otel:0", "names port \"0\", not one from 1 to 65535"),
            ("http://otel:99999", "names port \"99999\""),
            ("http://otel:/", "names port \"\""),
            ("http://otel:4318/?key=secret", "query"),
            ("http://me@otel:4318", "user information"),
        ] {
            let error = collector(endpoint).unwrap_err();
            assert!(
                error.contains(why) && error.contains(endpoint),
                "{endpoint}: {error}"
            );
        }
    }
}
