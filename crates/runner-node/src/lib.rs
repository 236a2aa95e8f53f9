//! `runner-node`: an HTTP server that runs untrusted Python, one fresh WebAssembly sandbox per
//! request.
//!
//! ```text
//!   POST /run ──► routes ──► plan ──► admission ──► sandbox::run ──► record::Report ──► JSON
//!                 (HTTP,     (request    (bounded    (on the slot's own thread: fresh
//!                  auth)      + policy)   slots)      Store, WASI ctx, limits, capture, /work)
//!                                                          ▲ a copy-on-write instance of
//!                                                          │ the interpreter's snapshot
//!   built once at start:  engine::Interpreter (runtime + packages, the compiled snapshot
//!                         from cache or snapshot, Engine with a pooling allocator, InstancePre)
//! ```
//!
//! Modules in layers; each imports only from the layers below it:
//!
//! | layer | modules |
//! |---|---|
//! | HTTP | `routes` (and `routes/sessions`), `serve`, `openapi`, `environment`, `probe` |
//! | a run | `sandbox` (executes a plan), `session` (an interpreter kept between runs), `workdir` (its `/work`), `admission` (slots), `threads` (where runs execute) |
//! | checked input | `plan` (request + policy → run plan), `policy` (the policy in force), `tenants` (who calls), `quotas` (what each tenant uses) |
//! | the interpreter | `engine` (Interpreter), `cache`, `snapshot`, `packages`, `runtime` |
//! | records | `record` (limits, report), `telemetry`, `metrics`, `audit`, `capture` |
//! | bottom | `guest` (layout, host state), `config` (flags), `live` (a file re-read on change), `cgroup` (the container's memory limit) |
//!
//! [`Server::bind`] validates the configuration, loads the interpreter and binds the socket;
//! [`Server::run`] serves until its shutdown future resolves, then drains in-flight runs. The
//! admin port (`GET /metrics`, see [`metrics`]) is served alongside until the server returns.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use runner_api::policy::SandboxPolicy;
use runner_api::tenants::TenantsFile;
use tokio::net::TcpListener;

pub mod admission;
pub mod audit;
pub mod cache;
pub mod capture;
pub mod cgroup;
pub mod config;
pub mod engine;
pub mod environment;
pub mod guest;
pub mod live;
pub mod metrics;
pub mod openapi;
pub mod packages;
pub mod plan;
pub mod policy;
pub mod probe;
pub mod quotas;
pub mod record;
pub mod routes;
pub mod runtime;
pub mod sandbox;
pub mod serve;
pub mod session;
pub mod shutdown;
pub mod snapshot;
pub mod telemetry;
pub mod tenants;
mod threads;
pub mod workdir;

pub use config::Config;
pub use engine::Interpreter;

/// Everything that can go wrong in `runner-node`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is incoherent; the message names the flag.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A host file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// wasmtime failed outside of guest execution (compiling, linking, preopening).
    #[error("{context}: {message}")]
    Wasm {
        /// What the server was doing.
        context: &'static str,
        /// wasmtime's error, with its causes.
        message: String,
    },
    /// The interpreter snapshot cannot be made or loaded, or does not run.
    #[error("interpreter snapshot: {0}")]
    Snapshot(String),
    /// The request is well-formed JSON but does not describe a valid run.
    #[error("{0}")]
    InvalidRequest(String),
    /// The request asks for more than the server's maxima allow.
    #[error("{0}")]
    LimitExceeded(String),
    /// The request passes an environment variable the policy does not allow.
    #[error("{0}")]
    EnvNotAllowed(String),
    /// The caller's tenant is over one of its quotas.
    #[error("{0}")]
    QuotaExceeded(quotas::Exceeded),
    /// Every run slot, or the memory budget of runs, stayed taken for the whole queue
    /// timeout; the message says which.
    #[error("{0}")]
    Overloaded(String),
    /// The server is shutting down and takes no new runs.
    #[error("the server is shutting down")]
    Draining,
    /// No session has this id for this caller.
    #[error("{0}")]
    SessionNotFound(String),
    /// A run of the session is executing.
    #[error("{0}")]
    SessionBusy(String),
    /// The server keeps no sessions (`--max-sessions 0`).
    #[error("this runner keeps no sessions (--max-sessions 0)")]
    SessionsOff,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_owned(),
            source,
        }
    }

    /// Wraps a wasmtime error with what the server was doing.
    pub(crate) fn wasm(context: &'static str) -> impl FnOnce(wasmtime::Error) -> Self {
        move |err| Error::Wasm {
            context,
            message: format!("{err:#}"),
        }
    }
}

/// Snapshots and compiles the interpreter of `config` into `output` (`runner-node precompile`).
pub async fn precompile(config: Config, output: PathBuf) -> Result<cache::Precompiled> {
    config.validate()?;
    let slots = config.instance_slots(&config.policy()?);
    tokio::task::spawn_blocking(move || engine::precompile(&config, slots, &output))
        .await
        .map_err(|e| Error::Config(format!("precompiling panicked: {e}")))?
}

/// How often sessions past their idle timeout or lifetime are ended.
const SESSION_EXPIRY_TICK: std::time::Duration = std::time::Duration::from_secs(1);

/// Most open connections on the admin port: scrapers and probes, a handful at a time.
const ADMIN_MAX_CONNECTIONS: usize = 64;

/// A bound, ready server: the interpreter is loaded and the sockets listen.
pub struct Server {
    listener: TcpListener,
    admin: Option<TcpListener>,
    state: routes::State,
}

/// What to warn about when the run port is open beyond this host with no auth: anyone who
/// reaches the address can run code (in a pool's pod, only the callers its NetworkPolicy
/// admits).
pub fn exposure_warning(addr: SocketAddr, auth: bool) -> Option<&'static str> {
    (!auth && !addr.ip().is_loopback()).then_some(
        "listening beyond loopback with no auth: whoever reaches this address can run code; \
         set --auth-tokens-file (or --auth-token-file), --host 127.0.0.1, or admit callers \
         with a NetworkPolicy",
    )
}

/// Headroom the server keeps beyond what it uses at start: request and answer buffers, the
/// stores of runs being set up, the allocator's slack.
const SERVER_HEADROOM_MIB: u64 = 64;

/// The memory budget of runs in MiB (see [`admission`]): `--memory-budget-mb`, else the
/// container's limit minus the server's own use and headroom; `None` when there is no limit or
/// the flag is 0. Refuses a budget too small for a run of the policy's defaults (already
/// checked against the interpreter's floor), and warns when the largest `memory_mb` a request
/// may ask for cannot fit.
fn memory_budget(config: &Config, policy: &SandboxPolicy) -> Result<Option<u32>> {
    let mib = |bytes: u64| bytes.div_ceil(1 << 20);
    let (budget, source) = match config.memory_budget_mb {
        Some(0) => return Ok(None),
        Some(flag) => (flag, "--memory-budget-mb".to_string()),
        None => {
            let Some(limit) = cgroup::memory_limit() else {
                return Ok(None);
            };
            let used = mib(cgroup::resident_bytes().unwrap_or(0)) + SERVER_HEADROOM_MIB;
            let source = format!(
                "the container's memory limit, {} MiB, minus {used} MiB for the server",
                mib(limit)
            );
            (mib(limit).saturating_sub(used), source)
        }
    };
    let budget = u32::try_from(budget).unwrap_or(u32::MAX);
    let limits = &policy.limits;
    let output = mib(limits.max_output_bytes);
    let run_mib = |memory_mb: u64| plan::reserved_mib(memory_mb << 20, limits.max_output_bytes, 0);
    if u64::from(budget) < run_mib(limits.memory_mb) {
        return Err(Error::Config(format!(
            "the memory budget for runs is {budget} MiB ({source}), less than one run of the \
             default memory_mb ({} MiB and {output} MiB of output) needs: raise the memory \
             limit or --memory-budget-mb, or lower the default memory_mb",
            limits.memory_mb
        )));
    }
    if u64::from(budget) < run_mib(limits.max_memory_mb) {
        tracing::warn!(
            budget_mib = budget,
            max_memory_mb = limits.max_memory_mb,
            "runs asking for more memory than the budget allows will be refused (422)"
        );
    }
    tracing::info!(
        budget_mib = budget,
        source,
        "runs reserve their memory_mb from a memory budget"
    );
    Ok(Some(budget))
}

/// The base URL sessions are advertised under, if the configuration names one: the URL, or
/// the IP with the port the listener got.
fn advertised(config: &Config, listener: &TcpListener) -> Option<String> {
    if let Some(url) = &config.advertise_url {
        return Some(url.trim_end_matches('/').to_string());
    }
    let ip = config.advertise_ip?;
    let port = listener
        .local_addr()
        .map_or(config.port, |addr| addr.port());
    Some(format!("http://{}", SocketAddr::new(ip, port)))
}

impl Server {
    /// Validates `config`, loads the interpreter and binds the listening socket.
    pub async fn bind(config: Config) -> Result<Self> {
        config.validate()?;
        let tenants = config.resolve_tenants()?;
        let policy = config.policy()?;
        let loader = config.clone();
        let slots = config.instance_slots(&policy);
        let interpreter = tokio::task::spawn_blocking(move || Interpreter::load(&loader, slots))
            .await
            .map_err(|e| Error::Config(format!("loading the interpreter panicked: {e}")))??;
        let floor = interpreter.snapshot_memory_bytes;
        let what = match &config.policy_file {
            Some(path) => format!("policy file {}: limits.memory_mb", path.display()),
            None => "--memory-mb".into(),
        };
        policy::check_floor(&policy, floor, &what).map_err(Error::Config)?;
        sandbox::self_check(&interpreter, &policy).await?;
        let budget = memory_budget(&config, &policy)?;
        let bind = |addr: SocketAddr, what: &'static str| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|e| Error::io(format!("{what} {addr}"), e))
        };
        let listener = bind(config.listen_addr(), "listen address").await?;
        if let Some(warning) = exposure_warning(config.listen_addr(), tenants.is_some()) {
            tracing::warn!(addr = %config.listen_addr(), "{warning}");
        }
        if let Some(file) = &tenants {
            tracing::info!(
                tenants = file.tenants.len(),
                "run endpoints take the tokens of the tenants file"
            );
        }
        let admin = match config.admin_addr() {
            Some(addr) => Some(bind(addr, "admin address (--admin-port)").await?),
            None => None,
        };
        let mut state = routes::State::new(interpreter, config, policy, tenants.as_ref(), budget);
        state.advertised = advertised(&state.config, &listener);
        Ok(Server {
            listener,
            admin,
            state,
        })
    }

    /// Calls `hook` with every decoded run request before it is checked and admitted, on the
    /// request's own task: for embedders that audit or meter requests (the binary sets none).
    /// A panic in `hook` is caught like any handler panic: that request is answered 500
    /// `internal` and the server keeps serving.
    pub fn on_request(
        mut self,
        hook: impl Fn(&runner_api::RunRequest) + Send + Sync + 'static,
    ) -> Self {
        self.state.on_request = Some(std::sync::Arc::new(hook));
        self
    }

    /// The address of the admin port (`/metrics`), unless it is off.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The address the server listens on (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound TCP listener has a local address")
    }

    /// Serves until `shutdown` resolves; then refuses new runs, lets in-flight runs finish
    /// within the configured grace period, and returns.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        let state = self.state;
        let reloader = state.config.policy_file.clone().map(|path| {
            let floor = state.interpreter.snapshot_memory_bytes;
            policy::watch(&state.policy, path, floor, state.interpreter.build.runtime)
        });
        let tenants_reloader = match (&state.tenants, &state.config.auth_tokens_file) {
            (Some(live), Some(path)) => Some(live.watch(path.clone(), "tenants", |text| {
                TenantsFile::from_yaml(text).map(|file| tenants::Tenants::new(&file))
            })),
            _ => None,
        };
        let sessions = state.sessions.clone();
        let expiry = tokio::spawn(async move {
            let mut tick = tokio::time::interval(SESSION_EXPIRY_TICK);
            loop {
                tick.tick().await;
                sessions.expire(std::time::Instant::now());
            }
        });
        let admin = self.admin.map(|listener| {
            tokio::spawn(serve::serve(
                listener,
                "admin",
                routes::admin_routes(state.metrics.clone()),
                state.config.header_read_timeout(),
                ADMIN_MAX_CONNECTIONS,
                std::future::pending(),
            ))
        });
        let drain = state.admission.clone();
        let grace = state.config.shutdown_grace();
        let stop = async move {
            shutdown.await;
            tracing::info!("shutting down: no new runs, draining in-flight ones");
            drain.start_draining();
        };
        let serving = serve::serve(
            self.listener,
            "api",
            routes::routes(state.clone()),
            state.config.header_read_timeout(),
            state.config.max_connections,
            stop,
        );
        // Connections drain by themselves; the grace period bounds how long in-flight runs may
        // keep the process alive after the signal.
        tokio::select! {
            () = serving => {}
            () = state.admission.grace_expired(grace) => {
                tracing::warn!(?grace, "grace period over, exiting with runs in flight");
            }
        }
        for task in [reloader, tenants_reloader, admin, Some(expiry)]
            .into_iter()
            .flatten()
        {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_open_address_without_auth_is_warned_about() {
        let at = |addr: &str| addr.parse::<SocketAddr>().unwrap();
        assert!(exposure_warning(at("0.0.0.0:3000"), false).is_some());
        assert!(exposure_warning(at("[::]:3000"), false).is_some());
        assert!(exposure_warning(at("0.0.0.0:3000"), true).is_none());
        assert!(exposure_warning(at("127.0.0.1:3000"), false).is_none());
        assert!(exposure_warning(at("[::1]:3000"), false).is_none());
    }
}
