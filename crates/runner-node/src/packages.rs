//! A runner's own pure-Python packages (`--site-packages DIR`): checked at start (no native
//! code can run in the guest), fingerprinted by content (part of the snapshot's key), copied
//! into the module cache and byte-compiled there by the guest interpreter itself, then shown to
//! every run read-only at [`guest::PACKAGES_DIR`](crate::guest::PACKAGES_DIR).
//!
//! The copy is what runs see, not `DIR`: its `.pyc` files are compiled once for the guest's
//! CPython (a host's pip compiles for the host's Python, whose `.pyc` the guest ignores), with
//! unchecked hashes, so no run recompiles a module it imports. Editing `DIR` changes the digest,
//! and the next start compiles a new copy and a new snapshot.
//!
//! Over 400 lines with its unit tests; the code itself is under 300.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::{Error, Result};

/// File name endings of native code, which a WebAssembly guest cannot load.
const NATIVE_SUFFIXES: [&str; 5] = [".so", ".pyd", ".dylib", ".dll", ".wasm"];

/// An installed distribution, as its `*.dist-info` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Distribution {
    /// Its name (`python-dateutil`).
    pub name: String,
    /// Its version.
    pub version: String,
    /// The top-level modules and packages it installs (`dateutil`).
    pub modules: Vec<String>,
}

/// The distributions installed in `dir` (a `site-packages`), sorted by name.
pub fn distributions(dir: &Path) -> Result<Vec<Distribution>> {
    let mut found = Vec::new();
    for info in dist_infos(dir)? {
        let metadata = read_to_string(&info.join("METADATA"))?;
        let header = |name: &str| {
            metadata
                .lines()
                .take_while(|line| !line.is_empty())
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
                .map(|v| v.trim().to_string())
        };
        let (Some(name), Some(version)) = (header("Name"), header("Version")) else {
            return Err(Error::Config(format!(
                "{}: METADATA has no Name or Version",
                info.display()
            )));
        };
        let modules = top_level_modules(&info, &name)?;
        found.push(Distribution {
            name,
            version,
            modules,
        });
    }
    found.sort_by_key(|a| a.name.to_lowercase());
    Ok(found)
}

/// The `*.dist-info` folders directly in `dir`, sorted.
fn dist_infos(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut infos = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.extension().is_some_and(|e| e == "dist-info") && path.is_dir() {
            infos.push(path);
        }
    }
    infos.sort();
    Ok(infos)
}

/// What a distribution installs at the top level: `top_level.txt` when present, else the first
/// part of each path in `RECORD`, else (a dist-info that lists no files, as a build that
/// installs by hand writes) the package or module named like the distribution, if it is there.
fn top_level_modules(info: &Path, name: &str) -> Result<Vec<String>> {
    let top_level = info.join("top_level.txt");
    let mut modules = BTreeSet::new();
    if top_level.is_file() {
        let text = read_to_string(&top_level)?;
        modules.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string),
        );
    } else if info.join("RECORD").is_file() {
        for line in read_to_string(&info.join("RECORD"))?.lines() {
            let path = line.split(',').next().unwrap_or_default();
            let (first, nested) = match path.split_once('/') {
                Some((first, _)) => (first, true),
                None => (path, false),
            };
            let module = if nested {
                let skip = first.ends_with(".dist-info")
                    || first.ends_with(".data")
                    || first == "__pycache__"
                    || first == "..";
                (!skip).then_some(first)
            } else {
                first.strip_suffix(".py")
            };
            modules.extend(module.map(str::to_string));
        }
    } else if let Some(site) = info.parent() {
        let module = name.to_lowercase().replace(['-', '.'], "_");
        if site.join(&module).is_dir() || site.join(format!("{module}.py")).is_file() {
            modules.insert(module);
        }
    }
    Ok(modules.into_iter().collect())
}

/// A package folder as given, checked and fingerprinted.
#[derive(Clone, Debug)]
pub struct Source {
    /// The folder.
    pub dir: PathBuf,
    /// SHA-256 (hex, 32 digits) of every path and file's contents, `__pycache__` left out.
    pub digest: String,
    /// The distributions it holds.
    pub distributions: Vec<Distribution>,
}

impl Source {
    /// Checks `dir` (only pure-Python distributions, no native code, no symbolic links) and
    /// fingerprints its contents.
    pub fn scan(dir: &Path) -> Result<Self> {
        let refuse = |what: String| {
            Error::Config(format!(
                "--site-packages {}: {what}; only pure-Python distributions (wheel tag \
                 *-none-any) run in the sandbox",
                dir.display()
            ))
        };
        if !dir.is_dir() {
            return Err(Error::Config(format!(
                "--site-packages {} is not a folder",
                dir.display()
            )));
        }
        for info in dist_infos(dir)? {
            let wheel = info.join("WHEEL");
            if !wheel.is_file() {
                continue;
            }
            let text = read_to_string(&wheel)?;
            let name = info.file_name().unwrap_or_default().to_string_lossy();
            for line in text.lines() {
                let native_tag = line
                    .strip_prefix("Tag:")
                    .map(str::trim)
                    .filter(|tag| !tag.ends_with("-none-any"));
                if let Some(tag) = native_tag {
                    return Err(refuse(format!(
                        "{name} is built for a platform (wheel tag {tag})"
                    )));
                }
                if line.trim() == "Root-Is-Purelib: false" {
                    return Err(refuse(format!(
                        "{name} is not pure Python (Root-Is-Purelib: false)"
                    )));
                }
            }
        }
        let mut digest = Sha256::new();
        for entry in walk(dir) {
            let entry = entry.map_err(|e| Error::io(dir, e.into()))?;
            let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            let shown = relative.display();
            let kind = entry.file_type();
            if kind.is_symlink() {
                return Err(refuse(format!(
                    "{shown} is a symbolic link, which is not supported"
                )));
            }
            let name = entry.file_name().to_string_lossy();
            if NATIVE_SUFFIXES.iter().any(|s| name.ends_with(s)) || name.contains(".so.") {
                return Err(refuse(format!("{shown} is native code")));
            }
            let path_bytes = relative.as_os_str().as_encoded_bytes();
            if kind.is_dir() {
                digest.update(b"D\0");
                digest.update(path_bytes);
                digest.update(b"\0");
            } else if kind.is_file() {
                let bytes = std::fs::read(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
                digest.update(b"F\0");
                digest.update(path_bytes);
                digest.update((bytes.len() as u64).to_le_bytes());
                digest.update(&bytes);
            }
        }
        let digest = digest.finalize();
        Ok(Source {
            dir: dir.to_owned(),
            digest: digest[..16].iter().map(|b| format!("{b:02x}")).collect(),
            distributions: distributions(dir)?,
        })
    }
}

/// Every entry under `dir` in a fixed order, without `__pycache__` folders, links not followed.
fn walk(dir: &Path) -> impl Iterator<Item = walkdir::Result<walkdir::DirEntry>> {
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.file_name() != "__pycache__")
}

/// The compiled copy runs see.
#[derive(Debug)]
pub struct Prepared {
    /// The folder preopened at `/packages`.
    pub dir: PathBuf,
    /// Holds a copy made outside the module cache (cache disabled) until the server stops.
    _temporary: Option<TempDir>,
}

/// The compiled copy of `source`: `packages-<digest>` in `cache` when it is already there, else
/// made now (copied, then `compile`d in place) under `cache`, or under `scratch` for the life of
/// the server when there is no cache.
pub fn prepare(
    source: &Source,
    cache: Option<&Path>,
    scratch: &Path,
    compile: impl FnOnce(&Path) -> Result<()>,
) -> Result<Prepared> {
    let name = format!("packages-{}", source.digest);
    let Some(cache) = cache else {
        let temporary = tempfile::Builder::new()
            .prefix(&name)
            .tempdir_in(scratch)
            .map_err(|e| Error::io(scratch, e))?;
        copy_and_compile(&source.dir, temporary.path(), compile)?;
        return Ok(Prepared {
            dir: temporary.path().to_owned(),
            _temporary: Some(temporary),
        });
    };
    let dir = cache.join(&name);
    if !dir.is_dir() {
        std::fs::create_dir_all(cache).map_err(|e| Error::io(cache, e))?;
        let building = tempfile::Builder::new()
            .prefix(&format!(".{name}"))
            .tempdir_in(cache)
            .map_err(|e| Error::io(cache, e))?;
        copy_and_compile(&source.dir, building.path(), compile)?;
        // Atomic: another process that made the same copy first wins, and ours is dropped.
        let building = building.keep();
        if std::fs::rename(&building, &dir).is_err() {
            let _ = std::fs::remove_dir_all(&building);
            if !dir.is_dir() {
                return Err(Error::Config(format!("cannot place {}", dir.display())));
            }
        }
    }
    Ok(Prepared {
        dir,
        _temporary: None,
    })
}

fn copy_and_compile(
    from: &Path,
    to: &Path,
    compile: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    for entry in walk(from) {
        let entry = entry.map_err(|e| Error::io(from, e.into()))?;
        let target = to.join(entry.path().strip_prefix(from).unwrap_or(entry.path()));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| Error::io(&target, e))?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| Error::io(&target, e))?;
        }
    }
    compile(to)
}

fn read_to_string(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site-packages folder with one distribution `name` of module `module`.
    fn site(name: &str, module: &str, wheel_tag: &str) -> TempDir {
        let dir = tempfile::tempdir().unwrap();
        let info = dir.path().join(format!("{name}-1.0.dist-info"));
        std::fs::create_dir_all(&info).unwrap();
        std::fs::write(
            info.join("METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n\nbody\n"),
        )
        .unwrap();
        std::fs::write(
            info.join("WHEEL"),
            format!("Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: {wheel_tag}\n"),
        )
        .unwrap();
        std::fs::write(
            info.join("RECORD"),
            format!("{module}/__init__.py,,\n{name}-1.0.dist-info/RECORD,,\nsolo.py,,\n"),
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join(module)).unwrap();
        std::fs::write(dir.path().join(module).join("__init__.py"), "X = 1\n").unwrap();
        dir
    }

    #[test]
    fn distributions_name_their_version_and_modules() {
        let dir = site("Tab-Ulate", "tabulate", "py3-none-any");
        let found = Source::scan(dir.path()).unwrap().distributions;
        assert_eq!(
            found,
            [Distribution {
                name: "Tab-Ulate".into(),
                version: "1.0".into(),
                modules: vec!["solo".into(), "tabulate".into()],
            }]
        );
    }

    #[test]
    fn a_dist_info_without_a_file_list_names_the_package_called_like_it() {
        let dir = site("Tab-Ulate", "tab_ulate", "py3-none-any");
        let info = dir.path().join("Tab-Ulate-1.0.dist-info");
        std::fs::remove_file(info.join("RECORD")).unwrap();
        let found = Source::scan(dir.path()).unwrap().distributions;
        assert_eq!(found[0].modules, ["tab_ulate"]);
        // Nothing called like it: no module is claimed.
        std::fs::remove_dir_all(dir.path().join("tab_ulate")).unwrap();
        let found = Source::scan(dir.path()).unwrap().distributions;
        assert!(found[0].modules.is_empty());
    }

    #[test]
    fn native_code_is_refused_by_name() {
        let dir = site("numpy", "numpy", "cp313-cp313-manylinux_2_17_x86_64");
        let err = Source::scan(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("numpy-1.0.dist-info") && err.contains("cp313-cp313-manylinux"),
            "{err}"
        );

        let dir = site("fast", "fast", "py3-none-any");
        std::fs::write(
            dir.path()
                .join("fast/_speedups.cpython-313-x86_64-linux-gnu.so"),
            "",
        )
        .unwrap();
        let err = Source::scan(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("fast/_speedups.cpython-313-x86_64-linux-gnu.so is native code"),
            "{err}"
        );
    }

    #[test]
    fn the_digest_follows_contents_and_ignores_host_bytecode() {
        let dir = site("a", "a", "py3-none-any");
        let before = Source::scan(dir.path()).unwrap().digest;
        std::fs::create_dir_all(dir.path().join("a/__pycache__")).unwrap();
        std::fs::write(dir.path().join("a/__pycache__/x.cpython-311.pyc"), "x").unwrap();
        assert_eq!(Source::scan(dir.path()).unwrap().digest, before);
        std::fs::write(dir.path().join("a/__init__.py"), "X = 2\n").unwrap();
        assert_ne!(Source::scan(dir.path()).unwrap().digest, before);
    }

    #[test]
    fn the_copy_is_made_once_per_digest() {
        let dir = site("a", "a", "py3-none-any");
        let source = Source::scan(dir.path()).unwrap();
        let cache = tempfile::tempdir().unwrap();
        let mut compiled = 0;
        let first = prepare(&source, Some(cache.path()), cache.path(), |d| {
            compiled += 1;
            assert!(d.join("a/__init__.py").is_file());
            assert!(!d.join("a/__pycache__").exists());
            Ok(())
        })
        .unwrap();
        let again = prepare(
            &source,
            Some(cache.path()),
            cache.path(),
            |_| unreachable!(),
        )
        .unwrap();
        assert_eq!((compiled, &first.dir), (1, &again.dir));
        assert!(first.dir.ends_with(format!("packages-{}", source.digest)));
    }
}
