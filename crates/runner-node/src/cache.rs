//! The compiled interpreter snapshot on disk: a `--precompiled` file (written by
//! `runner-node precompile`, e.g. into an image) and the module cache, tried in that order
//! before snapshotting and compiling afresh (several seconds).
//!
//! Every artefact `FILE` has a `FILE.meta` beside it naming its key and its SHA-256. The key is a
//! digest of everything the artefact is made from ([`key`]: the parts the caller names, which
//! [`crate::engine`] makes python.wasm, BUILD-INFO, the init source, the packages' digest, the
//! pre-imports and the compile settings wasmtime's hash leaves out; then runner-node's version and
//! the engine's compatibility hash: wasmtime version, target CPU features, settings). An artefact
//! whose key differs (stale), whose bytes do not match their digest (corrupt, truncated) or that
//! wasmtime refuses (built for another CPU) is reported and replaced, never run.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::{Digest, Sha256};
use wasmtime::{Engine, Module};

use crate::{Error, Result};

/// What `runner-node precompile` wrote.
#[derive(Debug)]
pub struct Precompiled {
    /// The artefact's key (see the module docs).
    pub key: String,
    /// Size of the artefact in bytes.
    pub bytes: usize,
}

/// Logged before the interpreter is snapshotted and compiled, which a first start (or a new
/// build, or new packages) waits for.
pub const SNAPSHOT_STARTING: &str = "no compiled interpreter for this build yet: snapshotting and \
     compiling it now (on 2 cores about 6 s for the standard runtime, 25 s for the scientific \
     one, more with large packages); later starts load it from the module cache";

/// Where compiled artefacts may already be: a `--precompiled` file, then the module cache.
#[derive(Clone, Copy, Debug)]
pub struct Places<'a> {
    /// The `--precompiled` file, if any.
    pub precompiled: Option<&'a Path>,
    /// The module cache folder, unless disabled.
    pub cache_dir: Option<&'a Path>,
}

/// The compiled snapshot under `key`: from `places`, or made now by `build` (which returns a
/// compiled artefact of `engine`) and then cached.
pub fn load(
    engine: &Engine,
    key: &str,
    places: Places<'_>,
    build: impl FnOnce() -> Result<Vec<u8>>,
) -> Result<Module> {
    if let Some(path) = places.precompiled {
        match load_artefact(engine, path, key) {
            Ok(module) => return Ok(module),
            Err(err) => tracing::warn!(path = %path.display(), error = %err,
                "precompiled interpreter unusable, falling back to the module cache"),
        }
    }
    let cached = places
        .cache_dir
        .map(|dir| dir.join(format!("python-{key}.cwasm")));
    // Held while building: processes starting together (a test run, a scaled-up node) build
    // the snapshot once and the others load it.
    let mut _build_lock = None;
    if let Some(path) = &cached {
        if let Some(module) = load_cached(engine, path, key) {
            return Ok(module);
        }
        _build_lock = lock_beside(path);
        if let Some(module) = load_cached(engine, path, key) {
            return Ok(module);
        }
    }
    // The one slow step of a first start: say what happens before it, not only after.
    tracing::info!(cache = ?cached, "{SNAPSHOT_STARTING}");
    let started = Instant::now();
    let artefact = build()?;
    tracing::info!(elapsed = ?started.elapsed(), bytes = artefact.len(),
        "snapshotted and compiled the interpreter");
    if let Some(path) = &cached
        && let Err(err) = store(path, &artefact, key)
    {
        tracing::warn!(path = %path.display(), error = %err, "cannot cache the compiled interpreter");
    }
    // SAFETY: `artefact` was produced by `Engine::precompile_module` on this very engine just now.
    #[allow(unsafe_code)]
    let module = unsafe { Module::deserialize(engine, &artefact) };
    module.map_err(Error::wasm("loading the compiled interpreter"))
}

/// Writes `artefact` under `key` to `output` (`runner-node precompile`).
pub fn write(output: &Path, artefact: &[u8], key: &str) -> Result<Precompiled> {
    store(output, artefact, key).map_err(|e| Error::io(output, e))?;
    Ok(Precompiled {
        key: key.to_string(),
        bytes: artefact.len(),
    })
}

/// The cached artefact at `path`, if it exists and is sound (a bad one is reported).
fn load_cached(engine: &Engine, path: &Path, key: &str) -> Option<Module> {
    if !path.exists() {
        return None;
    }
    load_artefact(engine, path, key)
        .inspect_err(|err| {
            tracing::warn!(path = %path.display(), error = %err,
                "cached interpreter unusable, rebuilding it");
        })
        .ok()
}

/// An exclusive lock on `PATH.lock`, waited for; `None` (building without it) if the cache
/// folder cannot hold one.
fn lock_beside(path: &Path) -> Option<std::fs::File> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let locked = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::File::create(&name))
        .and_then(|file| file.lock().map(|()| file));
    locked
        .inspect_err(
            |err| tracing::warn!(path = ?name, error = %err, "cannot lock the module cache"),
        )
        .ok()
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// The key of an artefact made from `parts` (see the module docs) for `engine`, in hex: the
/// parts, runner-node's version and the engine's compatibility hash.
pub fn key(engine: &Engine, parts: &[&[u8]]) -> String {
    let mut digest = DigestHasher(Sha256::new());
    for part in parts {
        // Length-prefixed, so no two different lists of parts digest alike.
        digest.0.update((part.len() as u64).to_le_bytes());
        digest.0.update(part);
    }
    digest.0.update(env!("CARGO_PKG_VERSION"));
    engine.precompile_compatibility_hash().hash(&mut digest);
    hex(&digest.0.finalize()[..16])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

// === artefact files ===

/// The `FILE.meta` beside an artefact `FILE`.
fn meta_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".meta");
    PathBuf::from(name)
}

fn meta_text(key: &str, artefact: &[u8]) -> String {
    format!("key={key}\nsha256={}\n", hex(&Sha256::digest(artefact)))
}

/// Loads the artefact at `path` if its meta names `key` and its bytes match their digest.
fn load_artefact(engine: &Engine, path: &Path, key: &str) -> Result<Module> {
    let meta_path = meta_path(path);
    let meta = std::fs::read_to_string(&meta_path).map_err(|e| Error::io(&meta_path, e))?;
    let unusable = |why: String| Error::Snapshot(format!("{}: {why}", path.display()));
    let found_key = meta
        .lines()
        .find_map(|l| l.strip_prefix("key="))
        .unwrap_or("");
    if found_key != key {
        return Err(unusable(format!(
            "made for another interpreter, runner-node or engine (key {found_key:?}, this \
             server needs {key:?})"
        )));
    }
    let bytes = read(path)?;
    if meta != meta_text(key, &bytes) {
        return Err(unusable(
            "contents do not match the digest in its .meta".into(),
        ));
    }
    // SAFETY: the file's bytes are the ones `precompile_module` wrote under this key (checked
    // just above); wasmtime checks its header and that this engine and CPU can run it.
    #[allow(unsafe_code)]
    let module = unsafe { Module::deserialize_file(engine, path) };
    module.map_err(Error::wasm("loading the compiled interpreter"))
}

/// Writes `artefact` and its meta to `path`, each atomically (write aside, then rename).
fn store(path: &Path, artefact: &[u8], key: &str) -> std::io::Result<()> {
    // Meta first: a reader that sees the new meta with the old artefact finds a digest mismatch
    // and rebuilds, never runs a mismatched pair.
    store_atomically(&meta_path(path), meta_text(key, artefact).as_bytes())?;
    store_atomically(path, artefact)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_names_key_and_digest() {
        let meta = meta_text("k1", b"abc");
        assert_eq!(
            meta,
            "key=k1\nsha256=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
        );
        assert_ne!(meta, meta_text("k1", b"abd"));
    }

    #[test]
    fn stored_artefact_round_trips_and_corruption_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.cwasm");
        store(&path, b"not really wasm", "k").unwrap();
        let meta = std::fs::read_to_string(meta_path(&path)).unwrap();
        assert_eq!(meta, meta_text("k", b"not really wasm"));

        let engine = Engine::default();
        let stale = load_artefact(&engine, &path, "other")
            .unwrap_err()
            .to_string();
        assert!(stale.contains("another interpreter"), "{stale}");
        std::fs::write(&path, b"not really wasm, truncated").unwrap();
        let corrupt = load_artefact(&engine, &path, "k").unwrap_err().to_string();
        assert!(corrupt.contains("do not match"), "{corrupt}");
    }
}
