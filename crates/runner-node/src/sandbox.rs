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

use std::sync::Arc;
use std::time::{Duration, Instant};

use runner_api::Outcome;
use runner_api::policy::SandboxPolicy;
use tempfile::TempDir;
use tracing::Instrument;
use wasmtime::{Store, Trap, UpdateDeadline};
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

use crate::capture::{Capture, OutputLimitReached, Stream};
use crate::engine::Interpreter;
use crate::guest::{self, HostState};
use crate::plan::RunPlan;
use crate::record::{Limits, Report};
use crate::threads::cpu_time as thread_cpu_time;
use crate::{Error, Result, telemetry, workdir};

/// Runs `plan` in a fresh sandbox and reports how it ended.
///
/// `Err` means the host failed (cannot create the working directory, a bug); everything the
/// guest does, including exhausting its limits, is an `Ok` report.
pub async fn run(
    interpreter: &Arc<Interpreter>,
    policy: &SandboxPolicy,
    plan: RunPlan,
) -> Result<Report> {
    let limits = plan.limits;
    let outputs = plan.outputs.clone();
    let instantiate = telemetry::span(|| tracing::info_span!("instantiate"));
    let (work, capture, mut store) = instantiate.in_scope(|| -> Result<_> {
        let work = workdir::prepare(&interpreter.work_root, &plan.files)?;
        let capture = Capture::new(limits.output_bytes);
        let store = new_store(interpreter, policy, plan, &work, &capture)?;
        Ok((work, capture, store))
    })?;
    let started = Instant::now();
    let cpu_started = thread_cpu_time();
    let deadline = started + limits.timeout;
    let cpu_limit = limits.cpu;
    // Check in every tick: a busy guest yields to its guest thread's runtime each time (which
    // drops the run if its caller went away), and traps at the first tick past a limit.
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |mut store| {
        if Instant::now() >= deadline {
            return Ok(UpdateDeadline::Interrupt);
        }
        if cpu_limit.is_some_and(|limit| thread_cpu_time().saturating_sub(cpu_started) >= limit) {
            store.data_mut().cpu_limit_reached = true;
            return Ok(UpdateDeadline::Interrupt);
        }
        Ok(UpdateDeadline::Yield(1))
    });

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
    let result = tokio::time::timeout(limits.timeout, execution).await;
    let duration = started.elapsed();
    let cpu_time = thread_cpu_time().saturating_sub(cpu_started);
    let cpu_limit_reached = store.data().cpu_limit_reached;
    let memory_refused = store.data().limiter.refused;
    let peak_memory_bytes = store.data().limiter.peak;
    drop(store);
    // The guest is gone: nothing can change in /work while its files are read.
    let files = outputs
        .map(|outputs| workdir::collect(work.path(), &outputs))
        .transpose()?;
    drop(work);

    let (outcome, exit_code) = match result {
        Err(_elapsed) => (Outcome::Timeout, None),
        Ok(_) if cpu_limit_reached => (Outcome::CpuLimit, None),
        Ok(result) => classify(result, memory_refused),
    };
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

/// A run's store: its WASI context (argv, stdin, env, output capture, preopens) and limiter.
fn new_store(
    interpreter: &Interpreter,
    policy: &SandboxPolicy,
    plan: RunPlan,
    work: &TempDir,
    capture: &Capture,
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
    let wasi = wasi
        .arg("python")
        .arg("-c")
        .arg(&plan.code)
        .envs(&plan.env.iter().collect::<Vec<_>>())
        .stdin(MemoryInputPipe::new(plan.stdin))
        .stdout(capture.stream(Stream::Stdout))
        .stderr(capture.stream(Stream::Stderr))
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        // File operations are local and short: run them on the run's own thread instead of
        // bouncing each one through the blocking pool.
        .allow_blocking_current_thread(true)
        .preopened_dir(interpreter.lib(), guest::LIB_DIR, FsPerms::ReadOnly)
        .and_then(|b| b.preopened_dir(work.path(), guest::WORK_DIR, FsPerms::ReadWrite))
        .map_err(Error::wasm("preopening sandbox folders"))?
        .build_p1();

    let mut store = Store::new(
        &interpreter.engine,
        HostState::new(wasi, plan.limits.memory_bytes),
    );
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
    let mut store = new_store(interpreter, policy, plan, &work, &capture)?;
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
    let report = run(interpreter, policy, plan)
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
