//! The Python runtime a runner serves: one interpreter build as `python-wasi/build.sh` makes it
//! (`python.wasm`, its read-only library `lib/`, and `BUILD-INFO`), and the facts its
//! BUILD-INFO records: the runtime's name (`standard`, `scientific`), CPython's version, the
//! standard modules that are stand-ins, and the modules the runtime pre-imports.

use std::path::{Path, PathBuf};

use crate::packages::{self, Distribution};
use crate::{Error, Result};

/// The name of a build whose BUILD-INFO names none (builds before runtimes had names).
pub const DEFAULT_RUNTIME: &str = "standard";

/// One interpreter build and what it says about itself.
#[derive(Clone, Debug)]
pub struct Runtime {
    /// The build folder.
    pub dir: PathBuf,
    /// `standard`, `scientific`, ...
    pub name: String,
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

impl Runtime {
    /// Reads the build in `dir`.
    pub fn open(dir: &Path) -> Result<Self> {
        let info_path = dir.join("BUILD-INFO");
        let build_info =
            std::fs::read_to_string(&info_path).map_err(|e| Error::io(&info_path, e))?;
        let field = |name: &str| {
            build_info.lines().find_map(|line| {
                let value = line.strip_prefix(name)?.strip_prefix('=')?;
                Some(value.to_string())
            })
        };
        let list = |name: &str| -> Vec<String> {
            field(name)
                .map(|v| v.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default()
        };
        // `python=3.13.5 target=... prefix=...`: the first word is the version.
        let python_version = field("python")
            .and_then(|v| v.split_whitespace().next().map(str::to_string))
            .ok_or_else(|| Error::Config(format!("{}: no python= line", info_path.display())))?;
        let mut runtime = Runtime {
            dir: dir.to_owned(),
            name: field("runtime").unwrap_or_else(|| DEFAULT_RUNTIME.to_string()),
            python_version,
            stand_ins: list("stand_ins"),
            preimport: list("preimport"),
            distributions: Vec::new(),
            build_info,
        };
        let site = runtime.site_packages();
        if site.is_dir() {
            runtime.distributions = packages::distributions(&site)?;
        }
        Ok(runtime)
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
        let runtime = Runtime::open(dir.path()).unwrap();
        assert_eq!(runtime.name, "scientific");
        assert_eq!(runtime.python_version, "3.13.5");
        assert_eq!(runtime.python_minor(), "3.13");
        assert_eq!(runtime.stand_ins, ["ctypes", "mmap"]);
        assert_eq!(runtime.preimport, ["numpy", "pandas"]);

        std::fs::write(dir.path().join("BUILD-INFO"), "python=3.13.5\n").unwrap();
        let plain = Runtime::open(dir.path()).unwrap();
        assert_eq!(plain.name, DEFAULT_RUNTIME);
        assert!(plain.stand_ins.is_empty());
    }
}
