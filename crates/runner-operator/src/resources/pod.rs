//! The runner pods: their template, and the runner-node container with its volumes, which the
//! sidecar webhook injects into application pods as well.
//!
//! Over 400 lines: the runner container is one long literal whose every field says why it is set.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapVolumeSource, Container, ContainerPort, EmptyDirVolumeSource, EnvVar,
    EnvVarSource, HTTPGetAction, ImageVolumeSource, KeyToPath, ObjectFieldSelector,
    PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, SeccompProfile, SecretVolumeSource, SecurityContext, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use runner_api::policy::SandboxPolicy;
use runner_api::pool::{AuditLog, Packages, PythonSandboxPoolSpec, Sessions, Tracing};

use super::{Meta, Settings, config_map_name, labels, layout};

/// How long a runner may take to start: one with its image's precompiled interpreter is ready
/// in well under a second, one that must snapshot and compile it (no precompiled file, a cold
/// module cache) takes tens of seconds on a small node.
pub const STARTUP_SECONDS: i32 = 120;
/// How long a runner with packages may take to start: it byte-compiles them and snapshots the
/// interpreter with its pre-imports, minutes for large packages on a small node.
pub const STARTUP_SECONDS_WITH_PACKAGES: i32 = 600;
/// How often the startup probe asks.
const STARTUP_PERIOD_SECONDS: i32 = 5;

/// The runner pods' template: the runner container, its volumes, security, and the pool's
/// `pod` settings (the operator's labels and annotations win over the pool's).
pub(super) fn template(
    meta: &Meta<'_>,
    spec: &PythonSandboxPoolSpec,
    settings: &Settings,
    policy: &SandboxPolicy,
    policy_hash: &str,
) -> PodTemplateSpec {
    let Runner { container, volumes } = runner_parts(meta.name, spec, settings, policy, "");
    let pod = spec.pod.clone().unwrap_or_default();
    let mut pod_labels = pod.labels;
    pod_labels.extend(meta.labels());
    let mut annotations = pod.annotations;
    annotations.insert(labels::POLICY_HASH.to_string(), policy_hash.to_string());

    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(pod_labels),
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
            node_selector: (!pod.node_selector.is_empty()).then_some(pod.node_selector),
            tolerations: non_empty(pod.tolerations),
            affinity: pod.affinity,
            priority_class_name: pod.priority_class_name,
            runtime_class_name: pod.runtime_class_name,
            image_pull_secrets: non_empty(pod.image_pull_secrets),
            containers: vec![container],
            volumes: Some(volumes),
            ..PodSpec::default()
        }),
    }
}

/// `None` for an empty list: the field stays out of the object, as Kubernetes writes it.
fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
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

/// The runner of a checked pool (see [`super::ValidPool::runner`]).
pub(super) fn runner_parts(
    pool_name: &str,
    spec: &PythonSandboxPoolSpec,
    settings: &Settings,
    policy: &SandboxPolicy,
    volume_prefix: &str,
) -> Runner {
    let named = |name: &str| format!("{volume_prefix}{name}");
    // Every run's /work, and every session's, which lives as long as the session.
    let sessions = spec.sessions.as_ref().map_or(0, |s| s.max_sessions);
    let scratch_limit = u128::from(policy.scratch_quota_bytes)
        * u128::from(policy.limits.max_concurrent_runs + sessions);
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
    if let Some(auth) = &spec.auth {
        let volume = named("auth");
        volumes.push(Volume {
            name: volume.clone(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(auth.secret_name.clone()),
                items: Some(vec![KeyToPath {
                    key: auth.key.clone(),
                    path: layout::AUTH_FILE_NAME.into(),
                    mode: None,
                }]),
                ..SecretVolumeSource::default()
            }),
            ..Volume::default()
        });
        mounts.push(mount(&volume, layout::AUTH_DIR, true));
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
            .chain(
                spec.auth
                    .iter()
                    .map(|_| env("RUNNER_AUTH_TOKENS_FILE", layout::AUTH_FILE)),
            )
            .chain(spec.tracing.iter().flat_map(|t| tracing_env(pool_name, t)))
            .chain(
                (spec.audit_log == Some(AuditLog::Stdout))
                    .then(|| env("RUNNER_AUDIT_LOG", "stdout")),
            )
            .chain(sessions_env(spec.sessions.as_ref()))
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

/// The variable that tells runner-node its pod's IP, which session urls name (the sidecar
/// listens on loopback and leaves it out).
pub const ADVERTISE_IP_ENV: &str = "RUNNER_ADVERTISE_IP";

/// runner-node's session flags: none kept when the pool does not ask for sessions; otherwise
/// the pool's bounds and the pod's IP for the sessions' urls.
fn sessions_env(sessions: Option<&Sessions>) -> Vec<EnvVar> {
    let Some(sessions) = sessions else {
        return vec![env("RUNNER_MAX_SESSIONS", "0")];
    };
    vec![
        env("RUNNER_MAX_SESSIONS", &sessions.max_sessions.to_string()),
        env(
            "RUNNER_SESSION_IDLE_TIMEOUT_S",
            &sessions.idle_timeout_seconds.to_string(),
        ),
        env(
            "RUNNER_MAX_SESSION_IDLE_TIMEOUT_S",
            &sessions.max_idle_timeout_seconds.to_string(),
        ),
        env(
            "RUNNER_SESSION_LIFETIME_S",
            &sessions.lifetime_seconds.to_string(),
        ),
        field_env(ADVERTISE_IP_ENV, "status.podIP"),
    ]
}

/// A variable the kubelet fills from the pod's own fields (the downward API).
fn field_env(name: &str, path: &str) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: None,
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: path.into(),
                api_version: None,
            }),
            ..EnvVarSource::default()
        }),
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
    let field = field_env;
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

/// runner-node's HTTP threads (`RUNNER_WORKER_THREADS`; runs execute on threads of their own):
/// the container's CPU limit, else its CPU request, rounded up (1 for the default 250m request;
/// 1 to 64). Left to itself runner-node starts one per CPU it sees, which in a pod without a
/// CPU limit is every CPU of the node, far more than its HTTP needs.
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
pub(crate) fn default_resources() -> ResourceRequirements {
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
