//! The sandbox policy in force, and its reload when the policy file changes.
//!
//! Kubernetes updates a mounted ConfigMap by swapping a symlink, which file-change events report
//! unreliably; reading the file every [`RELOAD_INTERVAL`] and comparing contents works for every
//! way a file can change. A policy that fails to load keeps the old one in force and logs why.
//! `max_concurrent_runs` sizes the run slots at start and takes effect at the next start (the
//! operator rolls the pods when a pool's policy changes).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use runner_api::policy::SandboxPolicy;

use crate::Error;
use crate::config::policy_from_text;

/// How often the policy file is read for changes.
pub const RELOAD_INTERVAL: Duration = Duration::from_secs(2);

/// The current policy, shared by every request; runs take a snapshot when they are admitted.
#[derive(Clone)]
pub struct LivePolicy(Arc<RwLock<Arc<SandboxPolicy>>>);

impl LivePolicy {
    /// A policy that starts as `policy`.
    pub fn new(policy: SandboxPolicy) -> Self {
        LivePolicy(Arc::new(RwLock::new(Arc::new(policy))))
    }

    /// The policy in force now.
    pub fn current(&self) -> Arc<SandboxPolicy> {
        // A poisoned lock only means a writer panicked between two whole values.
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn replace(&self, policy: SandboxPolicy) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(policy);
    }

    /// Re-reads `path` every [`RELOAD_INTERVAL`] until the returned task is aborted.
    pub fn watch(&self, path: PathBuf) -> tokio::task::JoinHandle<()> {
        let live = self.clone();
        tokio::spawn(async move {
            let read =
                |path: &PathBuf| std::fs::read_to_string(path).map_err(|e| Error::io(path, e));
            let mut last = read(&path).ok();
            let mut ticks = tokio::time::interval(RELOAD_INTERVAL);
            loop {
                ticks.tick().await;
                let now = read(&path);
                if now.as_ref().ok() == last.as_ref() {
                    continue;
                }
                last = now.as_ref().ok().cloned();
                match now.and_then(|text| policy_from_text(&path, &text)) {
                    Ok(policy) if *live.current() == policy => {}
                    Ok(policy) => {
                        tracing::info!(path = %path.display(), "sandbox policy reloaded");
                        live.replace(policy);
                    }
                    Err(err) => tracing::error!(
                        error = %err,
                        "policy file changed but is invalid; the previous policy stays in force"
                    ),
                }
            }
        })
    }
}
