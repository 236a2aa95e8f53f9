//! A value read from a file and re-read when the file changes: the sandbox policy
//! (`--policy-file`) and the tenants (`--auth-tokens-file`).
//!
//! Kubernetes updates a mounted ConfigMap or Secret by swapping a symlink, which file-change
//! events report unreliably; reading the file every [`RELOAD_INTERVAL`] and comparing contents
//! works for every way a file can change. A file that fails to load keeps the old value in
//! force and logs why (never the file's contents).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How often a watched file is read for changes.
pub const RELOAD_INTERVAL: Duration = Duration::from_secs(2);

/// The value in force, shared by every request; a request takes the current one when it
/// starts.
pub struct Live<T>(Arc<RwLock<Arc<T>>>);

impl<T> Clone for Live<T> {
    fn clone(&self) -> Self {
        Live(self.0.clone())
    }
}

impl<T: PartialEq + Send + Sync + 'static> Live<T> {
    /// A value that starts as `value`.
    pub fn new(value: T) -> Self {
        Live(Arc::new(RwLock::new(Arc::new(value))))
    }

    /// The value in force now.
    pub fn current(&self) -> Arc<T> {
        // A poisoned lock only means a writer panicked between two whole values.
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn replace(&self, value: T) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(value);
    }

    /// Re-reads `path` every [`RELOAD_INTERVAL`] until the returned task is aborted, and puts
    /// in force what `parse` makes of a changed file; `what` names the value in logs.
    pub fn watch<E: std::fmt::Display>(
        &self,
        path: PathBuf,
        what: &'static str,
        parse: impl Fn(&str) -> Result<T, E> + Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        let live = self.clone();
        tokio::spawn(async move {
            let read = |path: &PathBuf| std::fs::read_to_string(path);
            let mut last = read(&path).ok();
            let mut ticks = tokio::time::interval(RELOAD_INTERVAL);
            loop {
                ticks.tick().await;
                let now = read(&path);
                if now.as_ref().ok() == last.as_ref() {
                    continue;
                }
                last = now.as_ref().ok().cloned();
                let parsed = match now {
                    Ok(text) => parse(&text).map_err(|e| e.to_string()),
                    Err(e) => Err(format!("reading {}: {e}", path.display())),
                };
                match parsed {
                    Ok(value) if *live.current() == value => {}
                    Ok(value) => {
                        tracing::info!(path = %path.display(), "{what} reloaded");
                        live.replace(value);
                    }
                    Err(error) => tracing::error!(
                        path = %path.display(),
                        %error,
                        "{what} file changed but is invalid; the previous {what} stays in force"
                    ),
                }
            }
        })
    }
}
