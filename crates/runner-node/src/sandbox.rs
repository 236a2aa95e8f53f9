//! One run: a fresh [`Store`] with its own WASI context, limits and output capture, dropped when
//! the run ends. Nothing of a run survives it.
//!
//! Where each limit is enforced:
//! - wall time: the epoch-deadline callback traps a guest that computes past its deadline, and an
//!   outer [`tokio::time::timeout`] stops a guest blocked in a host call (`time.sleep`);
//! - memory: [`MemoryLimiter`] refuses linear-memory growth past the run's limit;
//! - output: [`Capture`] traps the guest when stdout + stderr reach their cap;
//! - stack: the engine's `max_wasm_stack` (see [`crate::engine`]).

use std::collections::BTreeMap;
use std::path::{Component, Path};
use std::sync::Arc;
use std::time::{Duration, Instant};

use runner_api::Outcome;
use runner_api::policy::SandboxPolicy;
use tempfile::TempDir;
use tracing::Instrument;
use wasmtime::{ResourceLimiter, Store, Trap, UpdateDeadline};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

use crate::capture::{Capture, Captured, OutputLimitReached, Stream};
use crate::engine::Runtime;
use crate::telemetry;
use crate::{Error, Result};

/// Where the stdlib folder appears in the guest (CPython's compiled-in prefix is `/usr/local`).
pub const GUEST_LIB_DIR: &str = "/usr/local/lib";
/// The run's working directory in the guest.
pub const GUEST_WORK_DIR: &str = "/work";

/// Exit code reported when the guest traps by itself (CPython's `abort()` is a wasm
/// `unreachable`), as a native process killed by SIGABRT would report it.
pub const TRAP_EXIT_CODE: i32 = 134;

/// The limits one run is held to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Wall time of the program.
    pub timeout: Duration,
    /// Largest linear memory, in bytes.
    pub memory_bytes: usize,
    /// Most bytes of stdout + stderr kept.
    pub output_bytes: usize,
}

/// What one run is given.
#[derive(Clone, Debug, Default)]
pub struct Input {
    /// Python source, run as `python -c CODE`.
    pub code: String,
    /// Bytes the program reads from stdin.
    pub stdin: Vec<u8>,
    /// Files written into the working directory first, by relative path.
    pub files: BTreeMap<String, String>,
    /// Environment variables, already checked against the policy.
    pub env: BTreeMap<String, String>,
}

/// How a run ended and what it wrote.
#[derive(Debug)]
pub struct Report {
    /// How the run ended.
    pub outcome: Outcome,
    /// The guest's exit status, `None` when a limit stopped it.
    pub exit_code: Option<i32>,
    /// What it wrote.
    pub output: Captured,
    /// Time from instantiation to the end of the program.
    pub duration: Duration,
    /// Largest linear memory the run was granted, in bytes.
    pub peak_memory_bytes: usize,
}

/// Per-run host state held by the [`Store`].
pub struct HostState {
    pub(crate) wasi: WasiP1Ctx,
    limiter: MemoryLimiter,
}

/// Refuses linear-memory growth past a fixed size and remembers that it did.
struct MemoryLimiter {
    max_bytes: usize,
    refused: bool,
    peak: usize,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired <= self.max_bytes;
        self.refused |= !allowed;
        self.peak = self.peak.max(if allowed { desired } else { 0 });
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

/// Runs `input` in a fresh sandbox and reports how it ended.
///
/// `Err` means the host failed (cannot create the working directory, a bug); everything the
/// guest does, including exhausting its limits, is an `Ok` report.
pub async fn run(
    runtime: &Arc<Runtime>,
    policy: &SandboxPolicy,
    input: Input,
    limits: Limits,
) -> Result<Report> {
    let instantiate = telemetry::span(|| tracing::info_span!("instantiate"));
    let (work, capture, mut store) = instantiate.in_scope(|| -> Result<_> {
        let work = prepare_work_dir(&runtime.work_root, &input.files)?;
        let capture = Capture::new(limits.output_bytes);
        let store = new_store(runtime, policy, input, limits, &work, &capture)?;
        Ok((work, capture, store))
    })?;
    let started = Instant::now();
    let deadline = started + limits.timeout;
    // Check in every tick: a busy guest yields its thread to other runs and to the HTTP
    // server each time, and traps at the first tick past its deadline.
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        if Instant::now() >= deadline {
            Ok(UpdateDeadline::Interrupt)
        } else {
            Ok(UpdateDeadline::Yield(1))
        }
    });

    let execution = async {
        // Maps the snapshot copy-on-write into a pooled slot; `_start` is the snapshot's
        // per-run entry (see crate::snapshot).
        let instance = runtime
            .pre
            .instantiate_async(&mut store)
            .instrument(instantiate)
            .await?;
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        start
            .call_async(&mut store, ())
            .instrument(telemetry::span(|| tracing::info_span!("guest_execution")))
            .await
    };
    let result = tokio::time::timeout(limits.timeout, execution).await;
    let duration = started.elapsed();
    let memory_refused = store.data().limiter.refused;
    let peak_memory_bytes = store.data().limiter.peak;
    drop(store);
    drop(work);

    let (outcome, exit_code) = match result {
        Err(_elapsed) => (Outcome::Timeout, None),
        Ok(result) => classify(result, memory_refused),
    };
    Ok(Report {
        outcome,
        exit_code,
        output: capture.finish(),
        duration,
        peak_memory_bytes,
    })
}

/// A run's store: its WASI context (argv, stdin, env, output capture, preopens) and limiter.
fn new_store(
    runtime: &Runtime,
    policy: &SandboxPolicy,
    input: Input,
    limits: Limits,
    work: &TempDir,
    capture: &Capture,
) -> Result<Store<HostState>> {
    let mut wasi = WasiCtxBuilder::new();
    for mount in &policy.data_mounts {
        wasi.preopened_dir(&mount.host_path, &mount.guest_path, FsPerms::ReadOnly)
            .map_err(Error::wasm("preopening a data mount"))?;
    }
    let wasi = wasi
        .arg("python")
        .arg("-c")
        .arg(&input.code)
        .envs(&input.env.iter().collect::<Vec<_>>())
        .stdin(MemoryInputPipe::new(input.stdin))
        .stdout(capture.stream(Stream::Stdout))
        .stderr(capture.stream(Stream::Stderr))
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        // File operations are local and short: run them on the run's own thread instead of
        // bouncing each one through the blocking pool.
        .allow_blocking_current_thread(true)
        .preopened_dir(&runtime.python_lib, GUEST_LIB_DIR, FsPerms::ReadOnly)
        .and_then(|b| b.preopened_dir(work.path(), GUEST_WORK_DIR, FsPerms::ReadWrite))
        .map_err(Error::wasm("preopening sandbox folders"))?
        .build_p1();

    let mut store = Store::new(
        &runtime.engine,
        HostState {
            wasi,
            limiter: MemoryLimiter {
                max_bytes: limits.memory_bytes,
                refused: false,
                peak: 0,
            },
        },
    );
    store.limiter(|state| &mut state.limiter);
    Ok(store)
}

/// Builds a run's store and instantiates the snapshot in it, then drops both: what every run
/// pays before its program starts (for benchmarks).
pub async fn instantiate_only(runtime: &Runtime, policy: &SandboxPolicy) -> Result<()> {
    let work = prepare_work_dir(&runtime.work_root, &BTreeMap::new())?;
    let capture = Capture::new(0);
    let limits = Limits {
        timeout: Duration::from_secs(1),
        memory_bytes: usize::MAX,
        output_bytes: 0,
    };
    let mut store = new_store(runtime, policy, Input::default(), limits, &work, &capture)?;
    runtime
        .pre
        .instantiate_async(&mut store)
        .await
        .map_err(Error::wasm("instantiating the interpreter"))?;
    Ok(())
}

/// Runs a tiny program before the server takes requests, so a snapshot that cannot run (a
/// python.wasm from another recipe, a broken stdlib) stops the start with its output instead of
/// failing every request.
pub async fn self_check(runtime: &Arc<Runtime>, policy: &SandboxPolicy) -> Result<()> {
    let input = Input {
        code: "import sys; print(sys.argv)".into(),
        ..Input::default()
    };
    let limits = Limits {
        timeout: Duration::from_secs(30),
        memory_bytes: (policy.limits.max_memory_mb as usize) << 20,
        output_bytes: 64 * 1024,
    };
    let report = run(runtime, policy, input, limits)
        .instrument(telemetry::span(|| tracing::info_span!("self_check")))
        .await?;
    let output = report.output.output;
    if report.outcome == Outcome::Completed && report.exit_code == Some(0) && output == "['-c']\n" {
        return Ok(());
    }
    Err(Error::Snapshot(format!(
        "the interpreter does not run a program ({:?}, exit code {:?}): {}",
        report.outcome,
        report.exit_code,
        output.trim()
    )))
}

/// Maps how `_start` returned to an outcome and exit code.
fn classify(result: wasmtime::Result<()>, memory_refused: bool) -> (Outcome, Option<i32>) {
    let exit_code = match result {
        Ok(()) => 0,
        Err(err) => {
            if let Some(I32Exit(code)) = err.downcast_ref::<I32Exit>() {
                *code
            } else if err.is::<OutputLimitReached>() {
                return (Outcome::OutputLimit, None);
            } else if let Some(trap) = err.downcast_ref::<Trap>() {
                match trap {
                    Trap::Interrupt => return (Outcome::Timeout, None),
                    Trap::StackOverflow => return (Outcome::StackOverflow, None),
                    _ if memory_refused => return (Outcome::MemoryLimit, None),
                    _ => TRAP_EXIT_CODE,
                }
            } else if memory_refused {
                // Instantiation itself needed more memory than the run may have.
                return (Outcome::MemoryLimit, None);
            } else {
                tracing::warn!(error = %format!("{err:#}"), "guest ended with an unexpected error");
                TRAP_EXIT_CODE
            }
        }
    };
    if exit_code != 0 && memory_refused {
        // CPython turned the refused grow into MemoryError and exited with it.
        return (Outcome::MemoryLimit, Some(exit_code));
    }
    (Outcome::Completed, Some(exit_code))
}

/// Creates the run's private working directory holding the request's files.
fn prepare_work_dir(root: &Path, files: &BTreeMap<String, String>) -> Result<TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("run-")
        .tempdir_in(root)
        .map_err(|e| Error::io(root, e))?;
    for (name, contents) in files {
        let relative = checked_relative_path(name)?;
        let path = dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&path, contents).map_err(|e| Error::io(&path, e))?;
    }
    Ok(dir)
}

/// Accepts `a.txt` or `dir/a.txt`; refuses absolute paths, `..`, and empty names.
fn checked_relative_path(name: &str) -> Result<&Path> {
    let path = Path::new(name);
    let plain = !name.is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if plain && path.components().any(|c| matches!(c, Component::Normal(_))) {
        Ok(path)
    } else {
        Err(Error::InvalidRequest(format!(
            "file name {name:?} must be a relative path inside /work without '..'"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_must_stay_inside_work() {
        for good in ["a.txt", "dir/a.txt", "./a"] {
            assert!(checked_relative_path(good).is_ok(), "{good}");
        }
        for bad in ["", "/etc/passwd", "../x", "a/../../x", ".", "a/.."] {
            assert!(checked_relative_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refused_grow_with_failure_is_a_memory_limit() {
        let err = wasmtime::Error::new(I32Exit(1));
        assert_eq!(classify(Err(err), true), (Outcome::MemoryLimit, Some(1)));
    }

    #[test]
    fn refused_grow_then_success_is_completed() {
        assert_eq!(classify(Ok(()), true), (Outcome::Completed, Some(0)));
    }
}
