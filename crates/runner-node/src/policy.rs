//! The sandbox policy in force: read from a policy file (parsed by runner-api's
//! [`SandboxPolicy::from_yaml`], then checked against this host), and reloaded when the file
//! changes ([`crate::live`]: a policy that fails to load keeps the old one in force and logs
//! why). `max_concurrent_runs` sizes the run slots at start and takes effect at the next start (the
//! operator rolls the pods when a pool's policy changes).

use std::path::{Path, PathBuf};

use runner_api::policy::SandboxPolicy;
use runner_api::runtime::Runtime;

use crate::{Error, Result};

/// Reads and checks the policy file at `path` of a runner serving `runtime`.
pub fn load(path: &Path, runtime: Runtime) -> Result<SandboxPolicy> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    from_text(path, &text, 0, runtime)
}

/// Checks the contents `text` of the policy file at `path` (named in errors): runner-api's
/// parser (`runtime` gives the default `memory_mb`), then what only this host can check: every
/// data mount's folder exists, and the default memory limit holds the `floor_bytes` every run
/// starts with.
pub fn from_text(
    path: &Path,
    text: &str,
    floor_bytes: u64,
    runtime: Runtime,
) -> Result<SandboxPolicy> {
    let invalid =
        |message: String| Error::Config(format!("policy file {}: {message}", path.display()));
    let policy = SandboxPolicy::from_yaml_for(text, runtime).map_err(|e| invalid(e.to_string()))?;
    if let Some(mount) = policy.data_mounts.iter().find(|m| !m.host_path.is_dir()) {
        return Err(invalid(format!(
            "data mount {:?}: {} is not a folder",
            mount.name,
            mount.host_path.display()
        )));
    }
    check_floor(&policy, floor_bytes, "limits.memory_mb").map_err(invalid)?;
    Ok(policy)
}

/// Refuses a policy whose default memory limit (named `what`) is below the `floor_bytes` every
/// run starts with, saying by how much.
pub fn check_floor(policy: &SandboxPolicy, floor_bytes: u64, what: &str) -> Result<(), String> {
    let default_bytes = policy.limits.memory_mb << 20;
    if default_bytes >= floor_bytes {
        return Ok(());
    }
    let floor_mb = floor_bytes.div_ceil(1 << 20);
    Err(format!(
        "{what} ({}) is below the {floor_mb} MiB the interpreter snapshot starts with (its \
         pre-imports included): raise it by at least {} MiB, or pre-import less",
        policy.limits.memory_mb,
        floor_mb - policy.limits.memory_mb
    ))
}

/// The current policy, shared by every request; runs take a snapshot when they are admitted.
pub type LivePolicy = crate::live::Live<SandboxPolicy>;

/// Re-reads the policy file at `path` when it changes (see [`crate::live`]); a new policy must
/// hold the interpreter's `floor_bytes` (`runtime`: the interpreter's).
pub fn watch(
    live: &LivePolicy,
    path: PathBuf,
    floor_bytes: u64,
    runtime: Runtime,
) -> tokio::task::JoinHandle<()> {
    let file = path.clone();
    live.watch(path, "sandbox policy", move |text| {
        from_text(&file, text, floor_bytes, runtime)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_memory_below_the_floor_says_by_how_much() {
        let policy = SandboxPolicy::default();
        assert!(check_floor(&policy, 128 << 20, "x").is_ok());
        let err = check_floor(&policy, (150 << 20) + 1, "--memory-mb").unwrap_err();
        assert!(
            err.starts_with("--memory-mb (128) is below the 151 MiB"),
            "{err}"
        );
        assert!(err.contains("raise it by at least 23 MiB"), "{err}");
    }
}
