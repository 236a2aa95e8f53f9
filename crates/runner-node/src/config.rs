//! Configuration: command-line flags and environment variables, with defaults that let
//! `runner-node` start with no configuration at all.
//!
//! Every limit a run is held to is here, with its default. [`Config::validate`] checks the whole
//! configuration before anything binds a socket or loads a module.
//!
//! Over 400 lines: each limit is a documented flag with its environment variable and default,
//! from which `--help` is made.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;

use runner_api::policy::{Limit, PolicyLimits, SandboxPolicy, defaults};
use runner_api::runtime::Runtime;
use runner_api::tenants::TenantsFile;

use crate::{Error, Result};

/// `runner-node`: runs untrusted Python in a fresh WebAssembly sandbox per request.
#[derive(Clone, Debug, Parser)]
#[command(name = "runner-node", version, about)]
pub struct Config {
    /// What to do instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address to listen on.
    #[arg(long, env = "RUNNER_HOST", default_value = "0.0.0.0")]
    pub host: IpAddr,

    /// Port to listen on (0 picks a free port).
    #[arg(long, env = "RUNNER_PORT", default_value_t = 3000)]
    pub port: u16,

    /// Admin port serving `GET /metrics` (Prometheus) on the same address, apart from runs so a
    /// NetworkPolicy can admit scrapers alone; `off` disables it, 0 picks a free port.
    #[arg(long, env = "RUNNER_ADMIN_PORT", default_value = "9090")]
    pub admin_port: AdminPort,

    /// Address the admin port listens on, when it differs from `--host` (a sidecar serves runs
    /// on loopback and metrics on the pod's address).
    #[arg(long, env = "RUNNER_ADMIN_HOST")]
    pub admin_host: Option<IpAddr>,

    /// Folder holding the CPython-for-WASI build: `python.wasm` and `lib/python3.X/`, as made by
    /// `python-wasi/build.sh`.
    #[arg(long, env = "RUNNER_PYTHON_DIR")]
    pub python_dir: PathBuf,

    /// Folder of pure-Python packages (a `pip install --target` folder) every run can import:
    /// shown read-only at `/packages`, on `sys.path` after the standard library and before the
    /// runtime's own site-packages. A distribution with native code is refused at start.
    #[arg(long, env = "RUNNER_SITE_PACKAGES", global = true)]
    pub site_packages: Option<PathBuf>,

    /// Modules imported into the interpreter snapshot (comma-separated), so importing them costs
    /// a run nothing: e.g. `sympy,networkx`. Their memory raises the floor under `memory_mb`.
    #[arg(long, env = "RUNNER_PREIMPORT", value_delimiter = ',', global = true)]
    pub preimport: Vec<String>,

    /// Folder where the compiled interpreter snapshot is cached between starts; empty disables
    /// the cache. Defaults to `$XDG_CACHE_HOME/python-sandbox/modules` (or `~/.cache/...`).
    #[arg(long, env = "RUNNER_MODULE_CACHE", global = true, value_parser = any_path())]
    pub module_cache: Option<PathBuf>,

    /// Compiled interpreter snapshot written by `runner-node precompile` (e.g. baked into an
    /// image). Used when it matches this python.wasm and wasmtime; otherwise ignored with a
    /// warning, and the module cache (or a compile) serves instead.
    #[arg(long, env = "RUNNER_PRECOMPILED", global = true)]
    pub precompiled: Option<PathBuf>,

    /// Folder under which each run's `/work` is created and removed again. Defaults to `TMPDIR`
    /// when that is set (the operator's pods set it to a size-limited emptyDir), else `/dev/shm`
    /// when writable (memory-backed: making and removing a folder there costs microseconds, on
    /// a disk filesystem up to milliseconds), else `/tmp`.
    #[arg(long, env = "RUNNER_WORK_ROOT")]
    pub work_root: Option<PathBuf>,

    /// Wall-time limit of a run when the request names none, in milliseconds.
    #[arg(long, env = "RUNNER_TIMEOUT_MS", default_value_t = defaults::TIMEOUT_MS)]
    pub timeout_ms: u64,

    /// Largest `timeout_ms` a request may ask for.
    #[arg(long, env = "RUNNER_MAX_TIMEOUT_MS", default_value_t = defaults::MAX_TIMEOUT_MS)]
    pub max_timeout_ms: u64,

    /// Largest `cpu_limit_ms` (CPU time, not wall time) a request may ask for; a run that names
    /// none is bounded by its wall time only.
    #[arg(long, env = "RUNNER_MAX_CPU_LIMIT_MS", default_value_t = defaults::MAX_CPU_LIMIT_MS)]
    pub max_cpu_limit_ms: u64,

    /// Linear-memory limit of a run when the request names none, in MiB [default: the
    /// runtime's: 128 for standard, 512 for scientific]
    #[arg(long, env = "RUNNER_MEMORY_MB")]
    pub memory_mb: Option<u64>,

    /// Largest `memory_mb` a request may ask for (at most 4096, the wasm32 address space).
    #[arg(long, env = "RUNNER_MAX_MEMORY_MB", default_value_t = defaults::MAX_MEMORY_MB)]
    pub max_memory_mb: u64,

    /// Most bytes of stdout + stderr kept per run; at the cap the run is stopped.
    #[arg(long, env = "RUNNER_MAX_OUTPUT_BYTES", default_value_t = defaults::MAX_OUTPUT_BYTES)]
    pub max_output_bytes: u64,

    /// Most files a run returns through its request's `outputs`; further matches are listed as
    /// omitted (0: none are returned).
    #[arg(long, env = "RUNNER_MAX_OUTPUT_FILES", default_value_t = defaults::MAX_OUTPUT_FILES)]
    pub max_output_files: u32,

    /// Most bytes of files a run returns through its request's `outputs`; a file that would pass
    /// the cap is listed as omitted.
    #[arg(long, env = "RUNNER_MAX_OUTPUT_FILES_BYTES", default_value_t = defaults::MAX_OUTPUT_FILES_BYTES)]
    pub max_output_files_bytes: u64,

    /// Most bytes of `files` a request may bring into the run's `/work` (checked on admission,
    /// 422 beyond it); see docs/security.md for what bounds the guest's own writes.
    #[arg(long, env = "RUNNER_SCRATCH_QUOTA_BYTES", default_value_t = defaults::SCRATCH_QUOTA_BYTES)]
    pub scratch_quota_bytes: u64,

    /// WebAssembly stack available to a run, in KiB; deeper recursion in the interpreter ends
    /// the run with `stack_overflow` instead of harming the server.
    #[arg(
        long,
        env = "RUNNER_WASM_STACK_KB",
        default_value_t = 4096,
        global = true
    )]
    pub wasm_stack_kb: usize,

    /// Runs executing at once; further requests wait for a slot.
    #[arg(long, env = "RUNNER_MAX_CONCURRENT_RUNS", default_value_t = defaults::MAX_CONCURRENT_RUNS)]
    pub max_concurrent_runs: u32,

    /// Sessions kept at once (interpreters that live across runs, `/v1/sessions`); each holds
    /// an instance slot beyond the run slots and its `memory_mb` while it lives. 0 turns
    /// sessions off.
    #[arg(long, env = "RUNNER_MAX_SESSIONS", default_value_t = 16)]
    pub max_sessions: u32,

    /// Seconds without a run after which a session ends, when its request names none.
    #[arg(long, env = "RUNNER_SESSION_IDLE_TIMEOUT_S", default_value_t = 600)]
    pub session_idle_timeout_s: u64,

    /// Largest `idle_timeout_s` a session request may ask for.
    #[arg(
        long,
        env = "RUNNER_MAX_SESSION_IDLE_TIMEOUT_S",
        default_value_t = 3600
    )]
    pub max_session_idle_timeout_s: u64,

    /// Seconds a session may live, used or not.
    #[arg(long, env = "RUNNER_SESSION_LIFETIME_S", default_value_t = 4 * 3600)]
    pub session_lifetime_s: u64,

    /// This runner's own base URL (e.g. `https://runner-3.example:8443`), from which each
    /// session's `url` is made. Without it (and without `--advertise-ip`), the `Host` the
    /// request was sent to.
    #[arg(long, env = "RUNNER_ADVERTISE_URL")]
    pub advertise_url: Option<String>,

    /// This runner's own address (in a pool, the pod's IP, IPv4 or IPv6): session urls are then
    /// `http://IP:PORT/...` with the port it listens on. `--advertise-url` wins when both are
    /// set.
    #[arg(long, env = "RUNNER_ADVERTISE_IP")]
    pub advertise_ip: Option<IpAddr>,

    /// Memory runs may reserve in all, in MiB: each admitted run holds its `memory_mb` plus its
    /// output caps until it ends, and a run that does not fit waits (then 503). Default: the
    /// container's (cgroup's) memory limit minus what the server uses at start and 64 MiB of
    /// headroom; no budget when there is no limit. 0 turns the budget off.
    #[arg(long, env = "RUNNER_MEMORY_BUDGET_MB")]
    pub memory_budget_mb: Option<u64>,

    /// How long a request may wait for a run slot before it is answered 503, in milliseconds.
    #[arg(long, env = "RUNNER_QUEUE_TIMEOUT_MS", default_value_t = 10_000)]
    pub queue_timeout_ms: u64,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "RUNNER_MAX_BODY_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_body_bytes: u64,

    /// Environment variable names a request may pass into the guest (comma-separated); none by
    /// default.
    #[arg(long = "allow-env", env = "RUNNER_ALLOW_ENV", value_delimiter = ',')]
    pub allow_env: Vec<String>,

    /// How long a client may take to send a request's headers, in milliseconds; slower
    /// connections (including idle keep-alive ones) are closed.
    #[arg(long, env = "RUNNER_HEADER_READ_TIMEOUT_MS", default_value_t = 10_000)]
    pub header_read_timeout_ms: u64,

    /// How long a client may take to send a request's body once its headers arrived, in
    /// milliseconds; a slower one is answered 408 and its connection closed.
    #[arg(long, env = "RUNNER_BODY_READ_TIMEOUT_MS", default_value_t = 10_000)]
    pub body_read_timeout_ms: u64,

    /// Most open client connections; past it new connections are closed at once.
    #[arg(long, env = "RUNNER_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// Threads that serve HTTP: accept connections, read requests, admit runs and answer
    /// (default: one per CPU). Runs execute elsewhere, each on a thread of its own (one per run
    /// slot, `--max-concurrent-runs`), so guest code never delays a request or a probe.
    #[arg(long, env = "RUNNER_WORKER_THREADS", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub worker_threads: Option<u16>,

    /// How long in-flight runs may go on after SIGTERM before the server exits, in milliseconds.
    #[arg(long, env = "RUNNER_SHUTDOWN_GRACE_MS", default_value_t = 30_000)]
    pub shutdown_grace_ms: u64,

    /// Log format: `text` for people, `json` (one object per line) for log collectors. Logs
    /// carry run ids, outcomes and durations, never the submitted code or its output.
    #[arg(long, env = "RUNNER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Audit events, one per run (tenant, run id, SHA-256 of the code, outcome, wall and CPU
    /// time, peak memory; never the code or its output): `stdout` writes them as JSON lines of
    /// their own target, `audit`, beside the logs (docs/security.md, "Audit").
    #[arg(long, env = "RUNNER_AUDIT_LOG", value_enum, default_value_t = AuditLog::Off)]
    pub audit_log: AuditLog,

    /// Sandbox policy file (YAML or JSON, the `SandboxPolicy` of runner-api, as the operator
    /// mounts it). When given, its limits, allowed env names and data mounts replace the
    /// `--timeout-ms` ... `--allow-env` flags.
    #[arg(long, env = "RUNNER_POLICY_FILE")]
    pub policy_file: Option<PathBuf>,

    /// Bearer token that run endpoints require (`Authorization: Bearer <token>`). Prefer
    /// `--auth-token-file`: a flag's value is visible in the process list.
    #[arg(long, env = "RUNNER_AUTH_TOKEN", hide_env_values = true)]
    pub auth_token: Option<String>,

    /// File holding the bearer token (surrounding whitespace ignored), e.g. a mounted Secret.
    #[arg(long, env = "RUNNER_AUTH_TOKEN_FILE", conflicts_with = "auth_token")]
    pub auth_token_file: Option<PathBuf>,

    /// Tenants file (YAML: `tenants: {NAME: {tokens: [...]}}`, runner-api's `tenants`): each
    /// request is attributed to the tenant whose token it carries. Re-read when it changes; a
    /// broken edit keeps the tenants in force. Instead of `--auth-token(-file)`, which stand
    /// for one tenant named `default`.
    #[arg(
        long,
        env = "RUNNER_AUTH_TOKENS_FILE",
        conflicts_with_all = ["auth_token", "auth_token_file"]
    )]
    pub auth_tokens_file: Option<PathBuf>,
}

/// Whether and where the admin endpoints are served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminPort {
    /// No admin listener.
    Off,
    /// Listen on this port (0: a free one).
    Port(u16),
}

impl std::str::FromStr for AdminPort {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "off" => Ok(AdminPort::Off),
            port => port
                .parse()
                .map(AdminPort::Port)
                .map_err(|_| format!("{port:?} is neither a port number nor `off`")),
        }
    }
}

/// The flag that sets `limit` when no policy file is given.
fn flag_name(limit: Limit) -> &'static str {
    match limit {
        Limit::TimeoutMs => "--timeout-ms",
        Limit::MaxTimeoutMs => "--max-timeout-ms",
        Limit::MaxCpuLimitMs => "--max-cpu-limit-ms",
        Limit::MemoryMb => "--memory-mb",
        Limit::MaxMemoryMb => "--max-memory-mb",
        Limit::MaxOutputBytes => "--max-output-bytes",
        Limit::MaxOutputFiles => "--max-output-files",
        Limit::MaxOutputFilesBytes => "--max-output-files-bytes",
        Limit::MaxConcurrentRuns => "--max-concurrent-runs",
        Limit::ScratchQuotaBytes => "--scratch-quota-bytes",
    }
}

/// `runner-node` subcommands.
#[derive(Clone, Debug, clap::Subcommand)]
pub enum Command {
    /// Snapshots and compiles the interpreter into a file (for container images), then exits:
    /// `runner-node --python-dir DIR precompile --output FILE`. The file is compiled for a
    /// baseline CPU, so it loads on any host of the same architecture; start the server with
    /// `--precompiled FILE` to use it.
    Precompile {
        /// Where to write the compiled snapshot (a `FILE.meta` is written beside it).
        #[arg(long)]
        output: PathBuf,
    },
    /// GETs a runner (or, with `--code`, runs a program on it) and exits 0 on success, 1
    /// otherwise (one line says why): an exec probe for images with no shell or curl, such as
    /// the sidecar's, and the chart's `helm test`. Needs no `--python-dir`: `main` parses it
    /// first ([`crate::probe::from_args`]); it is listed here for `--help`.
    Probe(crate::probe::ProbeArgs),
}

/// A path that may be empty (clap's own path parser refuses an empty value, which here means
/// "none").
fn any_path() -> impl clap::builder::TypedValueParser<Value = PathBuf> {
    use clap::builder::TypedValueParser as _;
    clap::builder::OsStringValueParser::new().map(PathBuf::from)
}

/// `a`, `a.b_c`: what `import` accepts (ASCII identifiers; enough for the names a runner is
/// configured with).
fn is_module_name(name: &str) -> bool {
    name.split('.').all(|part| {
        let mut chars = part.chars();
        matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// `http://host:port` or `https://host` with nothing after the authority (a trailing `/` is
/// allowed): a base session paths are appended to.
fn is_base_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest.map(|r| r.strip_suffix('/').unwrap_or(r)) {
        Some(authority) => {
            !authority.is_empty()
                && !authority.contains(['/', '?', '#', ' ', '@'])
                && authority.is_ascii()
        }
        None => false,
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Where audit events go (`--audit-log`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditLog {
    /// Not written.
    Off,
    /// JSON lines on stdout, target `audit`.
    Stdout,
}

impl Config {
    /// A configuration with every default and the given interpreter folder.
    pub fn with_python_dir(python_dir: impl Into<PathBuf>) -> Self {
        let python_dir = python_dir.into();
        let mut config = Config::parse_from(["runner-node", "--python-dir", "."]);
        config.python_dir = python_dir;
        config
    }

    /// The tenants run endpoints accept, if auth is on: the tenants file, or one token (from
    /// the flag or its file) standing for the tenant `default`.
    pub fn resolve_tenants(&self) -> Result<Option<TenantsFile>> {
        if let Some(path) = &self.auth_tokens_file {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let file = TenantsFile::from_yaml(&text)
                .map_err(|e| Error::Config(format!("tenants file {}: {e}", path.display())))?;
            return Ok(Some(file));
        }
        let token = self.resolve_auth_token()?;
        Ok(token.map(|token| TenantsFile::single(&token)))
    }

    /// The single bearer token of `--auth-token(-file)`, if any.
    fn resolve_auth_token(&self) -> Result<Option<String>> {
        let token = match (&self.auth_token, &self.auth_token_file) {
            (Some(token), _) => token.trim().to_string(),
            (None, Some(path)) => std::fs::read_to_string(path)
                .map_err(|e| Error::io(path, e))?
                .trim()
                .to_string(),
            (None, None) => return Ok(None),
        };
        if token.is_empty() {
            return Err(Error::Config("the auth token is empty".into()));
        }
        Ok(Some(token))
    }

    /// The sandbox policy in force: the policy file if one is given, else the flags.
    pub fn policy(&self) -> Result<SandboxPolicy> {
        match &self.policy_file {
            Some(path) => crate::policy::load(path, self.runtime()),
            None => Ok(self.flags_policy()),
        }
    }

    /// The policy the limit flags describe.
    fn flags_policy(&self) -> SandboxPolicy {
        SandboxPolicy {
            limits: PolicyLimits {
                timeout_ms: self.timeout_ms,
                max_timeout_ms: self.max_timeout_ms,
                max_cpu_limit_ms: self.max_cpu_limit_ms,
                memory_mb: self
                    .memory_mb
                    .unwrap_or_else(|| self.runtime_default_memory_mb()),
                max_memory_mb: self.max_memory_mb,
                max_output_bytes: self.max_output_bytes,
                max_output_files: self.max_output_files,
                max_output_files_bytes: self.max_output_files_bytes,
                max_concurrent_runs: self.max_concurrent_runs,
            },
            allowed_env: self.allow_env.clone(),
            scratch_quota_bytes: self.scratch_quota_bytes,
            ..SandboxPolicy::default()
        }
    }

    /// The runtime in `--python-dir`, as its BUILD-INFO names it (the standard one when there
    /// is no readable build: loading it then says why).
    fn runtime(&self) -> Runtime {
        crate::runtime::Build::runtime_of(&self.python_dir).unwrap_or_default()
    }

    /// The default `memory_mb` of the runtime in `--python-dir`.
    fn runtime_default_memory_mb(&self) -> u64 {
        self.runtime().default_memory_mb()
    }

    /// The socket address to listen on.
    pub fn listen_addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }

    /// The admin socket address, unless the admin port is off.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        match self.admin_port {
            AdminPort::Off => None,
            AdminPort::Port(port) => {
                Some(SocketAddr::new(self.admin_host.unwrap_or(self.host), port))
            }
        }
    }

    /// Checks that the limits are coherent and the interpreter folder looks complete.
    pub fn validate(&self) -> Result<()> {
        let invalid = |message: String| Err(Error::Config(message));
        // The limit rules are runner-api's, shared with policy files; here they name flags.
        self.flags_policy()
            .validate_limits(flag_name)
            .map_err(|e| Error::Config(e.0))?;
        if self.wasm_stack_kb < 64 {
            return invalid(format!(
                "--wasm-stack-kb ({}) must be at least 64",
                self.wasm_stack_kb
            ));
        }
        if self.max_connections == 0
            || self.header_read_timeout_ms == 0
            || self.body_read_timeout_ms == 0
        {
            return invalid(
                "--max-connections, --header-read-timeout-ms and --body-read-timeout-ms must be \
                 at least 1"
                    .into(),
            );
        }
        if self.session_idle_timeout_s == 0
            || self.session_lifetime_s == 0
            || self.session_idle_timeout_s > self.max_session_idle_timeout_s
        {
            return invalid(format!(
                "--session-idle-timeout-s ({}) must be at least 1 and at most \
                 --max-session-idle-timeout-s ({}); --session-lifetime-s at least 1",
                self.session_idle_timeout_s, self.max_session_idle_timeout_s
            ));
        }
        if let Some(url) = self
            .advertise_url
            .as_deref()
            .filter(|url| !is_base_url(url))
        {
            return invalid(format!(
                "--advertise-url {url:?} must be an http:// or https:// URL without a path"
            ));
        }
        if self.admin_port == AdminPort::Port(self.port) && self.port != 0 {
            return invalid(format!(
                "--admin-port ({}) must differ from --port",
                self.port
            ));
        }
        if let Some(name) = self.preimport.iter().find(|n| !is_module_name(n)) {
            return invalid(format!(
                "--preimport: {name:?} is not a module name (dotted Python identifiers)"
            ));
        }
        let wasm = self.python_wasm();
        if !wasm.is_file() {
            return invalid(format!(
                "{} not found: build the interpreter with python-wasi/build.sh and pass its \
                 output folder with --python-dir (or RUNNER_PYTHON_DIR)",
                wasm.display()
            ));
        }
        let lib = self.python_lib();
        if !lib.is_dir() {
            return invalid(format!("{} is not a folder", lib.display()));
        }
        Ok(())
    }

    /// The interpreter module.
    pub fn python_wasm(&self) -> PathBuf {
        self.python_dir.join("python.wasm")
    }

    /// The host folder shown to the guest as `/usr/local/lib` (holds `python3.X/`).
    pub fn python_lib(&self) -> PathBuf {
        self.python_dir.join("lib")
    }

    /// The folder under which runs' working directories are made (see `--work-root`).
    pub fn work_root(&self) -> PathBuf {
        if let Some(root) = &self.work_root {
            return root.clone();
        }
        // An explicit TMPDIR is the operator's choice (the pods' size-limited emptyDir).
        if let Some(tmp) = std::env::var_os("TMPDIR").filter(|t| !t.is_empty()) {
            return PathBuf::from(tmp);
        }
        // Writable for this user: a folder can be made there (and is removed at once).
        let shm = Path::new("/dev/shm");
        if tempfile::tempdir_in(shm).is_ok() {
            shm.to_owned()
        } else {
            std::env::temp_dir()
        }
    }

    /// Where compiled modules are cached, if anywhere.
    pub fn module_cache_dir(&self) -> Option<PathBuf> {
        match &self.module_cache {
            Some(dir) if dir.as_os_str().is_empty() => None,
            Some(dir) => Some(dir.clone()),
            None => {
                let base = std::env::var_os("XDG_CACHE_HOME")
                    .map(PathBuf::from)
                    .or_else(|| {
                        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache"))
                    })?;
                Some(base.join("python-sandbox").join("modules"))
            }
        }
    }

    /// Instances the engine's pool holds: one per run slot and one per session.
    pub fn instance_slots(&self, policy: &SandboxPolicy) -> u32 {
        policy
            .limits
            .max_concurrent_runs
            .saturating_add(self.max_sessions)
    }

    /// How long a request may wait for a slot.
    pub fn queue_timeout(&self) -> Duration {
        Duration::from_millis(self.queue_timeout_ms)
    }

    /// How long a client may take to send its headers.
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_millis(self.header_read_timeout_ms)
    }

    /// How long a client may take to send a request's body.
    pub fn body_read_timeout(&self) -> Duration {
        Duration::from_millis(self.body_read_timeout_ms)
    }

    /// How long in-flight runs may go on after SIGTERM.
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.shutdown_grace_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::with_python_dir("/nonexistent")
    }

    #[test]
    fn defaults_listen_on_port_3000() {
        assert_eq!(config().listen_addr(), "0.0.0.0:3000".parse().unwrap());
    }

    #[test]
    fn admin_port_defaults_to_9090_and_can_be_turned_off() {
        assert_eq!(config().admin_addr(), Some("0.0.0.0:9090".parse().unwrap()));
        assert_eq!(config().worker_threads, None);
        let one = Config::parse_from(["runner-node", "--python-dir", ".", "--worker-threads", "1"]);
        assert_eq!(one.worker_threads, Some(1));
        let none = ["runner-node", "--python-dir", ".", "--worker-threads", "0"];
        let error = Config::try_parse_from(none).unwrap_err().to_string();
        assert!(error.contains("--worker-threads"), "{error}");
        let off = Config::parse_from(["runner-node", "--python-dir", ".", "--admin-port", "off"]);
        assert_eq!(off.admin_addr(), None);
        let apart = Config::parse_from([
            "runner-node",
            "--python-dir",
            ".",
            "--host",
            "127.0.0.1",
            "--admin-host",
            "::",
        ]);
        assert_eq!(apart.listen_addr(), "127.0.0.1:3000".parse().unwrap());
        assert_eq!(apart.admin_addr(), Some("[::]:9090".parse().unwrap()));
        let bad = Config::try_parse_from(["runner-node", "--python-dir", ".", "--admin-port", "x"]);
        assert!(bad.unwrap_err().to_string().contains("nor `off`"));
    }

    #[test]
    fn default_timeout_above_maximum_is_refused() {
        let mut c = config();
        c.timeout_ms = c.max_timeout_ms + 1;
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("--timeout-ms"), "{err}");
    }

    #[test]
    fn limit_errors_name_flags_not_policy_fields() {
        let mut c = config();
        c.max_output_bytes = 0;
        let err = c.validate().unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid configuration: --max-output-bytes must be at least 1"
        );
        let mut c = config();
        c.memory_mb = Some(2000);
        let err = c.validate().unwrap_err().to_string();
        assert!(
            err.contains("--memory-mb (2000)") && err.contains("--max-memory-mb (1024)"),
            "{err}"
        );
    }

    #[test]
    fn the_default_memory_is_the_runtimes_unless_the_flag_says() {
        let memory = |c: &Config| c.policy().unwrap().limits.memory_mb;
        assert_eq!(memory(&config()), 128, "no build: the standard runtime's");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("BUILD-INFO"),
            "python=3.13.5 target=wasm32-wasip1\nruntime=scientific\n",
        )
        .unwrap();
        let mut c = Config::with_python_dir(dir.path());
        assert_eq!(memory(&c), 512);
        c.memory_mb = Some(300);
        assert_eq!(memory(&c), 300);
    }

    #[test]
    fn memory_beyond_wasm32_is_refused() {
        let mut c = config();
        c.max_memory_mb = 8192;
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("wasm32"), "{err}");
    }

    #[test]
    fn missing_interpreter_names_the_build_script() {
        let err = config().validate().unwrap_err().to_string();
        assert!(err.contains("python-wasi/build.sh"), "{err}");
    }

    #[test]
    fn preimports_must_be_module_names() {
        let c = Config::parse_from(["runner-node", "--python-dir", "/p", "--preimport", "a.b,_c"]);
        assert_eq!(c.preimport, ["a.b", "_c"]);
        for bad in ["a-b", "1x", "a..b", ""] {
            let mut c = config();
            c.preimport = vec![bad.into()];
            let err = c.validate().unwrap_err().to_string();
            assert!(err.contains("--preimport"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn limit_defaults_come_from_runner_api() {
        let c = config();
        assert_eq!(c.flags_policy().limits, PolicyLimits::default());
        assert_eq!(c.scratch_quota_bytes, defaults::SCRATCH_QUOTA_BYTES);
    }

    #[test]
    fn session_flags_are_checked() {
        let mut c = config();
        c.session_idle_timeout_s = c.max_session_idle_timeout_s + 1;
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("--session-idle-timeout-s"), "{err}");
        for (url, ok) in [
            ("http://10.0.0.7:3000", true),
            ("https://runner.example/", true),
            ("http://h/x", false),
            ("ftp://h", false),
            ("http://", false),
            ("http://user@h", false),
        ] {
            assert_eq!(is_base_url(url), ok, "{url}");
        }
        let mut c = config();
        c.advertise_url = Some("runner:3000".into());
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("--advertise-url"), "{err}");
    }

    #[test]
    fn empty_module_cache_disables_it() {
        let c = Config::parse_from(["runner-node", "--python-dir", "/p", "--module-cache", ""]);
        assert_eq!(c.module_cache_dir(), None);
    }
}
