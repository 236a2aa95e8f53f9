//! The sidecar injector: an `AdmissionReview` of a pod in, an `AdmissionResponse` out.
//!
//! ```text
//!  pod labelled sandbox.runner.dev/pool=<pool> ──▶ API server ──▶ POST /mutate (this module)
//!                                                                   │ look the pool up
//!                                                                   ▼
//!   JSON patch: + init container `sandbox-runner` (restartPolicy Always: a native sidecar),
//!               + its volumes, + SANDBOX_RUNNER_URL in every app container, + an annotation
//! ```
//!
//! The runner is the pool's own runner container ([`resources::ValidPool::runner`]): same image, policy
//! ConfigMap, limits, data mounts, scratch and restricted security context. It differs in what
//! a sidecar needs: it listens on 127.0.0.1 only (the pod's own containers reach it, nothing
//! else does) on a port no container of the pod declares, carries its user id itself (the
//! pod's security context belongs to the application), and is probed by `runner-node probe`
//! run inside it (exec), not by HTTP probes, which the kubelet would send to the pod IP where
//! nothing listens.
//!
//! Every decision is made by [`review`] without a cluster: the pool comes from a
//! [`PoolLookup`], which is the API server in the operator and a map in tests.
//!
//! Over 400 lines: one decision (`review`) and the JSON patch that carries it out, with the
//! checks between them.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use json_patch::jsonptr::PointerBuf;
use json_patch::{AddOperation, Patch, PatchOperation};
use k8s_openapi::api::core::v1::{Container, ExecAction, Pod, PodSpec, Probe};
use kube::Api;
use kube::core::DynamicObject;
use kube::core::admission::{AdmissionRequest, AdmissionResponse, AdmissionReview, Operation};
use runner_api::pool::PythonSandboxPool;
use serde_json::Value;

use crate::resources::{self, Settings, layout};

/// The label a pod opts in with; its value names a pool in the pod's namespace. The webhook
/// configuration's `objectSelector` matches it, so other pods never reach the webhook.
pub const POOL_LABEL: &str = "sandbox.runner.dev/pool";
/// Annotation the injector sets (to the pool's name): a pod that carries it is not injected
/// again, whatever reinvokes the webhook.
pub const INJECTED_ANNOTATION: &str = "sandbox.runner.dev/injected";
/// Annotation a pod may set to choose the runner's localhost port (when the default collides
/// with a port the application opens without declaring it).
pub const PORT_ANNOTATION: &str = "sandbox.runner.dev/sidecar-port";
/// Annotation a pod may set to have the runner serve `/metrics` on this port of the pod's
/// address (declared as [`METRICS_PORT_NAME`], for a PodMonitor to scrape). Without it the
/// runner opens no admin port at all, so it never takes a port the application uses.
pub const METRICS_PORT_ANNOTATION: &str = "sandbox.runner.dev/sidecar-metrics-port";
/// Name of the sidecar's declared metrics port (the chart's sidecar PodMonitor scrapes it).
pub const METRICS_PORT_NAME: &str = "sandbox-metrics";
/// Name of the injected init container; a pod with a container of this name is not injected.
pub const SIDECAR_NAME: &str = "sandbox-runner";
/// Prefix of the injected volumes' names, so they never meet the application's own.
pub const VOLUME_PREFIX: &str = "sandbox-runner-";
/// The variable every application container gets: the runner's URL, `http://127.0.0.1:<port>`.
/// A container that already sets it keeps its own value.
pub const URL_ENV: &str = "SANDBOX_RUNNER_URL";
/// The runner's port when no container of the pod declares it: below the kernel's ephemeral
/// range (32768+), so an outgoing connection never holds it, and off the usual app ports.
pub const DEFAULT_PORT: u16 = 13000;

/// The probes' `timeoutSeconds`.
pub const PROBE_TIMEOUT_SECONDS: i32 = 2;
/// `runner-node probe --timeout-ms`: under [`PROBE_TIMEOUT_SECONDS`], leaving the kubelet time
/// to start the process.
pub const PROBE_TIMEOUT_MS: u64 = 1_500;
const _: () = assert!(
    PROBE_TIMEOUT_MS < PROBE_TIMEOUT_SECONDS as u64 * 1000
        && PROBE_TIMEOUT_MS <= layout::PROBE_MAX_TIMEOUT_MS,
    "the probe's own timeout must be under the kubelet's and within what runner-node accepts"
);

/// What the injector needs besides the pod and the pool.
#[derive(Clone, Debug)]
pub struct WebhookConfig {
    /// Image of runner-node for pools that name none.
    pub settings: Settings,
    /// Namespaces whose pods are never touched, even when the webhook configuration's
    /// namespaceSelector lets them through (system namespaces, the operator's own).
    pub excluded_namespaces: BTreeSet<String>,
}

/// Namespaces excluded by default besides the operator's own.
pub const SYSTEM_NAMESPACES: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

impl WebhookConfig {
    /// The system namespaces and `operator_namespace` excluded.
    pub fn new(settings: Settings, operator_namespace: Option<&str>) -> Self {
        let excluded_namespaces = SYSTEM_NAMESPACES
            .into_iter()
            .chain(operator_namespace)
            .map(str::to_string)
            .collect();
        WebhookConfig {
            settings,
            excluded_namespaces,
        }
    }
}

/// Where the injector finds pools: the API server, or a map in tests.
pub trait PoolLookup: Sync {
    /// The pool `name` in `namespace`; `Ok(None)` when there is none; `Err` with a message when
    /// the lookup itself failed.
    fn pool(
        &self,
        namespace: &str,
        name: &str,
    ) -> impl Future<Output = Result<Option<PythonSandboxPool>, String>> + Send;
}

impl PoolLookup for kube::Client {
    async fn pool(&self, namespace: &str, name: &str) -> Result<Option<PythonSandboxPool>, String> {
        Api::<PythonSandboxPool>::namespaced(self.clone(), namespace)
            .get_opt(name)
            .await
            .map_err(|e| e.to_string())
    }
}

impl PoolLookup for BTreeMap<(String, String), PythonSandboxPool> {
    async fn pool(&self, namespace: &str, name: &str) -> Result<Option<PythonSandboxPool>, String> {
        Ok(self
            .get(&(namespace.to_string(), name.to_string()))
            .cloned())
    }
}

/// The answer to one webhook call.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// A well-formed review, answered (allowed, with or without a patch, or denied). HTTP 200.
    Reviewed(Box<AdmissionResponse>),
    /// The body is not an `AdmissionReview` with a request: the message says why. HTTP 400.
    Malformed(String),
}

impl Reply {
    /// The HTTP status the webhook server answers with.
    pub fn status(&self) -> u16 {
        match self {
            Reply::Reviewed(_) => 200,
            Reply::Malformed(_) => 400,
        }
    }

    /// The body: an `AdmissionReview` holding the response (for a malformed body, a refusal
    /// with the reason and no uid).
    pub fn into_review(self) -> AdmissionReview<DynamicObject> {
        match self {
            Reply::Reviewed(response) => (*response).into_review(),
            Reply::Malformed(message) => AdmissionResponse::invalid(message).into_review(),
        }
    }
}

/// Answers the `AdmissionReview` in `body`. Never panics: whatever the bytes, the reply says
/// what happened.
pub async fn review(body: &[u8], pools: &impl PoolLookup, config: &WebhookConfig) -> Reply {
    let review: AdmissionReview<DynamicObject> = match serde_json::from_slice(body) {
        Ok(review) => review,
        Err(e) => return Reply::Malformed(format!("the body is not an AdmissionReview: {e}")),
    };
    let request: AdmissionRequest<DynamicObject> = match review.try_into() {
        Ok(request) => request,
        Err(_) => return Reply::Malformed("the AdmissionReview carries no request".into()),
    };
    Reply::Reviewed(Box::new(respond(&request, pools, config).await))
}

async fn respond(
    request: &AdmissionRequest<DynamicObject>,
    pools: &impl PoolLookup,
    config: &WebhookConfig,
) -> AdmissionResponse {
    let allow = AdmissionResponse::from(request);
    let is_pod = request.kind.group.is_empty() && request.kind.kind == "Pod";
    if !is_pod || !matches!(request.operation, Operation::Create) {
        // Only a pod's creation can add containers; anything else passes untouched.
        return allow;
    }
    let Some(object) = &request.object else {
        return allow.deny("the review of a pod's CREATE carries no object");
    };
    let pod: Pod = match serde_json::to_value(object).and_then(serde_json::from_value) {
        Ok(pod) => pod,
        Err(e) => return allow.deny(format!("the object is not a valid Pod: {e}")),
    };
    let Some(pool_name) = pod
        .metadata
        .labels
        .as_ref()
        .and_then(|labels| labels.get(POOL_LABEL))
    else {
        return allow;
    };
    let Some(namespace) = request
        .namespace
        .as_deref()
        .or(pod.metadata.namespace.as_deref())
    else {
        return allow.deny("the review names no namespace for the pod");
    };
    if config.excluded_namespaces.contains(namespace) {
        let mut allow = allow;
        allow.warnings = Some(vec![format!(
            "no sandbox runner injected: namespace {namespace} is excluded from injection"
        )]);
        return allow;
    }
    if is_injected(&pod) {
        return allow;
    }
    let pool = match pools.pool(namespace, pool_name).await {
        Ok(Some(pool)) => pool,
        Ok(None) => {
            return allow.deny(format!(
                "PythonSandboxPool {pool_name:?} not found in namespace {namespace:?}: the pod's \
                 label {POOL_LABEL} must name a pool in its own namespace"
            ));
        }
        Err(e) => {
            return allow.deny(format!(
                "looking up PythonSandboxPool {pool_name:?} in namespace {namespace:?}: {e}"
            ));
        }
    };
    let patch = match sidecar_patch(&pod, &pool, &config.settings) {
        Ok(patch) => patch,
        Err(message) => {
            return allow.deny(format!(
                "cannot inject the runner of PythonSandboxPool {pool_name:?} in namespace \
                 {namespace:?}: {message}"
            ));
        }
    };
    match allow.clone().with_patch(patch) {
        Ok(response) => response,
        Err(e) => allow.deny(format!("serialising the patch: {e}")),
    }
}

/// Whether the pod already has the runner: the annotation, or a container of its name.
pub fn is_injected(pod: &Pod) -> bool {
    let annotated = pod
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(INJECTED_ANNOTATION));
    let spec = pod.spec.as_ref();
    let named = spec
        .map(|s| {
            s.containers
                .iter()
                .chain(s.init_containers.iter().flatten())
        })
        .into_iter()
        .flatten()
        .any(|c| c.name == SIDECAR_NAME);
    annotated || named
}

/// The JSON patch that adds `pool`'s runner to `pod`, or why it cannot be added. Lists the
/// pod already has are appended to (`/-`), never replaced.
pub fn sidecar_patch(
    pod: &Pod,
    pool: &PythonSandboxPool,
    settings: &Settings,
) -> Result<Patch, String> {
    let spec = pod.spec.as_ref().ok_or("the pod has no spec")?;
    let pool_name = pool.metadata.name.as_deref().unwrap_or_default();
    let declared = declared_ports(spec);
    let port = match annotated_port(pod, PORT_ANNOTATION, &declared)? {
        Some(port) => port,
        None => (DEFAULT_PORT..=u16::MAX)
            .find(|p| !declared.contains(&i32::from(*p)))
            .ok_or("no free port for the runner")?,
    };
    let metrics_port = annotated_port(pod, METRICS_PORT_ANNOTATION, &declared)?;
    if metrics_port == Some(port) {
        return Err(format!(
            "annotation {METRICS_PORT_ANNOTATION} asks for port {port}, the runner's own port"
        ));
    }
    let runner = resources::ValidPool::new(pool)
        .map_err(|e| e.to_string())?
        .runner(settings, VOLUME_PREFIX);

    let taken: BTreeSet<&str> = spec
        .volumes
        .iter()
        .flatten()
        .map(|v| v.name.as_str())
        .collect();
    if let Some(clash) = runner
        .volumes
        .iter()
        .find(|v| taken.contains(v.name.as_str()))
    {
        return Err(format!(
            "the pod already has a volume named {:?}; names starting with {VOLUME_PREFIX:?} are \
             kept for the runner",
            clash.name
        ));
    }

    let url = format!("http://127.0.0.1:{port}");
    let mut ops = Vec::new();
    let mut add = |path: PointerBuf, value: Value| {
        ops.push(PatchOperation::Add(AddOperation { path, value }));
    };
    let sidecar = sidecar(runner.container, port, metrics_port);
    append(
        &mut add,
        &["spec", "initContainers"],
        spec.init_containers.is_some(),
        vec![to_json(&sidecar)?],
    );
    append(
        &mut add,
        &["spec", "volumes"],
        spec.volumes.is_some(),
        runner
            .volumes
            .iter()
            .map(to_json)
            .collect::<Result<_, _>>()?,
    );
    // The pool's pull secrets, for the runner image; the pod's own stay, and one it already
    // names is not added twice. Nothing else of the pool's `pod` applies to another's pod.
    let pulls = spec.image_pull_secrets.as_deref().unwrap_or_default();
    let missing: Vec<Value> = pool
        .spec
        .pod
        .iter()
        .flat_map(|pod| &pod.image_pull_secrets)
        .filter(|secret| !pulls.contains(secret))
        .map(to_json)
        .collect::<Result<_, _>>()?;
    if !missing.is_empty() {
        append(
            &mut add,
            &["spec", "imagePullSecrets"],
            spec.image_pull_secrets.is_some(),
            missing,
        );
    }
    for (index, container) in spec.containers.iter().enumerate() {
        let env = container.env.as_deref();
        if env.is_some_and(|env| env.iter().any(|e| e.name == URL_ENV)) {
            continue;
        }
        let index = index.to_string();
        append(
            &mut add,
            &["spec", "containers", &index, "env"],
            env.is_some(),
            vec![to_json(&resources::env(URL_ENV, &url))?],
        );
    }
    match &pod.metadata.annotations {
        Some(_) => add(
            PointerBuf::from_tokens(["metadata", "annotations", INJECTED_ANNOTATION]),
            Value::String(pool_name.into()),
        ),
        None => add(
            PointerBuf::from_tokens(["metadata", "annotations"]),
            serde_json::json!({ INJECTED_ANNOTATION: pool_name }),
        ),
    }
    Ok(Patch(ops))
}

/// Adds `items` to the list at `path`: one `add` per item at `/-` when the list exists, else
/// one `add` that creates it.
fn append(add: &mut impl FnMut(PointerBuf, Value), path: &[&str], exists: bool, items: Vec<Value>) {
    let pointer = PointerBuf::from_tokens(path.iter().copied());
    if exists {
        for item in items {
            let mut at = pointer.clone();
            at.push_back("-");
            add(at, item);
        }
    } else {
        add(pointer, Value::Array(items));
    }
}

/// The runner container turned into a native sidecar on `127.0.0.1:port`, with its admin port
/// (`/metrics`) on the pod's address at `metrics_port`, or off.
fn sidecar(mut container: Container, port: u16, metrics_port: Option<u16>) -> Container {
    container.name = SIDECAR_NAME.into();
    // An init container that keeps running beside the app, started before it and stopped
    // after it (Kubernetes 1.29+).
    container.restart_policy = Some("Always".into());
    // Nothing outside the pod may reach its runs, so it declares no run port. The kubelet's
    // HTTP probes go to the pod IP, where it does not listen: its probes run `runner-node
    // probe` inside the container, on loopback. Only metrics, when asked for, are served there.
    container.ports = metrics_port.map(|p| vec![resources::port(METRICS_PORT_NAME, i32::from(p))]);
    // The kubelet starts the app containers once this passes, so the app finds the runner
    // ready at its first call.
    // Probing every second for as long as the pool's runners may take to start.
    let startup_seconds = container
        .startup_probe
        .as_ref()
        .and_then(|p| Some(p.period_seconds? * p.failure_threshold?))
        .unwrap_or(resources::STARTUP_SECONDS);
    container.startup_probe = Some(exec_probe(port, "/ready", 1, startup_seconds));
    container.readiness_probe = Some(exec_probe(port, "/ready", 5, 2));
    container.liveness_probe = Some(exec_probe(port, "/health", 10, 3));
    let env = container.env.get_or_insert_default();
    // The app reaches its sidecar on loopback: session urls name the Host it calls.
    env.retain(|var| var.name != resources::ADVERTISE_IP_ENV);
    env.extend([
        resources::env("RUNNER_HOST", "127.0.0.1"),
        resources::env("RUNNER_PORT", &port.to_string()),
    ]);
    match metrics_port {
        Some(metrics) => env.extend([
            resources::env("RUNNER_ADMIN_HOST", "0.0.0.0"),
            resources::env("RUNNER_ADMIN_PORT", &metrics.to_string()),
        ]),
        // The pool's pods serve it on 9090, a port applications use too.
        None => env.push(resources::env("RUNNER_ADMIN_PORT", "off")),
    }
    // The pod's security context is the application's: the runner states its own user.
    if let Some(sc) = container.security_context.as_mut() {
        sc.run_as_user = Some(layout::RUN_AS);
        sc.run_as_group = Some(layout::RUN_AS);
    }
    container
}

/// An exec probe: `runner-node probe` GETs `path` on `127.0.0.1:port` inside the container
/// (the image has no shell or curl) and exits 0 on a 2xx answer. Its own timeout
/// ([`PROBE_TIMEOUT_MS`]) is below the probe's `timeoutSeconds`, so a slow runner is reported
/// by the probe, with its reason, before the kubelet kills it.
fn exec_probe(port: u16, path: &str, period: i32, failures: i32) -> Probe {
    Probe {
        exec: Some(ExecAction {
            command: Some(layout::probe_command(port, path, PROBE_TIMEOUT_MS)),
        }),
        period_seconds: Some(period),
        failure_threshold: Some(failures),
        timeout_seconds: Some(PROBE_TIMEOUT_SECONDS),
        ..Probe::default()
    }
}

/// Every port a container of the pod declares, as container or host port.
fn declared_ports(spec: &PodSpec) -> BTreeSet<i32> {
    spec.containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .flat_map(|c| c.ports.iter().flatten())
        .flat_map(|p| [Some(p.container_port), p.host_port])
        .flatten()
        .collect()
}

/// The port the pod's `annotation` asks for, if it sets one; refused when it is not a port or
/// a container of the pod declares it.
fn annotated_port(
    pod: &Pod,
    annotation: &str,
    declared: &BTreeSet<i32>,
) -> Result<Option<u16>, String> {
    let Some(asked) = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(annotation))
    else {
        return Ok(None);
    };
    let port = asked
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("annotation {annotation}={asked:?} is not a port (1-65535)"))?;
    if declared.contains(&i32::from(port)) {
        return Err(format!(
            "annotation {annotation} asks for port {port}, which a container of the pod declares"
        ));
    }
    Ok(Some(port))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, String> {
    serde_json::to_value(value).map_err(|e| format!("serialising the sidecar: {e}"))
}
