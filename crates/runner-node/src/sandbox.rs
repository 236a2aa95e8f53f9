//! One run of a [`RunPlan`]: a fresh [`Store`] with its own WASI context, limits and output
//! capture, and its own `/work` ([`crate::workdir`]), all dropped when the run ends. Nothing of a
//! run survives it but its [`Report`].
//!
//! Where each limit is enforced:
//! - wall time: the epoch-deadline callback traps a guest that computes past its deadline, and an
//!   outer [`tokio::time::timeout`] stops a guest blocked in a host call (`time.sleep`);
//! - CPU time: the same callback reads the thread's CPU clock (a run executes on one thread,
//!   [`crate::threads`]) and traps a guest past its `cpu_limit_ms`, within a tick;
//! - memory: [`guest::MemoryLimiter`] refuses linear-memory growth past the run's limit;
//! - output: [`Capture`] traps the guest when stdout + stderr reach their cap;
//! - stack: the engine's `max_wasm_stack` (see [`crate::engine`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use runner_api::Outcome;
use runner_api::policy::SandboxPolicy;
use tracing::Instrument;
use wasmtime::{Store, Trap, UpdateDeadline};
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

use crate::capture::{Capture, Input, Lines, OutputLimitReached, Stream};
use crate::engine::Interpreter;
use crate::guest::{self, HostState};
use crate::plan::RunPlan;
use crate::record::{Limits, Report};
use crate::threads::cpu_time as thread_cpu_time;
use crate::{Error, Result, telemetry, workdir};

/// Runs `plan` in a fresh sandbox and reports how it ended; with `lines`, its output also goes
/// there as it is written ([`Capture::stream_to`]).
///
/// `Err` means the host failed (cannot create the working directory, a bug); everything the
/// guest does, including exhausting its limits, is an `Ok` report.
pub async fn run(
    interpreter: &Arc<Interpreter>,
    policy: &SandboxPolicy,
    plan: RunPlan,
    lines: Option<Lines>,
) -> Result<Report> {
    let limits = plan.limits;
    let outputs = plan.outputs.clone();
    let instantiate = telemetry::span(|| tracing::info_span!("instantiate"));
    let (work, capture, mut store) = instantiate.in_scope(|| -> Result<_> {
        let work = workdir::prepare(&interpreter.work_root, &plan.files)?;
        let capture = Capture::new(limits.output_bytes);
        if let Some(lines) = lines {
            capture.stream_to(lines);
        }
        let guest = Guest {
            args: ["python", "-c", &plan.code],
            env: &plan.env,
            stdin: Input::new(plan.stdin),
            work: work.path(),
            capture: &capture,
            memory_bytes: limits.memory_bytes,
        };
        let store = new_store(interpreter, policy, guest)?;
        Ok((work, capture, store))
    })?;
    let meter = Meter::arm(&mut store, &limits);

    let execution = async {
        // Maps the snapshot copy-on-write into a pooled slot; `_start` is the snapshot's
        // per-run entry (see crate::snapshot).
        let instance = interpreter
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
    let result = tokio::time::timeout(limits.timeout, execution)
        .await
        .map(|called| called.map(|()| 0));
    let (duration, cpu_time) = meter.read();
    let (outcome, exit_code) = ended(result, store.data());
    let peak_memory_bytes = store.data().limiter.peak;
    drop(store);
    // The guest is gone: nothing can change in /work while its files are read.
    let files = outputs
        .map(|outputs| workdir::collect(work.path(), &outputs))
        .transpose()?;
    drop(work);
    Ok(Report {
        outcome,
        exit_code,
        output: capture.finish(),
        duration,
        cpu_time,
        peak_memory_bytes,
        files,
    })
}

/// The wall and CPU clocks of one run, started when the guest is about to execute.
pub(crate) struct Meter {
    started: Instant,
    cpu_started: Duration,
}

impl Meter {
    /// Arms `store`'s epoch callback for one run under `limits`, from now: every tick a busy
    /// guest yields to its guest thread's runtime (which drops the run if its caller went away),
    /// and it traps at the first tick past its wall-time or CPU limit.
    pub(crate) fn arm(store: &mut Store<HostState>, limits: &Limits) -> Meter {
        let meter = Meter {
            started: Instant::now(),
            cpu_started: thread_cpu_time(),
        };
        let deadline = meter.started + limits.timeout;
        let cpu_limit = limits.cpu;
        let cpu_started = meter.cpu_started;
        store.data_mut().cpu_limit_reached = false;
        store.data_mut().limiter.refused = false;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |mut store| {
            if Instant::now() >= deadline {
                return Ok(UpdateDeadline::Interrupt);
            }
            if cpu_limit.is_some_and(|limit| thread_cpu_time().saturating_sub(cpu_started) >= limit)
            {
                store.data_mut().cpu_limit_reached = true;
                return Ok(UpdateDeadline::Interrupt);
            }
            Ok(UpdateDeadline::Yield(1))
        });
        meter
    }

    /// Wall time and CPU time since [`Meter::arm`].
    pub(crate) fn read(&self) -> (Duration, Duration) {
        (
            self.started.elapsed(),
            thread_cpu_time().saturating_sub(self.cpu_started),
        )
    }
}

/// How a run ended: from the exit status its call returned, the error that stopped it, or the
/// outer timeout (`Err`).
pub(crate) fn ended(
    result: Result<wasmtime::Result<i32>, tokio::time::error::Elapsed>,
    state: &HostState,
) -> (Outcome, Option<i32>) {
    let refused = state.limiter.refused;
    match result {
        Err(_elapsed) => (Outcome::Timeout, None),
        Ok(_) if state.cpu_limit_reached => (Outcome::CpuLimit, None),
        Ok(Ok(0)) => classify(Ok(()), refused),
        Ok(Ok(status)) => classify(Err(wasmtime::Error::new(I32Exit(status))), refused),
        Ok(Err(err)) => classify(Err(err), refused),
    }
}

/// What a guest is shown: its arguments, environment, stdio, `/work` and memory limit.
pub(crate) struct Guest<'a> {
    /// `python -c CODE`.
    pub args: [&'a str; 3],
    pub env: &'a BTreeMap<String, String>,
    pub stdin: Input,
    pub work: &'a Path,
    pub capture: &'a Capture,
    pub memory_bytes: usize,
}

/// A store for `guest`: its WASI context (argv, stdin, env, output capture, preopens) and
/// limiter.
pub(crate) fn new_store(
    interpreter: &Interpreter,
    policy: &SandboxPolicy,
    view: Guest<'_>,
) -> Result<Store<HostState>> {
    let mut wasi = WasiCtxBuilder::new();
    for mount in &policy.data_mounts {
        wasi.preopened_dir(&mount.host_path, &mount.guest_path, FsPerms::ReadOnly)
            .map_err(Error::wasm("preopening a data mount"))?;
    }
    if let Some(packages) = interpreter.packages_dir() {
        wasi.preopened_dir(packages, guest::PACKAGES_DIR, FsPerms::ReadOnly)
            .map_err(Error::wasm("preopening the packages"))?;
    }
    let capture = view.capture;
    let wasi = wasi
        .args(&view.args)
        .envs(&view.env.iter().collect::<Vec<_>>())
        .stdin(view.stdin)
        .stdout(capture.stream(Stream::Stdout))
        .stderr(capture.stream(Stream::Stderr))
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        // File operations are local and short: run them on the run's own thread instead of
        // bouncing each one through the blocking pool.
        .allow_blocking_current_thread(true)
        .preopened_dir(interpreter.lib(), guest::LIB_DIR, FsPerms::ReadOnly)
        .and_then(|b| b.preopened_dir(view.work, guest::WORK_DIR, FsPerms::ReadWrite))
        .map_err(Error::wasm("preopening sandbox folders"))?
        .build_p1();

    let mut store = Store::new(&interpreter.engine, HostState::new(wasi, view.memory_bytes));
    store.limiter(|state| &mut state.limiter);
    Ok(store)
}

/// Builds a run's store and instantiates the snapshot in it, then drops both: what every run
/// pays before its program starts (for benchmarks).
pub async fn instantiate_only(interpreter: &Interpreter, policy: &SandboxPolicy) -> Result<()> {
    let work = workdir::prepare(&interpreter.work_root, &[])?;
    let capture = Capture::new(0);
    let plan = RunPlan::with_limits(
        "",
        Limits {
            timeout: Duration::from_secs(1),
            cpu: None,
            memory_bytes: usize::MAX,
            output_bytes: 0,
        },
    );
    let guest = Guest {
        args: ["python", "-c", &plan.code],
        env: &plan.env,
        stdin: Input::default(),
        work: work.path(),
        capture: &capture,
        memory_bytes: plan.limits.memory_bytes,
    };
    let mut store = new_store(interpreter, policy, guest)?;
    interpreter
        .pre
        .instantiate_async(&mut store)
        .await
        .map_err(Error::wasm("instantiating the interpreter"))?;
    Ok(())
}

/// Runs a tiny program before the server takes requests, so a snapshot that cannot run (a
/// python.wasm from another recipe, a broken stdlib) stops the start with its output instead of
/// failing every request.
pub async fn self_check(interpreter: &Arc<Interpreter>, policy: &SandboxPolicy) -> Result<()> {
    let plan = RunPlan::with_limits(
        "import sys; print(sys.argv)",
        Limits {
            timeout: Duration::from_secs(30),
            cpu: None,
            memory_bytes: (policy.limits.max_memory_mb as usize) << 20,
            output_bytes: 64 * 1024,
        },
    );
    let report = run(interpreter, policy, plan, None)
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
                    _ => guest::TRAP_EXIT_CODE,
                }
            } else if memory_refused {
                // Instantiation itself needed more memory than the run may have.
                return (Outcome::MemoryLimit, None);
            } else {
                tracing::warn!(error = %format!("{err:#}"), "guest ended with an unexpected error");
                guest::TRAP_EXIT_CODE
            }
        }
    };
    if exit_code != 0 && memory_refused {
        // CPython turned the refused grow into MemoryError and exited with it.
        return (Outcome::MemoryLimit, Some(exit_code));
    }
    (Outcome::Completed, Some(exit_code))
}

#[cfg(test)]
mod tests {
    use super::*;

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
