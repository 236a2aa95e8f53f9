//! The interpreter build a runner serves, as `python-wasi/build.sh` makes it (`python.wasm`,
//! its read-only library `lib/`, and `BUILD-INFO`), and the facts its BUILD-INFO records: the
//! runtime it is (`standard`, `scientific`), CPython's version, the standard modules that are
//! stand-ins, and the modules the runtime pre-imports.

use std::path::{Path, PathBuf};

use runner_api::runtime::Runtime;

use crate::packages::{self, Distribution};
use crate::{Error, Result};

/// One interpreter build and what it says about itself.
#[derive(Clone, Debug)]
pub struct Build {
    /// The build folder.
    pub dir: PathBuf,
    /// The runtime it is; a build whose BUILD-INFO names none (from before runtimes had
    /// names) is the standard one.
    pub runtime: Runtime,
    /// CPython's version, e.g. `3.13.5`.
    pub python_version: String,
    /// Standard modules that import but stand in for what the sandbox lacks (`ctypes`, ...).
    pub stand_ins: Vec<String>,
    /// Modules the runtime imports into its snapshot (the scientific runtime's numpy, pandas).
    pub preimport: Vec<String>,
    /// Distributions installed in the build's own `site-packages`.
    pub distributions: Vec<Distribution>,
    /// BUILD-INFO as written: part of every compiled snapshot's key.
    pub build_info: String,
}

/// `NAME=value` of BUILD-INFO.
fn field<'a>(build_info: &'a str, name: &str) -> Option<&'a str> {
    build_info
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
}

/// BUILD-INFO of the build in `dir`: (its path, its text).
fn read_build_info(dir: &Path) -> Result<(PathBuf, String)> {
    let path = dir.join("BUILD-INFO");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    Ok((path, text))
}

/// The runtime BUILD-INFO names; an error for a name this runner-node does not know.
fn runtime_named(info_path: &Path, build_info: &str) -> Result<Runtime> {
    match field(build_info, "runtime") {
        None => Ok(Runtime::default()),
        Some(name) => Runtime::from_name(name).ok_or_else(|| {
            let known: Vec<_> = Runtime::ALL.iter().map(|r| r.as_str()).collect();
            Error::Config(format!(
                "{}: runtime={name} is not a runtime this runner-node knows ({})",
                info_path.display(),
                known.join(", ")
            ))
        }),
    }
}

impl Build {
    /// Reads the build in `dir`.
    pub fn open(dir: &Path) -> Result<Self> {
        let (info_path, build_info) = read_build_info(dir)?;
        let list = |name: &str| -> Vec<String> {
            field(&build_info, name)
                .map(|v| v.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default()
        };
        // `python=3.13.5 target=... prefix=...`: the first word is the version.
        let python_version = field(&build_info, "python")
            .and_then(|v| v.split_whitespace().next().map(str::to_string))
            .ok_or_else(|| Error::Config(format!("{}: no python= line", info_path.display())))?;
        let mut build = Build {
            dir: dir.to_owned(),
            runtime: runtime_named(&info_path, &build_info)?,
            python_version,
            stand_ins: list("stand_ins"),
            preimport: list("preimport"),
            distributions: Vec::new(),
            build_info,
        };
        let site = build.site_packages();
        if site.is_dir() {
            build.distributions = packages::distributions(&site)?;
        }
        Ok(build)
    }

    /// The runtime of the build in `dir`, from its BUILD-INFO alone (no scan of its library).
    pub fn runtime_of(dir: &Path) -> Result<Runtime> {
        let (info_path, build_info) = read_build_info(dir)?;
        runtime_named(&info_path, &build_info)
    }

    /// The interpreter module.
    pub fn python_wasm(&self) -> PathBuf {
        self.dir.join("python.wasm")
    }

    /// The host folder shown to the guest as `/usr/local/lib` (holds `python3.X/`).
    pub fn lib(&self) -> PathBuf {
        self.dir.join("lib")
    }

    /// `3.13` of `3.13.5`.
    pub fn python_minor(&self) -> &str {
        let mut dots = self.python_version.match_indices('.');
        match (dots.next(), dots.next()) {
            (Some(_), Some((second, _))) => &self.python_version[..second],
            _ => &self.python_version,
        }
    }

    /// The build's own `site-packages`.
    fn site_packages(&self) -> PathBuf {
        self.lib()
            .join(format!("python{}", self.python_minor()))
            .join("site-packages")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_info_names_the_runtime_and_its_version() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("BUILD-INFO"),
            "key=k\npython=3.13.5 target=wasm32-wasip1 prefix=/usr/local\nruntime=scientific\n\
             stand_ins=ctypes mmap\npreimport=numpy pandas\n",
        )
        .unwrap();
        let build = Build::open(dir.path()).unwrap();
        assert_eq!(build.runtime, Runtime::Scientific);
        assert_eq!(Build::runtime_of(dir.path()).unwrap(), Runtime::Scientific);
        assert_eq!(build.python_version, "3.13.5");
        assert_eq!(build.python_minor(), "3.13");
        assert_eq!(build.stand_ins, ["ctypes", "mmap"]);
        assert_eq!(build.preimport, ["numpy", "pandas"]);

        std::fs::write(dir.path().join("BUILD-INFO"), "python=3.13.5\n").unwrap();
        let plain = Build::open(dir.path()).unwrap();
        assert_eq!(plain.runtime, Runtime::Standard);
        assert!(plain.stand_ins.is_empty());
    }

    #[test]
    fn a_runtime_this_runner_does_not_know_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("BUILD-INFO"),
            "python=3.13.5\nruntime=quantum\n",
        )
        .unwrap();
        for error in [
            Build::open(dir.path()).unwrap_err(),
            Build::runtime_of(dir.path()).unwrap_err(),
        ] {
            let message = error.to_string();
            assert!(
                message.contains("runtime=quantum") && message.contains("standard, scientific"),
                "{message}"
            );
        }
    }
}
