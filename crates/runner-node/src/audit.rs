//! Audit events: one per run that was admitted, and one when a session starts and when it ends,
//! written when `--audit-log` turns them on, as JSON lines of their own target (`audit`) on
//! stdout. Who ran what and what it cost, never the code, its input or its output:
//!
//! | field | what |
//! |---|---|
//! | `event` | `run`, `session_started`, `session_ended` |
//! | `session.id` | the session's id (session events) |
//! | `reason` | why a session ended: `deleted`, `idle`, `lifetime`, `stopped`, `cancelled` |
//! | `tenant` | the caller's tenant; absent when auth is off |
//! | `run.id` | the run's id, as in its answer and the `run finished` log line |
//! | `code_sha256` | SHA-256 of the submitted code, hex |
//! | `outcome` | as in the answer; `cancelled` when the caller left before the end; `host_error` when the server failed the run (answered 500) |
//! | `exit_code`, `duration_ms`, `cpu_ms`, `peak_memory_bytes` | as in the answer; absent for a cancelled run |
//!
//! The line's `timestamp` (RFC 3339, UTC) is when the run ended.

use std::sync::Arc;

use runner_api::Outcome;
use runner_telemetry::AUDIT_TARGET;

use crate::record::Report;

/// A run being audited: its event is written when it ends ([`Pending::finish`]), or as
/// `cancelled` when it is dropped before (its caller went away).
pub struct Pending {
    tenant: Option<Arc<str>>,
    id: String,
    code_sha256: String,
    finished: bool,
}

impl Pending {
    /// Starts auditing run `id` of `tenant`, submitted as `code`; `None` when audit is off.
    pub fn start(on: bool, tenant: Option<&Arc<str>>, id: &str, code: &str) -> Option<Self> {
        on.then(|| Pending {
            tenant: tenant.cloned(),
            id: id.to_owned(),
            code_sha256: sha256_hex(code.as_bytes()),
            finished: false,
        })
    }

    /// Writes the event of a run that ended with `report`.
    pub fn finish(mut self, report: &Report) {
        self.finished = true;
        tracing::info!(
            target: AUDIT_TARGET,
            event = "run",
            tenant = self.tenant.as_deref(),
            run.id = %self.id,
            code_sha256 = %self.code_sha256,
            outcome = report.outcome.as_str(),
            exit_code = report.exit_code,
            duration_ms = report.duration.as_secs_f64() * 1e3,
            cpu_ms = report.cpu_time.as_secs_f64() * 1e3,
            peak_memory_bytes = report.peak_memory_bytes,
        );
    }

    /// Writes the event of a run the server failed (a host error, answered 500).
    pub fn host_failed(mut self) {
        self.finished = true;
        self.unfinished("host_error");
    }

    /// Writes the event of a run refused after admission, before its program started (a file
    /// its request names is blocked in a session's `/work`).
    pub fn refused(mut self) {
        self.finished = true;
        self.unfinished("refused");
    }

    fn unfinished(&self, outcome: &str) {
        tracing::info!(
            target: AUDIT_TARGET,
            event = "run",
            tenant = self.tenant.as_deref(),
            run.id = %self.id,
            code_sha256 = %self.code_sha256,
            outcome,
        );
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.finished {
            self.unfinished(Outcome::Cancelled.as_str());
        }
    }
}

/// Writes the event of a session of `tenant` that started (`ended` is `None`) or ended, when
/// audit is `on`.
pub fn session(on: bool, tenant: Option<&str>, id: &str, ended: Option<&str>) {
    if !on {
        return;
    }
    match ended {
        None => tracing::info!(
            target: AUDIT_TARGET,
            event = "session_started",
            tenant,
            session.id = id,
        ),
        Some(reason) => tracing::info!(
            target: AUDIT_TARGET,
            event = "session_ended",
            tenant,
            session.id = id,
            reason,
        ),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_named_by_its_digest_and_audit_off_records_nothing() {
        // FIPS 180-2's example.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(Pending::start(false, None, "id", "print(1)").is_none());
        let pending = Pending::start(true, None, "id", "abc").unwrap();
        assert_eq!(pending.code_sha256, sha256_hex(b"abc"));
    }
}
