//! Reconcile counters, rendered in the Prometheus text format.
//!
//! Kept to plain atomics: the operator reports a handful of numbers and a metrics crate would
//! outweigh them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Counters of the controller's work.
#[derive(Debug, Default)]
pub struct Metrics {
    reconciles: AtomicU64,
    reconcile_micros: AtomicU64,
    failures: Mutex<BTreeMap<&'static str, u64>>,
}

impl Metrics {
    /// Starts timing one reconcile; the time is counted when the guard drops, whichever way
    /// the reconcile ends.
    pub fn reconcile(&self) -> ReconcileTimer<'_> {
        self.reconciles.fetch_add(1, Ordering::Relaxed);
        ReconcileTimer {
            metrics: self,
            start: Instant::now(),
        }
    }

    /// Counts one failed reconcile, by [`crate::Error::kind`].
    pub fn failure(&self, kind: &'static str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        *failures.entry(kind).or_default() += 1;
    }

    /// Reconciles started so far.
    pub fn reconciles(&self) -> u64 {
        self.reconciles.load(Ordering::Relaxed)
    }

    /// Failures of one kind so far.
    pub fn failures(&self, kind: &str) -> u64 {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.get(kind).copied().unwrap_or(0)
    }

    /// The counters in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP runner_operator_reconciles_total Reconciles started."
        );
        let _ = writeln!(out, "# TYPE runner_operator_reconciles_total counter");
        let _ = writeln!(
            out,
            "runner_operator_reconciles_total {}",
            self.reconciles()
        );
        let _ = writeln!(
            out,
            "# HELP runner_operator_reconcile_seconds_total Time spent reconciling."
        );
        let _ = writeln!(
            out,
            "# TYPE runner_operator_reconcile_seconds_total counter"
        );
        let micros = self.reconcile_micros.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "runner_operator_reconcile_seconds_total {}",
            micros as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "# HELP runner_operator_reconcile_failures_total Failed reconciles by error kind."
        );
        let _ = writeln!(
            out,
            "# TYPE runner_operator_reconcile_failures_total counter"
        );
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for (kind, count) in failures.iter() {
            let _ = writeln!(
                out,
                "runner_operator_reconcile_failures_total{{kind=\"{kind}\"}} {count}"
            );
        }
        out
    }
}

/// Counts a reconcile's duration when dropped.
#[derive(Debug)]
pub struct ReconcileTimer<'a> {
    metrics: &'a Metrics,
    start: Instant,
}

impl Drop for ReconcileTimer<'_> {
    fn drop(&mut self) {
        let micros = u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.metrics
            .reconcile_micros
            .fetch_add(micros, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters() {
        let metrics = Metrics::default();
        drop(metrics.reconcile());
        metrics.failure("kube");
        metrics.failure("kube");
        let text = metrics.render();
        assert!(
            text.contains("runner_operator_reconciles_total 1\n"),
            "{text}"
        );
        assert!(
            text.contains("runner_operator_reconcile_failures_total{kind=\"kube\"} 2\n"),
            "{text}"
        );
    }
}
