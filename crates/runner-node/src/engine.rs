//! What is built once per process: the wasmtime [`Engine`], the compiled CPython module (loaded
//! from an on-disk cache when possible), the WASI [`Linker`] and the resulting [`InstancePre`],
//! plus the epoch ticker that drives wall-time limits.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wasmtime::{Config as WasmConfig, Engine, InstancePre, Linker, Module, OptLevel};

use crate::config::Config;
use crate::sandbox::{GUEST_LIB_DIR, HostState};
use crate::{Error, Result};

/// How often the epoch advances. A run overshoots its wall-time limit by at most about one
/// tick, and a busy guest yields to other tasks once per tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Native stack reserved for a run beyond its WebAssembly stack, for host calls made from it.
const HOST_STACK_HEADROOM: usize = 1024 * 1024;

/// The loaded interpreter, shared by every run of the process.
pub struct Runtime {
    pub(crate) engine: Engine,
    pub(crate) pre: InstancePre<HostState>,
    /// The host folder preopened read-only as the guest's `/usr/local/lib`.
    pub(crate) python_lib: PathBuf,
    /// runner-node's own guest files (`sitecustomize.py`), preopened read-only at the guest path
    /// of the interpreter's `site-packages`, which is on `sys.path`.
    pub(crate) site_packages: (tempfile::TempDir, String),
}

impl Runtime {
    /// Compiles (or loads from cache) the interpreter and prepares it for instantiation.
    pub fn load(config: &Config) -> Result<Arc<Self>> {
        let engine = Engine::new(&engine_config(config)).map_err(Error::wasm("creating engine"))?;
        let module = load_module(&engine, &config.python_wasm(), config.module_cache_dir())?;

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
            site_packages: (write_site_packages()?, guest_site_packages(config)?),
        }))
    }
}

/// Writes the files runner-node adds to the guest's `site-packages` into a private folder.
fn write_site_packages() -> Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("runner-site-")
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let path = dir.path().join("sitecustomize.py");
    std::fs::write(&path, SITECUSTOMIZE).map_err(|e| Error::io(&path, e))?;
    Ok(dir)
}

/// The guest path of `site-packages` for the stdlib folder found under `lib/` (`python3.X`).
fn guest_site_packages(config: &Config) -> Result<String> {
    let lib = config.python_lib();
    let entries = std::fs::read_dir(&lib).map_err(|e| Error::io(&lib, e))?;
    let version = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .find(|name| name.starts_with("python3."))
        .ok_or_else(|| Error::Config(format!("{} holds no python3.X folder", lib.display())))?;
    Ok(format!("{GUEST_LIB_DIR}/{version}/site-packages"))
}

/// Starts every program in `/work`.
const SITECUSTOMIZE: &str = include_str!("../guest/sitecustomize.py");

fn engine_config(config: &Config) -> WasmConfig {
    let stack = config.wasm_stack_kb * 1024;
    let mut wasm = WasmConfig::new();
    wasm.epoch_interruption(true)
        .cranelift_opt_level(OptLevel::Speed)
        // wasmtime refuses a wasm stack larger than the async (fiber) stack: raise both.
        .max_wasm_stack(stack)
        .async_stack_size(stack + HOST_STACK_HEADROOM);
    wasm
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

// === module cache ===

/// Loads the compiled interpreter from `cache_dir`, or compiles it and stores the result.
///
/// The cache file name is a digest of the wasm bytes, the wasmtime version and the engine's
/// compatibility hash (target, tunables, enabled features), so any change in either yields a
/// different file. An entry that fails to load is recompiled and replaced, never trusted.
fn load_module(engine: &Engine, wasm_path: &Path, cache_dir: Option<PathBuf>) -> Result<Module> {
    let wasm = std::fs::read(wasm_path).map_err(|e| Error::io(wasm_path, e))?;
    let Some(cache_dir) = cache_dir else {
        return compile(engine, &wasm);
    };
    let cached = cache_dir.join(format!("python-{}.cwasm", cache_key(engine, &wasm)));
    if cached.is_file() {
        match deserialize(engine, &cached) {
            Ok(module) => return Ok(module),
            Err(err) => tracing::warn!(
                path = %cached.display(),
                error = %err,
                "cached module unusable, recompiling"
            ),
        }
    }
    let started = Instant::now();
    let artefact = engine
        .precompile_module(&wasm)
        .map_err(Error::wasm("compiling python.wasm"))?;
    tracing::info!(elapsed = ?started.elapsed(), "compiled python.wasm");
    if let Err(err) = store_atomically(&cached, &artefact) {
        tracing::warn!(path = %cached.display(), error = %err, "cannot cache compiled module");
    }
    deserialize_bytes(engine, &artefact)
}

fn compile(engine: &Engine, wasm: &[u8]) -> Result<Module> {
    Module::new(engine, wasm).map_err(Error::wasm("compiling python.wasm"))
}

fn cache_key(engine: &Engine, wasm: &[u8]) -> String {
    let mut digest = DigestHasher(Sha256::new());
    digest.0.update(wasm);
    digest.0.update(env!("CARGO_PKG_VERSION"));
    engine.precompile_compatibility_hash().hash(&mut digest);
    let bytes = digest.0.finalize();
    bytes[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Feeds `Hash` implementations into a SHA-256 digest, which unlike `DefaultHasher` is stable
/// across Rust releases.
struct DigestHasher(Sha256);

impl Hasher for DigestHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        unreachable!("only the full digest is read")
    }
}

fn store_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".tmp-{}-{:?}", std::process::id(), Instant::now()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn deserialize(engine: &Engine, path: &Path) -> Result<Module> {
    // SAFETY: the file was written by `Engine::precompile_module` of a wasmtime with the same
    // version and configuration (both are in its name) into a cache only this program writes;
    // wasmtime verifies the header and compatibility before using it.
    #[allow(unsafe_code)]
    let module = unsafe { Module::deserialize_file(engine, path) };
    module.map_err(Error::wasm("loading cached module"))
}

fn deserialize_bytes(engine: &Engine, bytes: &[u8]) -> Result<Module> {
    // SAFETY: `bytes` was produced by `Engine::precompile_module` on this very engine just now.
    #[allow(unsafe_code)]
    let module = unsafe { Module::deserialize(engine, bytes) };
    module.map_err(Error::wasm("loading compiled module"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_key_changes_with_the_module() {
        let engine = Engine::default();
        assert_ne!(cache_key(&engine, b"a"), cache_key(&engine, b"b"));
        assert_eq!(cache_key(&engine, b"a"), cache_key(&engine, b"a"));
    }
}
