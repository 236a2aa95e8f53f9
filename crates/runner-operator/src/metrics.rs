//! The controller's Prometheus metrics, served as `GET /metrics` on the admin port in the
//! Prometheus text format (0.0.4).
//!
//! | metric | type | what |
//! |---|---|---|
//! | `runner_operator_reconciles_total` | counter | reconciles started |
//! | `runner_operator_reconcile_failures_total{kind}` | counter | reconciles that failed, by [`crate::Error::kind`] |
//! | `runner_operator_reconcile_duration_seconds` | histogram | time one reconcile took, whichever way it ended |
//! | `runner_operator_child_applies_total{kind}` | counter | children applied because they drifted (see [`crate::drift`]), by kind |
//! | `runner_operator_webhook_certificate_expiry_timestamp_seconds{secret}` | gauge | when the certificate the sidecar webhook serves ends (Unix time); absent without the webhook |
//!
//! The kinds a reconcile can fail with and the kinds of children are created at zero, so a
//! dashboard's `rate()` sees each series from the first scrape; label values come from the
//! code, never from a pool.

use std::time::Instant;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use k8s_openapi::jiff::Timestamp;

use crate::ErrorKind;

/// The `Content-Type` of [`Metrics::render`]'s output.
pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

/// The Secret a certificate is kept in (the operator's configuration, never a pool's).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SecretLabel {
    secret: String,
}

/// The metrics of one controller.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    reconciles: Counter,
    failures: Family<KindLabel, Counter>,
    duration: Histogram,
    applies: Family<KindLabel, Counter>,
    certificate_end: Family<SecretLabel, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric, each known series at zero.
    pub fn new() -> Self {
        // A reconcile is a handful of API calls: milliseconds on a healthy cluster, seconds on
        // a slow one. Buckets from 0.5 ms to ~33 s, doubling; the fake API of the tests
        // answers in under a millisecond.
        let duration = Histogram::new(exponential_buckets(0.000_5, 2.0, 17));
        let mut metrics = Metrics {
            registry: Registry::default(),
            reconciles: Counter::default(),
            failures: Family::default(),
            duration,
            applies: Family::default(),
            certificate_end: Family::default(),
        };
        for kind in ErrorKind::ALL.into_iter().filter(|k| k.fails_a_reconcile()) {
            let _ = metrics.failures.get_or_create(&KindLabel {
                kind: kind.as_str(),
            });
        }
        for kind in crate::cache::KINDS {
            let _ = metrics.applies.get_or_create(&KindLabel { kind });
        }
        let r = &mut metrics.registry;
        r.register(
            "runner_operator_reconciles",
            "Reconciles started",
            metrics.reconciles.clone(),
        );
        r.register(
            "runner_operator_reconcile_failures",
            "Reconciles that failed, by error kind",
            metrics.failures.clone(),
        );
        r.register_with_unit(
            "runner_operator_reconcile_duration",
            "Time one reconcile took, whichever way it ended",
            Unit::Seconds,
            metrics.duration.clone(),
        );
        r.register(
            "runner_operator_child_applies",
            "Children applied because they drifted from what the pool wants, by kind",
            metrics.applies.clone(),
        );
        // No series until the webhook serves a certificate: an operator without the webhook
        // has nothing to alert on.
        r.register_with_unit(
            "runner_operator_webhook_certificate_expiry_timestamp",
            "When the certificate the sidecar webhook serves ends, as Unix time",
            Unit::Seconds,
            metrics.certificate_end.clone(),
        );
        metrics
    }

    /// Counts one reconcile and times it: the time is observed when the returned guard drops,
    /// whichever way the reconcile ends (success, error, or its future dropped).
    pub fn reconcile(&self) -> ReconcileTimer<'_> {
        self.reconciles.inc();
        ReconcileTimer {
            metrics: self,
            start: Instant::now(),
        }
    }

    /// Counts one failed reconcile, by [`crate::Error::kind`].
    pub fn failure(&self, kind: ErrorKind) {
        let kind = kind.as_str();
        self.failures.get_or_create(&KindLabel { kind }).inc();
    }

    /// Counts one apply of a child of `kind` (such as `Deployment`).
    pub fn applied(&self, kind: &'static str) {
        self.applies.get_or_create(&KindLabel { kind }).inc();
    }

    /// Records that the webhook now serves a certificate kept in `secret` that ends at
    /// `not_after`.
    pub fn webhook_certificate(&self, secret: &str, not_after: Timestamp) {
        let secret = secret.to_string();
        let gauge = self.certificate_end.get_or_create(&SecretLabel { secret });
        gauge.set(not_after.as_second());
    }

    /// Applies of children of `kind` so far.
    pub fn applies(&self, kind: &'static str) -> u64 {
        self.applies.get_or_create(&KindLabel { kind }).get()
    }

    /// Reconciles started so far.
    pub fn reconciles(&self) -> u64 {
        self.reconciles.get()
    }

    /// Failures of one kind so far.
    pub fn failures(&self, kind: ErrorKind) -> u64 {
        let kind = kind.as_str();
        self.failures.get_or_create(&KindLabel { kind }).get()
    }

    /// Every metric in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry);
        text
    }
}

/// Observes a reconcile's duration when dropped.
#[derive(Debug)]
pub struct ReconcileTimer<'a> {
    metrics: &'a Metrics,
    start: Instant,
}

impl Drop for ReconcileTimer<'_> {
    fn drop(&mut self) {
        self.metrics
            .duration
            .observe(self.start.elapsed().as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_prometheus_conventions() {
        let metrics = Metrics::default();
        drop(metrics.reconcile());
        metrics.failure(ErrorKind::Kube);
        metrics.failure(ErrorKind::Kube);
        assert!(
            !metrics
                .render()
                .contains("certificate_expiry_timestamp_seconds{")
        );
        let end = Timestamp::from_second(1_900_000_000).unwrap();
        metrics.webhook_certificate("webhook-tls", end);
        let text = metrics.render();
        for line in [
            "# TYPE runner_operator_reconciles_total counter",
            "runner_operator_reconciles_total 1",
            "runner_operator_reconcile_failures_total{kind=\"kube\"} 2",
            "runner_operator_reconcile_failures_total{kind=\"invalid_spec\"} 0",
            "# TYPE runner_operator_reconcile_duration_seconds histogram",
            "runner_operator_reconcile_duration_seconds_count 1",
            "runner_operator_child_applies_total{kind=\"HorizontalPodAutoscaler\"} 0",
            "# TYPE runner_operator_webhook_certificate_expiry_timestamp_seconds gauge",
            "runner_operator_webhook_certificate_expiry_timestamp_seconds{secret=\"webhook-tls\"} 1900000000",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} not in\n{text}");
        }
    }
}
