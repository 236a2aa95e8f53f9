//! The pod contract between runner-operator and runner-node: where things are inside a runner
//! pod, the ports runner-node serves, and the command line of its exec probe. The operator
//! builds pods from these; runner-node's tests parse what they make, so a change on one side
//! that the other does not follow fails a test.

/// runner-node's HTTP API (`POST /run`, `/health`, `/ready`).
pub const HTTP_PORT: i32 = 3000;
/// runner-node's admin port (`/metrics`), kept apart so NetworkPolicy can admit scrapers
/// without admitting them to `/run`.
pub const ADMIN_PORT: i32 = 9090;
/// Directory the policy ConfigMap is mounted at.
pub const POLICY_DIR: &str = "/etc/runner";
/// Key of the policy in the ConfigMap, and its file name in [`POLICY_DIR`].
pub const POLICY_KEY: &str = "policy.yaml";
/// The policy file runner-node reads (`RUNNER_POLICY_FILE`).
pub const POLICY_FILE: &str = "/etc/runner/policy.yaml";
/// Writable scratch of the sandboxes (an emptyDir with a size limit); runner-node's `TMPDIR`.
pub const SCRATCH_DIR: &str = "/tmp";
/// Where a pool's auth Secret (its tenants file) is mounted, read-only.
pub const AUTH_DIR: &str = "/etc/runner-auth";
/// The tenants file inside [`AUTH_DIR`] (runner-node's `--auth-tokens-file`).
pub const AUTH_FILE: &str = "/etc/runner-auth/tenants.yaml";
/// The name of that file, whatever the Secret's key is.
pub const AUTH_FILE_NAME: &str = "tenants.yaml";
/// Where runner-node caches the compiled interpreter, so a restarted container skips the
/// compile; the root filesystem is read-only, so this is an emptyDir too.
pub const MODULE_CACHE_DIR: &str = "/var/cache/runner";
/// Size limit of the module cache volume.
pub const MODULE_CACHE_SIZE: &str = "512Mi";
/// Parent of the data mounts on the pod's filesystem.
pub const DATA_DIR: &str = "/var/run/runner/data";
/// Where the pool's packages volume is mounted (runner-node's `RUNNER_SITE_PACKAGES`).
pub const PACKAGES_DIR: &str = "/var/run/runner/packages";
/// Non-root user and group runner-node runs as (the distroless `nonroot` ids).
pub const RUN_AS: i64 = 65532;
/// Where the runner images (scripts/images.sh, images/release.Dockerfile) put `runner-node`;
/// exec probes call it by this path, as a FROM-scratch image has no `PATH` to search.
pub const RUNNER_BINARY: &str = "/usr/local/bin/runner-node";

/// Default of `runner-node probe --timeout-ms`: below the 1 s `timeoutSeconds` Kubernetes
/// gives a probe by default, so the probe reports its own reason instead of being killed.
pub const PROBE_DEFAULT_TIMEOUT_MS: u64 = 900;
/// Largest `runner-node probe --timeout-ms` accepted.
pub const PROBE_MAX_TIMEOUT_MS: u64 = 60_000;

/// Where the data mount `name` sits on the pod's filesystem.
pub fn data_dir(name: &str) -> String {
    format!("{DATA_DIR}/{name}")
}

/// The exec probe's command line, binary first: `runner-node probe` GETs `path` on
/// `127.0.0.1:port` inside the container and gives up after `timeout_ms`.
pub fn probe_command(port: u16, path: &str, timeout_ms: u64) -> Vec<String> {
    [
        RUNNER_BINARY,
        "probe",
        "--port",
        &port.to_string(),
        "--path",
        path,
        "--timeout-ms",
        &timeout_ms.to_string(),
    ]
    .map(String::from)
    .into()
}
