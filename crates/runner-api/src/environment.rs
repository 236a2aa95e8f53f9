//! `GET /v1/environment`: what a program can use in this sandbox, in one document an agent puts
//! into its prompt so the model writes code that runs here.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::runtime::Runtime;

/// The runtime a runner serves, its packages, and the limits a run gets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Environment {
    /// The interpreter build: `standard` (CPython and its standard library) or `scientific`
    /// (the same with numpy and pandas).
    pub runtime: Runtime,
    /// CPython's version, e.g. `3.13.5`.
    pub python_version: String,
    /// What the interpreter is compiled for: `wasm32-wasip1`.
    pub platform: String,
    /// Importable distributions beyond the standard library, and the standard modules that are
    /// stand-ins, sorted by name.
    pub packages: Vec<Package>,
    /// The limits a run gets when its request names none, and the most it may ask for.
    pub limits: Limits,
    /// Linear memory every run starts with (the interpreter and its pre-imported modules), in
    /// MiB: a `memory_mb` below it cannot run.
    pub memory_floor_mb: u64,
    /// Environment variable names a request may pass in `env`.
    pub allowed_env: Vec<String>,
    /// Folders the program sees.
    pub paths: Paths,
    /// Sessions (`/v1/sessions`: an interpreter kept between runs) and their bounds; absent
    /// when this runner keeps none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions: Option<SessionBounds>,
    /// What programs cannot do here, in words.
    pub unavailable: Vec<String>,
}

/// One importable distribution or stand-in module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Package {
    /// The distribution's name (`python-dateutil`) or, for a stand-in, the module's (`ctypes`).
    pub name: String,
    /// Its version; the Python version for a stand-in.
    pub version: String,
    /// Where it comes from.
    pub source: PackageSource,
    /// Imported when the interpreter was snapshotted, so importing it costs a run nothing.
    pub preimported: bool,
    /// A stand-in: it imports, and its types work, but what needs the host it lacks (loading
    /// native libraries, mapping files, TLS) raises `OSError`.
    pub stand_in: bool,
}

/// Where an importable package comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PackageSource {
    /// Part of the standard library (stand-ins).
    Stdlib,
    /// Built into the runtime (the scientific runtime's numpy, pandas and their dependencies).
    Runtime,
    /// Added by this runner's operator (`--site-packages`, the pool's `packages`), at
    /// `/packages`.
    Pool,
}

/// Defaults and maxima of the limits a request may set, and the caps it cannot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Limits {
    /// Wall-time limit of a run that names none, in milliseconds.
    pub timeout_ms: u64,
    /// Largest `timeout_ms` a request may ask for.
    pub max_timeout_ms: u64,
    /// Largest `cpu_limit_ms` a request may ask for (a run that names none has no CPU limit
    /// but its wall time).
    pub max_cpu_limit_ms: u64,
    /// Memory limit of a run that names none, in MiB.
    pub memory_mb: u64,
    /// Largest `memory_mb` a request may ask for.
    pub max_memory_mb: u64,
    /// stdout + stderr kept per run; at the cap the run stops (`output_limit`).
    pub max_output_bytes: u64,
    /// Files a run returns through `outputs`.
    pub max_output_files: u32,
    /// Bytes of files a run returns through `outputs`.
    pub max_output_files_bytes: u64,
    /// Bytes of `files` a request may bring into `/work`.
    pub scratch_quota_bytes: u64,
}

/// What bounds a session on this runner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SessionBounds {
    /// Sessions this runner keeps at once.
    pub max_sessions: u32,
    /// Seconds without a run after which a session ends, when its request names none.
    pub idle_timeout_s: u64,
    /// Largest `idle_timeout_s` a session request may ask for.
    pub max_idle_timeout_s: u64,
    /// Seconds a session may live, used or not.
    pub lifetime_s: u64,
}

/// Folders the program sees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Paths {
    /// The working directory, writable, fresh for every run: `/work`.
    pub work: String,
    /// The pool's packages, read-only, on `sys.path`; absent when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packages: Option<String>,
    /// Read-only data folders (`/data/<name>`).
    pub data: Vec<String>,
}
