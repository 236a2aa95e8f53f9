//! What is built once per process: the wasmtime [`Engine`] (pooling allocator, copy-on-write
//! memory images), the compiled interpreter snapshot (see [`crate::snapshot`], loaded from disk
//! by [`crate::cache`] when possible), the WASI [`Linker`] and the resulting [`InstancePre`],
//! plus the epoch ticker that drives wall-time limits. [`Interpreter`] holds them with the
//! runtime they were made from and the folders every run is shown.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::{
    Config as WasmConfig, Enabled, Engine, InstanceAllocationStrategy, InstancePre, Linker, Module,
    OptLevel, PoolingAllocationConfig,
};

use crate::config::Config;
use crate::guest::HostState;
use crate::packages::{self, Distribution};
use crate::runtime::Build;
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
const COMPILE_SETTINGS: &str = "dense-image-bytes=268435456";
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
pub struct Interpreter {
    pub(crate) engine: Engine,
    pub(crate) pre: InstancePre<HostState>,
    /// The interpreter build it was made from.
    pub build: Build,
    /// The runner's own packages, when it has any.
    pub packages: Option<Packages>,
    /// Every module imported into the snapshot: the runtime's, then the runner's.
    pub preimport: Vec<String>,
    /// The host folder under which each run's `/work` is made.
    pub(crate) work_root: PathBuf,
    /// Linear memory every run starts with (the snapshot's heap): no `memory_mb` below it can
    /// run.
    pub snapshot_memory_bytes: u64,
}

/// The runner's packages as runs see them.
#[derive(Debug)]
pub struct Packages {
    /// The compiled copy preopened read-only at `/packages`.
    pub prepared: packages::Prepared,
    /// What it holds.
    pub distributions: Vec<Distribution>,
}

impl Interpreter {
    /// Loads (or snapshots and compiles) the interpreter of `config` and prepares it for
    /// instantiation, with instance slots for `slots` concurrent runs.
    pub fn load(config: &Config, slots: u32) -> Result<Arc<Self>> {
        let engine =
            Engine::new(&engine_config(config, slots)).map_err(Error::wasm("creating engine"))?;
        let made = make(&engine, config, Artefact::Cached)?;
        let snapshot_memory_bytes =
            snapshot::initial_memory_bytes(&made.module).ok_or_else(|| {
                Error::Snapshot("the compiled interpreter exports no linear memory".into())
            })?;

        let mut linker = Linker::<HostState>::new(&engine);
        wasmtime_wasi::p1::add_to_linker_async(&mut linker, |state: &mut HostState| {
            &mut state.wasi
        })
        .map_err(Error::wasm("linking WASI"))?;
        let pre = linker
            .instantiate_pre(&made.module)
            .map_err(Error::wasm("resolving the interpreter's imports"))?;

        spawn_epoch_ticker(&engine);
        Ok(Arc::new(Interpreter {
            engine,
            pre,
            build: made.build,
            packages: made.packages,
            preimport: made.preimport,
            work_root: config.work_root(),
            snapshot_memory_bytes,
        }))
    }

    /// The host folder preopened read-only as the guest's `/usr/local/lib`.
    pub(crate) fn lib(&self) -> PathBuf {
        self.build.lib()
    }

    /// The compiled packages folder preopened at `/packages`, if any.
    pub(crate) fn packages_dir(&self) -> Option<&Path> {
        self.packages.as_ref().map(|p| p.prepared.dir.as_path())
    }
}

/// Snapshots and compiles the interpreter of `config` into `output` (`runner-node precompile`).
pub fn precompile(config: &Config, slots: u32, output: &Path) -> Result<cache::Precompiled> {
    let engine =
        Engine::new(&engine_config(config, slots)).map_err(Error::wasm("creating engine"))?;
    let made = make(&engine, config, Artefact::Fresh(output))?;
    Ok(made.written.expect("a fresh artefact is written"))
}

/// Where [`make`] gets the compiled snapshot.
enum Artefact<'a> {
    /// From `--precompiled`, the module cache, or built and cached.
    Cached,
    /// Built now and written to this file.
    Fresh(&'a Path),
}

/// What [`make`] made.
struct Made {
    build: Build,
    packages: Option<Packages>,
    preimport: Vec<String>,
    module: Module,
    written: Option<cache::Precompiled>,
}

/// The interpreter build, packages and compiled snapshot `config` names.
fn make(engine: &Engine, config: &Config, artefact: Artefact<'_>) -> Result<Made> {
    let build = Build::open(&config.python_dir)?;
    let wasm = std::fs::read(build.python_wasm()).map_err(|e| Error::io(build.python_wasm(), e))?;
    let mut preimport = build.preimport.clone();
    preimport.extend(config.preimport.iter().cloned());
    let source = config
        .site_packages
        .as_deref()
        .map(packages::Source::scan)
        .transpose()?;
    let packages = match &source {
        None => None,
        Some(source) => {
            let lib = build.lib();
            let prepared = packages::prepare(
                source,
                config.module_cache_dir().as_deref(),
                &config.work_root(),
                |dir| snapshot::compile_packages(&wasm, &lib, dir),
            )?;
            Some(Packages {
                prepared,
                distributions: source.distributions.clone(),
            })
        }
    };
    let digest = source
        .as_ref()
        .map(|s| s.digest.as_str())
        .unwrap_or_default();
    let key = cache::key(
        engine,
        &[
            &wasm,
            build.build_info.as_bytes(),
            snapshot::INIT_SOURCE.as_bytes(),
            digest.as_bytes(),
            preimport.join(" ").as_bytes(),
            COMPILE_SETTINGS.as_bytes(),
        ],
    );
    let lib = build.lib();
    let snapshot_and_compile = || -> Result<Vec<u8>> {
        let inputs = snapshot::Inputs {
            lib: &lib,
            packages: packages.as_ref().map(|p| p.prepared.dir.as_path()),
            preimport: &preimport,
        };
        let snapshot = snapshot::build(&wasm, inputs)?;
        engine
            .precompile_module(&snapshot)
            .map_err(Error::wasm("compiling the interpreter snapshot"))
    };
    let (module, written) = match artefact {
        Artefact::Cached => {
            let cache_dir = config.module_cache_dir();
            let places = cache::Places {
                precompiled: config.precompiled.as_deref(),
                cache_dir: cache_dir.as_deref(),
            };
            (
                cache::load(engine, &key, places, snapshot_and_compile)?,
                None,
            )
        }
        Artefact::Fresh(output) => {
            let artefact = snapshot_and_compile()?;
            let written = cache::write(output, &artefact, &key)?;
            // SAFETY: `artefact` was produced by `Engine::precompile_module` on this engine.
            #[allow(unsafe_code)]
            let module = unsafe { Module::deserialize(engine, &artefact) };
            let module = module.map_err(Error::wasm("loading the compiled interpreter"))?;
            (module, Some(written))
        }
    };
    Ok(Made {
        build,
        packages,
        preimport,
        module,
        written,
    })
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
