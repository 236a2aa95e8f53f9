//! What is built once per process: the wasmtime [`Engine`] (pooling allocator, copy-on-write
//! memory images), the compiled interpreter snapshot (see [`crate::snapshot`], loaded from disk
//! by [`crate::cache`] when possible), the WASI [`Linker`] and the resulting [`InstancePre`],
//! plus the epoch ticker that drives wall-time limits.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::{
    Config as WasmConfig, Enabled, Engine, InstanceAllocationStrategy, InstancePre, Linker,
    OptLevel, PoolingAllocationConfig,
};

use crate::config::Config;
use crate::sandbox::HostState;
use crate::{Error, Result, cache, snapshot};

/// How often the epoch advances. A run overshoots its wall-time limit by at most about one
/// tick, and a busy guest yields to other tasks once per tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Native stack reserved for a run beyond its WebAssembly stack, for host calls made from it.
const HOST_STACK_HEADROOM: usize = 1024 * 1024;

/// Largest linear memory a pooled slot can hold: the whole wasm32 address space, so the store
/// limiter (the run's `memory_mb`) is the only memory bound a run meets.
const POOL_MAX_MEMORY_BYTES: usize = 1 << 32;

/// Largest initial memory always turned into one copy-on-write image. wasmtime's default
/// (16 MiB) is below the snapshot's heap (about 20 MiB), past which it falls back to copying
/// the data into every instance: several milliseconds per run.
const DENSE_IMAGE_BYTES: u64 = 256 << 20;

/// Compile-time settings that wasmtime's compatibility hash does not cover (it ignores the dense
/// image size): part of every compiled artefact's key, so changing one recompiles.
pub const COMPILE_SETTINGS: &str = "dense-image-bytes=268435456";
const _: () = assert!(DENSE_IMAGE_BYTES == 268_435_456, "update COMPILE_SETTINGS");

/// Bytes at the bottom of a slot's linear memory that stay mapped between runs, their dirty
/// pages copied back from the snapshot instead of dropped (`madvise`). A dropped page comes
/// back copy-on-write at the next run's first write, and every such fault flushes the TLB of
/// each CPU the process runs on: an interrupt per CPU per page, the dominant cost of a run
/// under concurrency. Covers the snapshot's heap (about 20 MiB) and room above it.
const KEEP_RESIDENT_BYTES: usize = 32 << 20;

/// Function-table entries a pooled slot can hold (CPython's table has about 6,000).
const POOL_TABLE_ELEMENTS: usize = 20_000;

/// The loaded interpreter, shared by every run of the process.
pub struct Runtime {
    pub(crate) engine: Engine,
    pub(crate) pre: InstancePre<HostState>,
    /// The host folder preopened read-only as the guest's `/usr/local/lib`.
    pub(crate) python_lib: PathBuf,
    /// The host folder under which each run's `/work` is made.
    pub(crate) work_root: PathBuf,
    /// Linear memory every run starts with (the snapshot's heap): no `memory_mb` below it can
    /// run.
    pub snapshot_memory_bytes: u64,
}

impl Runtime {
    /// Loads (or snapshots and compiles) the interpreter and prepares it for instantiation,
    /// with instance slots for `slots` concurrent runs.
    pub fn load(config: &Config, slots: u32) -> Result<Arc<Self>> {
        let engine =
            Engine::new(&engine_config(config, slots)).map_err(Error::wasm("creating engine"))?;
        let module = cache::load(&engine, config)?;
        let snapshot_memory_bytes = snapshot::initial_memory_bytes(&module).ok_or_else(|| {
            Error::Snapshot("the compiled interpreter exports no linear memory".into())
        })?;

        let mut linker = Linker::<HostState>::new(&engine);
        wasmtime_wasi::p1::add_to_linker_async(&mut linker, |state: &mut HostState| {
            &mut state.wasi
        })
        .map_err(Error::wasm("linking WASI"))?;
        let pre = linker
            .instantiate_pre(&module)
            .map_err(Error::wasm("resolving the interpreter's imports"))?;

        spawn_epoch_ticker(&engine);
        Ok(Arc::new(Runtime {
            engine,
            pre,
            python_lib: config.python_lib(),
            work_root: config.work_root(),
            snapshot_memory_bytes,
        }))
    }
}

/// The engine every compiled artefact is made for and every run executes on.
///
/// Code is generated for a baseline CPU of the host's architecture (on x86-64, the x86-64-v2
/// level every server CPU of the last fifteen years has), not the build machine's own features:
/// an artefact compiled on one node, or into an image, then loads on any other.
pub fn engine_config(config: &Config, slots: u32) -> WasmConfig {
    let stack = config.wasm_stack_kb * 1024;
    let mut pool = PoolingAllocationConfig::new();
    pool.total_core_instances(slots)
        .total_memories(slots)
        .total_tables(slots)
        .total_stacks(slots)
        .max_memory_size(POOL_MAX_MEMORY_BYTES)
        .table_elements(POOL_TABLE_ELEMENTS)
        .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
        // Linux 6.7+: reset only the pages a run dirtied (found with the PAGEMAP_SCAN ioctl);
        // elsewhere the kept region is reset whole with memset.
        .pagemap_scan(Enabled::Auto);
    let mut wasm = WasmConfig::new();
    wasm.epoch_interruption(true)
        .cranelift_opt_level(OptLevel::Speed)
        // wasmtime refuses a wasm stack larger than the async (fiber) stack: raise both.
        .max_wasm_stack(stack)
        .async_stack_size(stack + HOST_STACK_HEADROOM)
        // Each instance maps the snapshot's memory copy-on-write from the compiled artefact:
        // instantiation copies nothing, and an idle slot holds no memory.
        .memory_init_cow(true)
        .memory_guaranteed_dense_image_size(DENSE_IMAGE_BYTES)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    baseline_cpu(&mut wasm);
    wasm
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn baseline_cpu(wasm: &mut WasmConfig) {
    // Naming the target turns off host feature detection; then enable x86-64-v2.
    wasm.target("x86_64-unknown-linux-gnu")
        .expect("wasmtime supports x86_64-unknown-linux-gnu");
    for feature in [
        "has_sse3",
        "has_ssse3",
        "has_sse41",
        "has_sse42",
        "has_popcnt",
    ] {
        // SAFETY: every x86-64-v2 CPU has these features; wasmtime checks an artefact's
        // features against the host's before running it and refuses one it cannot run.
        #[allow(unsafe_code)]
        unsafe {
            wasm.cranelift_flag_enable(feature);
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn baseline_cpu(_wasm: &mut WasmConfig) {
    // Elsewhere the host's detected features are used: artefacts are per host model.
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until the engine is dropped.
fn spawn_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    let spawned = std::thread::Builder::new()
        .name("epoch-ticker".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        });
    if let Err(err) = spawned {
        // Without a ticker no run could ever time out: refuse to go on.
        panic!("cannot start the epoch ticker thread: {err}");
    }
}
