//! The sandbox policy: what every sandbox of a runner may do.
//!
//! `runner-operator` writes it, as YAML, into a ConfigMap that it mounts into each runner pod;
//! `runner-node` reads it from a file (`--policy-file`). Someone running `runner-node` by hand
//! can write one too, so the format is plain: snake_case names that match runner-node's flags
//! and the `POST /run` fields, every field optional with the default stated on it, and unknown
//! fields rejected so a typo is an error instead of a silently ignored limit.
//!
//! ```yaml
//! limits:
//!   timeout_ms: 5000          # a request that names no timeout gets this
//!   max_timeout_ms: 60000     # a request may ask for at most this
//!   max_cpu_limit_ms: 60000   # largest `cpu_limit_ms` a request may ask for
//!   memory_mb: 128
//!   max_memory_mb: 1024
//!   max_output_bytes: 1048576
//!   max_output_files: 100     # files a run may return (`outputs`)
//!   max_output_files_bytes: 16777216
//!   max_concurrent_runs: 32
//! allowed_env: [LANG]
//! data_mounts:
//!   - name: datasets
//!     host_path: /var/run/runner/data/datasets
//!     guest_path: /data/datasets
//! scratch_quota_bytes: 67108864
//! ```
//!
//! Over 400 lines with its unit tests: the policy file's types, its parser and its checks.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::runtime::Runtime;

/// Largest memory a 32-bit WebAssembly guest can address, in MiB.
pub const WASM32_MAX_MEMORY_MB: u64 = 4096;

/// Where the guest sees data mounts: `/data/<name>`.
pub const GUEST_DATA_DIR: &str = "/data";

/// The default of every limit: the one place each is written. runner-node's flags, policy
/// files, the `PythonSandboxPool` schema and the docs all take them from here.
pub mod defaults {
    /// Wall-time limit of a run that names none: 5 s.
    pub const TIMEOUT_MS: u64 = 5_000;
    /// Largest `timeout_ms` a request may ask for: 60 s.
    pub const MAX_TIMEOUT_MS: u64 = 60_000;
    /// Largest `cpu_limit_ms` a request may ask for: 60 s of CPU.
    pub const MAX_CPU_LIMIT_MS: u64 = 60_000;
    /// Memory limit of a run that names none: 128 MiB.
    pub const MEMORY_MB: u64 = 128;
    /// Largest `memory_mb` a request may ask for: 1 GiB.
    pub const MAX_MEMORY_MB: u64 = 1024;
    /// stdout + stderr kept per run: 1 MiB.
    pub const MAX_OUTPUT_BYTES: u64 = 1024 * 1024;
    /// Files one run may return through `outputs`: 100.
    pub const MAX_OUTPUT_FILES: u32 = 100;
    /// Bytes of files one run may return through `outputs`: 16 MiB.
    pub const MAX_OUTPUT_FILES_BYTES: u64 = 16 * 1024 * 1024;
    /// Runs executing at once in one runner: 32.
    pub const MAX_CONCURRENT_RUNS: u32 = 32;
    /// Bytes of `files` one request may bring into `/work`: 64 MiB.
    pub const SCRATCH_QUOTA_BYTES: u64 = 64 * 1024 * 1024;
}

/// Default scratch quota per run: 64 MiB.
pub const DEFAULT_SCRATCH_QUOTA_BYTES: u64 = defaults::SCRATCH_QUOTA_BYTES;

/// What every sandbox of a runner may do. See the [module docs](self) for the file format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxPolicy {
    /// Defaults and maxima of the per-run limits.
    #[serde(default)]
    pub limits: PolicyLimits,

    /// Environment variable names a request may pass into the guest; none by default.
    #[serde(default)]
    pub allowed_env: Vec<String>,

    /// Host directories shown read-only to every guest; none by default.
    #[serde(default)]
    pub data_mounts: Vec<DataMountPolicy>,

    /// Most bytes one run may write under its working directory `/work`; default 64 MiB.
    #[serde(default = "default_scratch_quota_bytes")]
    pub scratch_quota_bytes: u64,
}

impl Default for SandboxPolicy {
    fn default() -> Self {
        SandboxPolicy {
            limits: PolicyLimits::default(),
            allowed_env: Vec::new(),
            data_mounts: Vec::new(),
            scratch_quota_bytes: DEFAULT_SCRATCH_QUOTA_BYTES,
        }
    }
}

/// Defaults and maxima of the per-run limits. A request may lower a default and may never
/// exceed a maximum (that is a 422, not a silent clamp).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyLimits {
    /// Wall-time limit of a run that names none, in milliseconds; default 5000.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Largest `timeout_ms` a request may ask for; default 60000.
    #[serde(default = "default_max_timeout_ms")]
    pub max_timeout_ms: u64,
    /// Largest `cpu_limit_ms` a request may ask for; default 60000. A run that names none has
    /// no CPU limit but its wall time.
    #[serde(default = "default_max_cpu_limit_ms")]
    pub max_cpu_limit_ms: u64,
    /// Memory limit of a run that names none, in MiB; default 128.
    #[serde(default = "default_memory_mb")]
    pub memory_mb: u64,
    /// Largest `memory_mb` a request may ask for, at most 4096; default 1024.
    #[serde(default = "default_max_memory_mb")]
    pub max_memory_mb: u64,
    /// Most bytes of stdout + stderr kept per run; at the cap the run is stopped; default 1 MiB.
    #[serde(default = "default_max_output_bytes")]
    pub max_output_bytes: u64,
    /// Most files a run returns through `outputs`; the rest are listed as omitted; default 100.
    /// 0 returns none (every match is listed as omitted).
    #[serde(default = "default_max_output_files")]
    pub max_output_files: u32,
    /// Most bytes of files a run returns through `outputs`; a file that would pass the cap is
    /// listed as omitted; default 16 MiB.
    #[serde(default = "default_max_output_files_bytes")]
    pub max_output_files_bytes: u64,
    /// Runs executing at once in one runner; further requests wait for a slot; default 32.
    #[serde(default = "default_max_concurrent_runs")]
    pub max_concurrent_runs: u32,
}

impl Default for PolicyLimits {
    fn default() -> Self {
        PolicyLimits {
            timeout_ms: default_timeout_ms(),
            max_timeout_ms: default_max_timeout_ms(),
            max_cpu_limit_ms: default_max_cpu_limit_ms(),
            memory_mb: default_memory_mb(),
            max_memory_mb: default_max_memory_mb(),
            max_output_bytes: default_max_output_bytes(),
            max_output_files: default_max_output_files(),
            max_output_files_bytes: default_max_output_files_bytes(),
            max_concurrent_runs: default_max_concurrent_runs(),
        }
    }
}

/// A host directory every guest sees read-only. Data mounts are read-only by construction:
/// there is no field to make one writable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataMountPolicy {
    /// Name of the mount (a DNS label), unique in the policy.
    pub name: String,
    /// Absolute directory on the runner's filesystem that holds the data.
    pub host_path: PathBuf,
    /// Absolute path at which the guest sees it, `/data/<name>`.
    pub guest_path: String,
}

impl DataMountPolicy {
    /// A mount of `host_path` at the conventional guest path `/data/<name>`.
    pub fn new(name: impl Into<String>, host_path: impl Into<PathBuf>) -> Self {
        let name = name.into();
        DataMountPolicy {
            guest_path: format!("{GUEST_DATA_DIR}/{name}"),
            name,
            host_path: host_path.into(),
        }
    }
}

/// Why a policy was refused; the message names the field and the rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid sandbox policy: {0}")]
pub struct PolicyError(pub String);

impl SandboxPolicy {
    /// Parses a policy file (YAML or JSON) and validates it: what runner-node does with
    /// `--policy-file`. Parsing is text-in, value-out; reading the file is the caller's job.
    /// A file that sets no `limits.memory_mb` gets the standard runtime's default.
    pub fn from_yaml(text: &str) -> Result<Self, PolicyError> {
        Self::from_yaml_for(text, Runtime::Standard)
    }

    /// [`SandboxPolicy::from_yaml`] for a runner serving `runtime`: a file that sets no
    /// `limits.memory_mb` gets that runtime's default (512 MiB for the scientific one).
    pub fn from_yaml_for(text: &str, runtime: Runtime) -> Result<Self, PolicyError> {
        /// Whether the file names `limits.memory_mb`, whatever else it holds.
        #[derive(Deserialize)]
        struct Named {
            #[serde(default)]
            limits: Option<NamedLimits>,
        }
        #[derive(Deserialize)]
        struct NamedLimits {
            memory_mb: Option<serde::de::IgnoredAny>,
        }
        let error = |e: serde_saphyr::Error| PolicyError(e.to_string());
        let mut policy: SandboxPolicy = serde_saphyr::from_str(text).map_err(error)?;
        let named: Named = serde_saphyr::from_str(text).map_err(error)?;
        if named.limits.and_then(|l| l.memory_mb).is_none() {
            policy.limits.memory_mb = runtime.default_memory_mb();
        }
        policy.validate()?;
        Ok(policy)
    }

    /// Checks that the limits are coherent and names and paths are well formed, so a runner
    /// refuses a bad policy at start instead of misbehaving on the first request.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let fail = |message: String| Err(PolicyError(message));
        self.validate_limits(Limit::field)?;

        let mut env = BTreeSet::new();
        for name in &self.allowed_env {
            if !is_env_name(name) {
                return fail(format!(
                    "allowed_env: {name:?} is not an environment variable name \
                     ([A-Za-z_][A-Za-z0-9_]*)"
                ));
            }
            if !env.insert(name) {
                return fail(format!("allowed_env: {name:?} is listed twice"));
            }
        }

        let mut names = BTreeSet::new();
        let mut guest_paths = BTreeSet::new();
        for mount in &self.data_mounts {
            let name = &mount.name;
            if !is_dns_label(name) {
                return fail(format!(
                    "data_mounts: {name:?} is not a DNS label (lowercase letters, digits and '-', \
                     at most 63)"
                ));
            }
            if !names.insert(name) {
                return fail(format!("data_mounts: {name:?} is listed twice"));
            }
            if !mount.host_path.is_absolute() || !is_normal_path(&mount.host_path) {
                return fail(format!(
                    "data_mounts.{name}.host_path ({}) must be an absolute path without '..'",
                    mount.host_path.display()
                ));
            }
            let guest = Path::new(&mount.guest_path);
            let under_data = guest
                .strip_prefix(GUEST_DATA_DIR)
                .is_ok_and(|rest| rest.components().count() >= 1);
            if !under_data || !is_normal_path(guest) {
                return fail(format!(
                    "data_mounts.{name}.guest_path ({}) must be a path under {GUEST_DATA_DIR}/ \
                     without '..'",
                    mount.guest_path
                ));
            }
            if !guest_paths.insert(&mount.guest_path) {
                return fail(format!(
                    "data_mounts: guest path {} is used twice",
                    mount.guest_path
                ));
            }
        }
        Ok(())
    }
}

/// One numeric limit of a policy, for naming it in messages: a policy file names fields
/// ([`Limit::field`]), runner-node's command line names flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// `limits.timeout_ms`
    TimeoutMs,
    /// `limits.max_timeout_ms`
    MaxTimeoutMs,
    /// `limits.max_cpu_limit_ms`
    MaxCpuLimitMs,
    /// `limits.memory_mb`
    MemoryMb,
    /// `limits.max_memory_mb`
    MaxMemoryMb,
    /// `limits.max_output_bytes`
    MaxOutputBytes,
    /// `limits.max_output_files`
    MaxOutputFiles,
    /// `limits.max_output_files_bytes`
    MaxOutputFilesBytes,
    /// `limits.max_concurrent_runs`
    MaxConcurrentRuns,
    /// `scratch_quota_bytes`
    ScratchQuotaBytes,
}

impl Limit {
    /// The limit's path in a policy file.
    pub fn field(self) -> &'static str {
        match self {
            Limit::TimeoutMs => "limits.timeout_ms",
            Limit::MaxTimeoutMs => "limits.max_timeout_ms",
            Limit::MaxCpuLimitMs => "limits.max_cpu_limit_ms",
            Limit::MemoryMb => "limits.memory_mb",
            Limit::MaxMemoryMb => "limits.max_memory_mb",
            Limit::MaxOutputBytes => "limits.max_output_bytes",
            Limit::MaxOutputFiles => "limits.max_output_files",
            Limit::MaxOutputFilesBytes => "limits.max_output_files_bytes",
            Limit::MaxConcurrentRuns => "limits.max_concurrent_runs",
            Limit::ScratchQuotaBytes => "scratch_quota_bytes",
        }
    }
}

impl SandboxPolicy {
    /// Checks the numeric limits (defaults within maxima, maxima within what a wasm32 guest
    /// can use, nothing zero), naming each limit with `name`. The one place these rules live:
    /// [`SandboxPolicy::validate`] names fields, runner-node's flag check names flags.
    pub fn validate_limits(&self, name: impl Fn(Limit) -> &'static str) -> Result<(), PolicyError> {
        let fail = |message: String| Err(PolicyError(message));
        let l = &self.limits;
        let at_least_one = [
            (Limit::MaxTimeoutMs, l.max_timeout_ms),
            (Limit::MaxCpuLimitMs, l.max_cpu_limit_ms),
            (Limit::MaxOutputBytes, l.max_output_bytes),
            (Limit::MaxConcurrentRuns, u64::from(l.max_concurrent_runs)),
            (Limit::ScratchQuotaBytes, self.scratch_quota_bytes),
        ];
        if let Some((limit, _)) = at_least_one.iter().find(|(_, value)| *value == 0) {
            return fail(format!("{} must be at least 1", name(*limit)));
        }
        // A default lies between 1 and its maximum.
        let within = |limit: Limit, value: u64, max: Limit, max_value: u64| {
            if value == 0 || value > max_value {
                return fail(format!(
                    "{} ({value}) must be between 1 and {} ({max_value})",
                    name(limit),
                    name(max)
                ));
            }
            Ok(())
        };
        within(
            Limit::TimeoutMs,
            l.timeout_ms,
            Limit::MaxTimeoutMs,
            l.max_timeout_ms,
        )?;
        if l.max_memory_mb == 0 || l.max_memory_mb > WASM32_MAX_MEMORY_MB {
            return fail(format!(
                "{} ({}) must be between 1 and {WASM32_MAX_MEMORY_MB} (the wasm32 address space)",
                name(Limit::MaxMemoryMb),
                l.max_memory_mb
            ));
        }
        within(
            Limit::MemoryMb,
            l.memory_mb,
            Limit::MaxMemoryMb,
            l.max_memory_mb,
        )
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`: a name every shell and the guest's `os.environ` agree on.
pub fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An RFC 1123 label: what Kubernetes accepts as a volume name.
pub fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

/// No `..`, `.` or prefix components: the path means what it says.
fn is_normal_path(path: &Path) -> bool {
    path.components()
        .all(|c| matches!(c, Component::RootDir | Component::Normal(_)))
}

// Serde defaults, shared with the `PythonSandboxPool` schema so the resource and the file agree.

pub(crate) fn default_timeout_ms() -> u64 {
    defaults::TIMEOUT_MS
}
pub(crate) fn default_max_timeout_ms() -> u64 {
    defaults::MAX_TIMEOUT_MS
}
pub(crate) fn default_max_cpu_limit_ms() -> u64 {
    defaults::MAX_CPU_LIMIT_MS
}
pub(crate) fn default_memory_mb() -> u64 {
    defaults::MEMORY_MB
}
pub(crate) fn default_max_memory_mb() -> u64 {
    defaults::MAX_MEMORY_MB
}
pub(crate) fn default_max_output_bytes() -> u64 {
    defaults::MAX_OUTPUT_BYTES
}
pub(crate) fn default_max_output_files() -> u32 {
    defaults::MAX_OUTPUT_FILES
}
pub(crate) fn default_max_output_files_bytes() -> u64 {
    defaults::MAX_OUTPUT_FILES_BYTES
}
pub(crate) fn default_max_concurrent_runs() -> u32 {
    defaults::MAX_CONCURRENT_RUNS
}
fn default_scratch_quota_bytes() -> u64 {
    defaults::SCRATCH_QUOTA_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_memory_mb_gets_the_runtimes_default() {
        let scientific = Runtime::Scientific;
        let unnamed = SandboxPolicy::from_yaml_for("limits:\n  timeout_ms: 2000\n", scientific);
        assert_eq!(unnamed.unwrap().limits.memory_mb, 512);
        let empty = SandboxPolicy::from_yaml_for("{}", scientific).unwrap();
        assert_eq!(empty.limits.memory_mb, 512);
        let named = SandboxPolicy::from_yaml_for("limits:\n  memory_mb: 300\n", scientific);
        assert_eq!(named.unwrap().limits.memory_mb, 300);
        let standard = SandboxPolicy::from_yaml("limits:\n  timeout_ms: 2000\n").unwrap();
        assert_eq!(standard.limits.memory_mb, 128);
        // Above the file's own maximum, the runtime's default is refused like a written one.
        let over = SandboxPolicy::from_yaml_for("limits:\n  max_memory_mb: 256\n", scientific);
        assert!(over.unwrap_err().0.contains("memory_mb"));
    }

    fn parse(json: &str) -> Result<SandboxPolicy, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn empty_document_is_the_default_policy() {
        let policy = parse("{}").unwrap();
        assert_eq!(policy, SandboxPolicy::default());
        assert_eq!(policy.limits.timeout_ms, 5_000);
        assert_eq!(policy.limits.max_memory_mb, 1024);
        assert_eq!(policy.scratch_quota_bytes, 64 * 1024 * 1024);
        policy.validate().unwrap();
    }

    #[test]
    fn unknown_fields_are_rejected_at_every_level() {
        let top = parse(r#"{"limit": {}}"#).unwrap_err().to_string();
        assert!(top.contains("unknown field `limit`"), "{top}");
        let nested = parse(r#"{"limits": {"timeout": 5}}"#)
            .unwrap_err()
            .to_string();
        assert!(nested.contains("unknown field `timeout`"), "{nested}");
        let mount = parse(
            r#"{"data_mounts": [{"name": "a", "host_path": "/a", "guest_path": "/data/a",
                "read_only": false}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(mount.contains("unknown field `read_only`"), "{mount}");
    }

    #[test]
    fn partial_limits_keep_the_other_defaults() {
        let policy = parse(r#"{"limits": {"max_timeout_ms": 10000}}"#).unwrap();
        assert_eq!(policy.limits.max_timeout_ms, 10_000);
        assert_eq!(policy.limits.timeout_ms, 5_000);
        assert_eq!(policy.limits.max_concurrent_runs, 32);
    }

    fn invalid(edit: impl FnOnce(&mut SandboxPolicy)) -> String {
        let mut policy = SandboxPolicy::default();
        edit(&mut policy);
        policy.validate().unwrap_err().to_string()
    }

    #[test]
    fn default_above_maximum_is_refused() {
        let msg = invalid(|p| p.limits.max_timeout_ms = 1_000);
        assert_eq!(
            msg,
            "invalid sandbox policy: limits.timeout_ms (5000) must be between 1 and \
             limits.max_timeout_ms (1000)"
        );
        let msg = invalid(|p| p.limits.memory_mb = 2048);
        assert!(msg.contains("limits.memory_mb (2048)"), "{msg}");
    }

    #[test]
    fn memory_beyond_wasm32_is_refused() {
        let msg = invalid(|p| p.limits.max_memory_mb = 8192);
        assert!(msg.contains("wasm32"), "{msg}");
    }

    #[test]
    fn zero_limits_are_refused() {
        assert!(invalid(|p| p.limits.max_output_bytes = 0).contains("max_output_bytes"));
        assert!(invalid(|p| p.limits.max_concurrent_runs = 0).contains("max_concurrent_runs"));
        assert!(invalid(|p| p.scratch_quota_bytes = 0).contains("scratch_quota_bytes"));
    }

    #[test]
    fn env_names_are_checked() {
        assert!(invalid(|p| p.allowed_env = vec!["1X".into()]).contains("\"1X\""));
        assert!(invalid(|p| p.allowed_env = vec!["A=B".into()]).contains("\"A=B\""));
        assert!(invalid(|p| p.allowed_env = vec!["A".into(), "A".into()]).contains("twice"));
        let ok = SandboxPolicy {
            allowed_env: vec!["LANG".into(), "_X1".into()],
            ..SandboxPolicy::default()
        };
        ok.validate().unwrap();
    }

    #[test]
    fn data_mounts_are_checked() {
        let ok = SandboxPolicy {
            data_mounts: vec![DataMountPolicy::new("ds-1", "/var/run/runner/data/ds-1")],
            ..SandboxPolicy::default()
        };
        ok.validate().unwrap();
        assert_eq!(ok.data_mounts[0].guest_path, "/data/ds-1");

        let msg = invalid(|p| p.data_mounts = vec![DataMountPolicy::new("Up", "/x")]);
        assert!(msg.contains("DNS label"), "{msg}");
        let msg = invalid(|p| p.data_mounts = vec![DataMountPolicy::new("a", "rel/x")]);
        assert!(msg.contains("host_path"), "{msg}");
        let msg = invalid(|p| {
            let mut m = DataMountPolicy::new("a", "/x");
            m.guest_path = "/etc".into();
            p.data_mounts = vec![m];
        });
        assert!(msg.contains("guest_path (/etc)"), "{msg}");
        let msg = invalid(|p| {
            let mut m = DataMountPolicy::new("a", "/x");
            m.guest_path = "/data/../etc".into();
            p.data_mounts = vec![m];
        });
        assert!(msg.contains("guest_path"), "{msg}");
        let msg = invalid(|p| {
            p.data_mounts = vec![
                DataMountPolicy::new("a", "/x"),
                DataMountPolicy::new("a", "/y"),
            ]
        });
        assert!(msg.contains("twice"), "{msg}");
    }

    #[test]
    fn from_yaml_parses_and_validates() {
        let policy = SandboxPolicy::from_yaml(
            "limits:\n  timeout_ms: 100\nallowed_env: [LANG]\nscratch_quota_bytes: 1024\n",
        )
        .unwrap();
        assert_eq!(policy.limits.timeout_ms, 100);
        assert_eq!(policy.allowed_env, ["LANG"]);
        // JSON is YAML too.
        assert_eq!(
            SandboxPolicy::from_yaml("{}").unwrap(),
            SandboxPolicy::default()
        );
        let typo = SandboxPolicy::from_yaml("limit: {}\n")
            .unwrap_err()
            .to_string();
        assert!(typo.contains("limit"), "{typo}");
        let incoherent = SandboxPolicy::from_yaml("limits: {timeout_ms: 0}\n").unwrap_err();
        assert!(
            incoherent.to_string().contains("timeout_ms (0)"),
            "{incoherent}"
        );
    }

    #[test]
    fn round_trips_through_json() {
        let policy = SandboxPolicy {
            allowed_env: vec!["LANG".into()],
            data_mounts: vec![DataMountPolicy::new("d", "/mnt/d")],
            ..SandboxPolicy::default()
        };
        let json = serde_json::to_string(&policy).unwrap();
        assert_eq!(parse(&json).unwrap(), policy);
    }
}
