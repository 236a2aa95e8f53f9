//! `GET /v1/environment`: the runtime, its packages and the limits in force, described from the
//! loaded interpreter and the current policy (see `runner_api::environment`).

use runner_api::environment::{Environment, Limits, Package, PackageSource, Paths, SessionBounds};
use runner_api::policy::SandboxPolicy;

use crate::config::Config;
use crate::engine::Interpreter;
use crate::guest;
use crate::packages::Distribution;

/// What programs cannot do here, whatever the runtime.
const UNAVAILABLE: [&str; 5] = [
    "network: there are no sockets; urllib and http.client cannot connect",
    "processes: subprocess, os.system and os.fork raise OSError",
    "threads: threading.Thread.start() raises RuntimeError",
    "native code: C extensions other than the runtime's cannot be loaded",
    "host files: only /work (writable, fresh per run or kept by a session), the library and the listed folders exist",
];

/// The document for `interpreter` under `policy`, with the sessions `config` allows.
pub fn describe(interpreter: &Interpreter, policy: &SandboxPolicy, config: &Config) -> Environment {
    let build = &interpreter.build;
    let preimported = |modules: &[String]| {
        modules.iter().any(|m| {
            interpreter
                .preimport
                .iter()
                .any(|p| p.split('.').next() == Some(m.as_str()))
        })
    };
    let package = |d: &Distribution, source| Package {
        name: d.name.clone(),
        version: d.version.clone(),
        source,
        preimported: preimported(&d.modules),
        stand_in: false,
    };
    let mut packages: Vec<Package> = build
        .distributions
        .iter()
        .map(|d| package(d, PackageSource::Runtime))
        .collect();
    if let Some(pool) = &interpreter.packages {
        packages.extend(
            pool.distributions
                .iter()
                .map(|d| package(d, PackageSource::Pool)),
        );
    }
    packages.extend(build.stand_ins.iter().map(|name| Package {
        name: name.clone(),
        version: build.python_version.clone(),
        source: PackageSource::Stdlib,
        preimported: preimported(std::slice::from_ref(name)),
        stand_in: true,
    }));
    packages.sort_by_key(|a| a.name.to_lowercase());
    let l = &policy.limits;
    Environment {
        runtime: build.runtime,
        python_version: build.python_version.clone(),
        platform: guest::PLATFORM.into(),
        packages,
        limits: Limits {
            timeout_ms: l.timeout_ms,
            max_timeout_ms: l.max_timeout_ms,
            max_cpu_limit_ms: l.max_cpu_limit_ms,
            memory_mb: l.memory_mb,
            max_memory_mb: l.max_memory_mb,
            max_output_bytes: l.max_output_bytes,
            max_output_files: l.max_output_files,
            max_output_files_bytes: l.max_output_files_bytes,
            scratch_quota_bytes: policy.scratch_quota_bytes,
        },
        memory_floor_mb: interpreter.snapshot_memory_bytes.div_ceil(1 << 20),
        allowed_env: policy.allowed_env.clone(),
        paths: Paths {
            work: guest::WORK_DIR.into(),
            packages: interpreter
                .packages
                .as_ref()
                .map(|_| guest::PACKAGES_DIR.into()),
            data: policy
                .data_mounts
                .iter()
                .map(|m| m.guest_path.clone())
                .collect(),
        },
        sessions: (config.max_sessions > 0).then_some(SessionBounds {
            max_sessions: config.max_sessions,
            idle_timeout_s: config.session_idle_timeout_s,
            max_idle_timeout_s: config.max_session_idle_timeout_s,
            lifetime_s: config.session_lifetime_s,
        }),
        unavailable: UNAVAILABLE.iter().map(|s| s.to_string()).collect(),
    }
}
