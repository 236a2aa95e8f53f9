//! In-process benchmark of the sandbox path, driven by `scripts/bench.py` (which repeats it and
//! writes docs/benchmarks.md). Prints one JSON object:
//!
//! - `ready_us`: a run's store + WASI context + copy-on-write instantiation of the snapshot;
//! - `pass_us`, `hello_us`: whole runs of `pass` and `print('hi')`;
//! - `no_snapshot_hello_us`: the origin's path, a fresh python.wasm instance that starts CPython;
//! - `fib27_s`: `fib(27)` timed inside the guest;
//! - `pss_per_sandbox_bytes`: extra proportional set size per concurrent sleeping run;
//! - `snapshot_memory_bytes`: the heap every run starts with.
//!
//! Usage: `RUNNER_PYTHON_DIR=... cargo run --example bench -p runner-node`

use std::sync::Arc;
use std::time::{Duration, Instant};

use runner_api::Outcome;
use runner_node::plan::RunPlan;
use runner_node::record::{Limits, Report};
use runner_node::{Config, Interpreter, sandbox};
use serde_json::json;
use wasmtime::{Engine, Linker, Module, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

const READY_ROUNDS: usize = 2000;
const RUN_ROUNDS: usize = 1000;
const NO_SNAPSHOT_ROUNDS: usize = 20;
const CONCURRENT_SANDBOXES: usize = 200;

const FIB: &str = "import time\n\
def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\
t = time.perf_counter()\nfib(27)\nprint(time.perf_counter() - t)";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let python_dir = std::env::var_os("RUNNER_PYTHON_DIR").expect("RUNNER_PYTHON_DIR is set");
    let mut config = Config::with_python_dir(python_dir);
    config.max_concurrent_runs = CONCURRENT_SANDBOXES as u32;
    let policy = config.policy()?;
    let slots = policy.limits.max_concurrent_runs;
    let loader = config.clone();
    let runtime = tokio::task::spawn_blocking(move || Interpreter::load(&loader, slots)).await??;
    let limits = Limits {
        timeout: Duration::from_secs(60),
        cpu: None,
        memory_bytes: 256 << 20,
        output_bytes: 1 << 20,
    };

    let mut ready = Vec::with_capacity(READY_ROUNDS);
    for _ in 0..READY_ROUNDS {
        let started = Instant::now();
        sandbox::instantiate_only(&runtime, &policy).await?;
        ready.push(started.elapsed());
    }
    let timed = async |code: &str, rounds: usize| -> anyhow::Result<Vec<Duration>> {
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let started = Instant::now();
            let report = run(&runtime, &policy, code, limits).await?;
            times.push(started.elapsed());
            anyhow::ensure!(report.exit_code == Some(0), "{code}: {report:?}");
        }
        Ok(times)
    };
    let pass = timed("pass", RUN_ROUNDS).await?;
    let faults_before = minor_faults()?;
    let hello = timed("print('hi')", RUN_ROUNDS).await?;
    let faults_per_hello = (minor_faults()? - faults_before) as f64 / RUN_ROUNDS as f64;

    let fib = run(&runtime, &policy, FIB, limits).await?;
    let fib27_s: f64 = fib.output.stdout.trim().parse()?;

    let pss_per_sandbox = pss_per_sandbox(&runtime, &policy, limits).await?;
    let no_snapshot = tokio::task::spawn_blocking(move || no_snapshot_hello(&config))
        .await?
        .map_err(|e| anyhow::anyhow!("no-snapshot path: {e:#}"))?;

    let micros =
        |times: &[Duration]| -> Vec<f64> { times.iter().map(|t| t.as_secs_f64() * 1e6).collect() };
    println!(
        "{}",
        json!({
            "ready_us": micros(&ready),
            "pass_us": micros(&pass),
            "hello_us": micros(&hello),
            "no_snapshot_hello_us": micros(&no_snapshot),
            "fib27_s": fib27_s,
            "minor_faults_per_hello": faults_per_hello,
            "pss_per_sandbox_bytes": pss_per_sandbox,
            "concurrent_sandboxes": CONCURRENT_SANDBOXES,
            "snapshot_memory_bytes": runtime.snapshot_memory_bytes,
        })
    );
    Ok(())
}

async fn run(
    runtime: &Arc<Interpreter>,
    policy: &runner_api::policy::SandboxPolicy,
    code: &str,
    limits: Limits,
) -> anyhow::Result<Report> {
    Ok(sandbox::run(runtime, policy, RunPlan::with_limits(code, limits), None).await?)
}

/// Extra PSS of the process per sandbox while [`CONCURRENT_SANDBOXES`] runs sleep at once.
async fn pss_per_sandbox(
    runtime: &Arc<Interpreter>,
    policy: &runner_api::policy::SandboxPolicy,
    limits: Limits,
) -> anyhow::Result<f64> {
    let before = pss_bytes()?;
    let mut runs = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENT_SANDBOXES {
        let (runtime, policy) = (runtime.clone(), policy.clone());
        runs.spawn(
            async move { run(&runtime, &policy, "import time; time.sleep(3)", limits).await },
        );
    }
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let during = pss_bytes()?;
    while let Some(report) = runs.join_next().await {
        let report = report??;
        anyhow::ensure!(report.outcome == Outcome::Completed, "{report:?}");
    }
    Ok((during as f64 - before as f64) / CONCURRENT_SANDBOXES as f64)
}

/// Minor page faults of this process so far (`/proc/self/stat`, field 10).
fn minor_faults() -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Fields after the command name, which is parenthesised and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    Ok(fields
        .get(7)
        .ok_or_else(|| anyhow::anyhow!("short /proc/self/stat"))?
        .parse()?)
}

fn pss_bytes() -> anyhow::Result<u64> {
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup")?;
    let kib = rollup
        .lines()
        .find_map(|line| line.strip_prefix("Pss:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .ok_or_else(|| anyhow::anyhow!("no Pss line in smaps_rollup"))?;
    Ok(kib * 1024)
}

/// The origin's path: compile python.wasm as is and start CPython from `_start` in every run.
fn no_snapshot_hello(config: &Config) -> wasmtime::Result<Vec<Duration>> {
    let engine = Engine::new(&runner_node::engine::engine_config(config, 1))?;
    let module = Module::from_file(&engine, config.python_wasm())?;
    let mut linker = Linker::<WasiP1Ctx>::new(&engine);
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |wasi| wasi)?;
    let pre = linker.instantiate_pre(&module)?;
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let mut times = Vec::with_capacity(NO_SNAPSHOT_ROUNDS);
    for _ in 0..NO_SNAPSHOT_ROUNDS {
        let started = Instant::now();
        let stdout = MemoryOutputPipe::new(1024);
        let wasi = WasiCtxBuilder::new()
            .args(&["python", "-c", "print('hi')"])
            .env("PYTHONUNBUFFERED", "1")
            .stdout(stdout.clone())
            .allow_blocking_current_thread(true)
            .preopened_dir(config.python_lib(), "/usr/local/lib", FsPerms::ReadOnly)?
            .build_p1();
        let mut store = Store::new(&engine, wasi);
        store.set_epoch_deadline(1 << 40);
        runtime.block_on(async {
            let instance = pre.instantiate_async(&mut store).await?;
            let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
            start.call_async(&mut store, ()).await
        })?;
        times.push(started.elapsed());
        if &stdout.contents()[..] != b"hi\n" {
            wasmtime::bail!("the no-snapshot run printed {:?}", stdout.contents());
        }
    }
    Ok(times)
}
