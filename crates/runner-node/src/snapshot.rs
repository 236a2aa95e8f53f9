//! Pre-initialises the interpreter once, so runs skip CPython's start-up.
//!
//! python.wasm exports `wizer-initialize` and `runner-run` (python-wasi/runner-entry.c).
//! [`build`] instantiates it with the stdlib (and the packages, if any) preopened as every run
//! sees them, calls `wizer-initialize` with [`INIT_SOURCE`] (interpreter started, common modules
//! and the requested pre-imports imported), and has wasmtime-wizer write
//! the instance's memory and globals out as a new module whose `_start` is `runner-run`. Each run
//! then instantiates that module (copy-on-write, see [`crate::engine`]) and calls `_start` with
//! `python -c CODE` as for a fresh interpreter: `runner-run` re-reads this run's preopens and
//! environment, calls the init source's `enter`, and runs the code.

use std::path::Path;

use wasmtime::{Config as WasmConfig, Engine, Instance, Linker, Module, OptLevel, Store, Val};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};
use wasmtime_wizer::{InstanceState, SnapshotVal, ValType, Wizer};

use crate::guest;
use crate::{Error, Result};

/// Python run once at snapshot time; defines the `enter`/`leave` hooks each run calls.
pub const INIT_SOURCE: &str = include_str!("../guest/snapshot_init.py");

/// python.wasm's initialisation export (runner-entry.c).
const INIT_EXPORT: &str = "wizer-initialize";
/// python.wasm's per-run export, which becomes the snapshot's `_start`.
const RUN_EXPORT: &str = "runner-run";

/// Most bytes of the initialisation's stdout/stderr kept for an error message.
const INIT_OUTPUT_BYTES: usize = 64 * 1024;

/// The environment variable that tells [`INIT_SOURCE`] where the packages are.
const PACKAGES_ENV: &str = "RUNNER_PACKAGES";
/// The environment variable that tells [`INIT_SOURCE`] what to pre-import (space-separated).
const PREIMPORT_ENV: &str = "RUNNER_PREIMPORT";

/// What a snapshot is made of besides python.wasm.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    /// The stdlib folder, preopened read-only at [`guest::LIB_DIR`].
    pub lib: &'a Path,
    /// The compiled packages folder, preopened read-only at [`guest::PACKAGES_DIR`].
    pub packages: Option<&'a Path>,
    /// Modules imported into the snapshot, in order.
    pub preimport: &'a [String],
}

/// Builds the snapshot of `python_wasm` with `inputs` preopened as every run sees them.
pub fn build(python_wasm: &[u8], inputs: Inputs<'_>) -> Result<Vec<u8>> {
    block_on(build_async(python_wasm, inputs))
}

/// Byte-compiles every module under `dir` for the guest's CPython (unchecked-hash `.pyc`, as
/// the stdlib's), running python.wasm's `compileall` with `dir` writable at
/// [`guest::PACKAGES_DIR`]. Files that do not compile are left as source (Python compiles them
/// when imported, and reports their errors then).
pub fn compile_packages(python_wasm: &[u8], lib: &Path, dir: &Path) -> Result<()> {
    block_on(async {
        let engine = quick_engine()?;
        let module = Module::new(&engine, python_wasm).map_err(Error::wasm(
            "compiling python.wasm to byte-compile packages",
        ))?;
        let output = MemoryOutputPipe::new(INIT_OUTPUT_BYTES);
        let args = [
            "python",
            "-E",
            "-m",
            "compileall",
            "-q",
            "--invalidation-mode",
            "unchecked-hash",
            guest::PACKAGES_DIR,
        ];
        let wasi = WasiCtxBuilder::new()
            .args(&args)
            .stdout(output.clone())
            .stderr(output.clone())
            .allow_blocking_current_thread(true)
            .preopened_dir(lib, guest::LIB_DIR, FsPerms::ReadOnly)
            .and_then(|b| b.preopened_dir(dir, guest::PACKAGES_DIR, FsPerms::ReadWrite))
            .map_err(Error::wasm("preopening the packages to byte-compile"))?
            .build_p1();
        let mut store = Store::new(&engine, wasi);
        let linker = wasi_linker(&engine)?;
        let instance = linker
            .instantiate_async(&mut store, &module)
            .await
            .map_err(Error::wasm(
                "instantiating python.wasm to byte-compile packages",
            ))?;
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .map_err(Error::wasm("python.wasm has no _start"))?;
        let status = match start.call_async(&mut store, ()).await {
            Ok(()) => 0,
            Err(err) => match err.downcast_ref::<I32Exit>() {
                Some(I32Exit(code)) => *code,
                None => return Err(Error::Snapshot(format!("byte-compiling packages: {err:#}"))),
            },
        };
        if status != 0 {
            let said = String::from_utf8_lossy(&output.contents()).into_owned();
            tracing::warn!(
                status,
                output = said.trim(),
                "some package modules did not byte-compile; they compile when imported"
            );
        }
        Ok(())
    })
}

fn block_on<T>(future: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| Error::io("a runtime for the snapshot", e))?;
    runtime.block_on(future)
}

/// An engine for code that runs once: compiled for speed of compilation, not of execution.
fn quick_engine() -> Result<Engine> {
    let mut config = WasmConfig::new();
    config.cranelift_opt_level(OptLevel::None);
    Engine::new(&config).map_err(Error::wasm("creating the snapshot engine"))
}

fn wasi_linker(engine: &Engine) -> Result<Linker<WasiP1Ctx>> {
    let mut linker = Linker::<WasiP1Ctx>::new(engine);
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |wasi| wasi)
        .map_err(Error::wasm("linking WASI"))?;
    Ok(linker)
}

async fn build_async(python_wasm: &[u8], inputs: Inputs<'_>) -> Result<Vec<u8>> {
    let mut wizer = Wizer::new();
    wizer
        .init_func(INIT_EXPORT)
        .func_rename("_start", RUN_EXPORT);
    let (context, instrumented) = wizer
        .instrument(python_wasm)
        .map_err(Error::wasm("preparing python.wasm for the snapshot"))?;

    let engine = quick_engine()?;
    let module = Module::new(&engine, &instrumented)
        .map_err(Error::wasm("compiling python.wasm for the snapshot"))?;
    let linker = wasi_linker(&engine)?;

    let output = MemoryOutputPipe::new(INIT_OUTPUT_BYTES);
    let mut wasi = WasiCtxBuilder::new();
    wasi.args(&["python", "-c", INIT_SOURCE])
        .env(PREIMPORT_ENV, inputs.preimport.join(" "))
        .stdout(output.clone())
        .stderr(output.clone())
        .allow_blocking_current_thread(true)
        .preopened_dir(inputs.lib, guest::LIB_DIR, FsPerms::ReadOnly)
        .map_err(Error::wasm("preopening the stdlib"))?;
    if let Some(packages) = inputs.packages {
        wasi.env(PACKAGES_ENV, guest::PACKAGES_DIR)
            .preopened_dir(packages, guest::PACKAGES_DIR, FsPerms::ReadOnly)
            .map_err(Error::wasm("preopening the packages"))?;
    }
    let wasi = wasi.build_p1();
    let mut store = Store::new(&engine, wasi);
    let instance = linker
        .instantiate_async(&mut store, &module)
        .await
        .map_err(Error::wasm("instantiating python.wasm for the snapshot"))?;
    let init = instance
        .get_typed_func::<(), ()>(&mut store, INIT_EXPORT)
        .map_err(Error::wasm(
            "python.wasm has no snapshot entry point (rebuild it with python-wasi/build.sh)",
        ))?;
    if let Err(err) = init.call_async(&mut store, ()).await {
        let status = match err.downcast_ref::<I32Exit>() {
            Some(I32Exit(code)) => format!("exit status {code}"),
            None => format!("{err:#}"),
        };
        let said = String::from_utf8_lossy(&output.contents()).into_owned();
        return Err(Error::Snapshot(format!("{status}: {}", said.trim())));
    }

    let mut state = SnapshotSource { store, instance };
    wizer
        .snapshot(&context, &mut state)
        .await
        .map_err(Error::wasm("writing the snapshot"))
}

/// Lets wasmtime-wizer read the initialised instance's globals and memory.
struct SnapshotSource {
    store: Store<WasiP1Ctx>,
    instance: Instance,
}

impl InstanceState for SnapshotSource {
    async fn global_get(&mut self, name: &str, _type_hint: ValType) -> SnapshotVal {
        // wizer only asks for the globals its instrumentation exported.
        let global = self
            .instance
            .get_global(&mut self.store, name)
            .expect("wizer asks only for globals it exported");
        match global.get(&mut self.store) {
            Val::I32(x) => SnapshotVal::I32(x),
            Val::I64(x) => SnapshotVal::I64(x),
            Val::F32(x) => SnapshotVal::F32(x),
            Val::F64(x) => SnapshotVal::F64(x),
            Val::V128(x) => SnapshotVal::V128(x.as_u128()),
            other => panic!("python.wasm has a mutable global of unsupported type {other:?}"),
        }
    }

    async fn memory_contents(&mut self, name: &str, contents: impl FnOnce(&[u8]) + Send) {
        let memory = self
            .instance
            .get_memory(&mut self.store, name)
            .expect("wizer asks only for memories it exported");
        contents(memory.data(&self.store))
    }
}

/// Bytes of linear memory a snapshot starts with: the floor under every run's memory limit.
pub fn initial_memory_bytes(module: &Module) -> Option<u64> {
    module.exports().find_map(|export| {
        let memory = export.ty().memory()?.clone();
        Some(memory.minimum() * memory.page_size())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_source_starts_runs_in_the_work_dir_and_defines_both_hooks() {
        assert!(INIT_SOURCE.contains(&format!("WORK_DIR = \"{}\"", guest::WORK_DIR)));
        for name in [PACKAGES_ENV, PREIMPORT_ENV] {
            assert!(INIT_SOURCE.contains(&format!("\"{name}\"")), "{name}");
        }
        assert!(INIT_SOURCE.contains("\ndef enter(argv, environ):"));
        assert!(INIT_SOURCE.contains("\ndef leave():"));
    }
}
