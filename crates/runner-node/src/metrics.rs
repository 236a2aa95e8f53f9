//! Prometheus metrics of the runs, served as `GET /metrics` on the admin port (`--admin-port`,
//! default 9090) in the Prometheus text format (0.0.4).
//!
//! | metric | type | what |
//! |---|---|---|
//! | `runner_runs_total{outcome}` | counter | runs that started, by how they ended (`cancelled`: the client left) |
//! | `runner_run_duration_seconds` | histogram | time a run executed (from instantiation to its end) |
//! | `runner_queue_wait_seconds` | histogram | time a request waited for a run slot, admitted or not |
//! | `runner_runs_in_flight` | gauge | runs executing now |
//! | `runner_requests_rejected_total{reason}` | counter | run requests refused, by error code |
//! | `runner_sandbox_memory_bytes` | histogram | peak linear memory of each run |
//! | `runner_run_cpu_seconds_total{tenant}` | counter | CPU time runs consumed, by tenant (empty when auth is off), runs whose caller left included |
//! | `runner_quota_exceeded_total{tenant,quota}` | counter | requests refused 429 for a tenant's quota (`concurrent_runs`, `runs_per_minute`, `sessions`) |
//! | `runner_sessions` | gauge | sessions kept now (`/v1/sessions`) |
//! | `runner_sessions_ended_total{reason}` | counter | sessions that ended: `deleted`, `idle`, `lifetime`, `stopped` (a run stopped its interpreter), `cancelled` (a run's caller left) |
//!
//! Every label value is known in advance and pre-created at zero, so a dashboard sees each
//! series from the first scrape and label cardinality is bounded by the code, never by input.
//! The one exception is `tenant`: its values are the tenants of the tokens file (an operator's
//! file, never a request), each series made at that tenant's first run.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use runner_api::{ErrorCode, Outcome};

use crate::record::{Ended, Report};

/// The `Content-Type` of [`Metrics::render`]'s output.
pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Whether a refusal is of a run request: 404 and 405 answer requests that never named `/run`.
fn is_rejection(code: ErrorCode) -> bool {
    !matches!(code, ErrorCode::NotFound | ErrorCode::MethodNotAllowed)
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TenantLabel {
    tenant: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QuotaLabel {
    tenant: String,
    quota: &'static str,
}

/// The metrics of one server.
pub struct Metrics {
    registry: Registry,
    runs: Family<OutcomeLabel, Counter>,
    run_duration: Histogram,
    queue_wait: Histogram,
    in_flight: Gauge,
    rejected: Family<ReasonLabel, Counter>,
    sandbox_memory: Histogram,
    run_cpu: Family<TenantLabel, Counter<f64, AtomicU64>>,
    quota_exceeded: Family<QuotaLabel, Counter>,
    sessions: Gauge,
    sessions_ended: Family<ReasonLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric, each labelled series at zero.
    pub fn new() -> Self {
        // Most runs take about a millisecond: buckets from 250 µs up to ~65 s, doubling.
        let run_duration = Histogram::new(exponential_buckets(0.000_25, 2.0, 19));
        // An idle server admits in microseconds; a saturated one waits up to the queue timeout.
        let queue_wait = Histogram::new(exponential_buckets(0.000_01, 4.0, 12));
        // Linear memory grows in 64 KiB pages; CPython starts near 20 MiB. 1 MiB .. 4 GiB.
        let sandbox_memory = Histogram::new(exponential_buckets(1_048_576.0, 2.0, 13));
        let metrics = Metrics {
            registry: Registry::default(),
            runs: Family::default(),
            run_duration,
            queue_wait,
            in_flight: Gauge::default(),
            rejected: Family::default(),
            sandbox_memory,
            run_cpu: Family::default(),
            quota_exceeded: Family::default(),
            sessions: Gauge::default(),
            sessions_ended: Family::default(),
        };
        for why in Ended::ALL {
            let _ = metrics.sessions_ended.get_or_create(&ReasonLabel {
                reason: why.as_str(),
            });
        }
        for outcome in Outcome::ALL {
            let _ = metrics.runs.get_or_create(&OutcomeLabel {
                outcome: outcome.as_str(),
            });
        }
        for code in ErrorCode::ALL.into_iter().filter(|c| is_rejection(*c)) {
            let _ = metrics.rejected.get_or_create(&ReasonLabel {
                reason: code.as_str(),
            });
        }
        metrics.registered()
    }

    fn registered(mut self) -> Self {
        let r = &mut self.registry;
        r.register(
            "runner_runs",
            "Runs that started, by how they ended",
            self.runs.clone(),
        );
        r.register_with_unit(
            "runner_run_duration",
            "Time a run executed, from instantiation to its end",
            Unit::Seconds,
            self.run_duration.clone(),
        );
        r.register_with_unit(
            "runner_queue_wait",
            "Time a run request waited for a run slot, admitted or not",
            Unit::Seconds,
            self.queue_wait.clone(),
        );
        r.register(
            "runner_runs_in_flight",
            "Runs executing now",
            self.in_flight.clone(),
        );
        r.register(
            "runner_requests_rejected",
            "Run requests refused, by error code",
            self.rejected.clone(),
        );
        r.register_with_unit(
            "runner_sandbox_memory",
            "Peak linear memory of a run",
            Unit::Bytes,
            self.sandbox_memory.clone(),
        );
        r.register_with_unit(
            "runner_run_cpu",
            "CPU time runs consumed, by tenant (empty when auth is off)",
            Unit::Seconds,
            self.run_cpu.clone(),
        );
        r.register(
            "runner_quota_exceeded",
            "Run requests refused for a tenant's quota",
            self.quota_exceeded.clone(),
        );
        r.register(
            "runner_sessions",
            "Sessions kept now",
            self.sessions.clone(),
        );
        r.register(
            "runner_sessions_ended",
            "Sessions that ended, by why",
            self.sessions_ended.clone(),
        );
        self
    }

    /// Counts a session made.
    pub fn session_started(&self) {
        self.sessions.inc();
    }

    /// Counts a session that ended.
    pub fn session_ended(&self, why: Ended) {
        self.sessions.dec();
        self.sessions_ended
            .get_or_create(&ReasonLabel {
                reason: why.as_str(),
            })
            .inc();
    }

    /// Records how long a request waited for a run slot.
    pub fn queue_waited(&self, wait: Duration) {
        self.queue_wait.observe(wait.as_secs_f64());
    }

    /// Counts a refused run request.
    pub fn rejected(&self, code: ErrorCode) {
        self.rejected
            .get_or_create(&ReasonLabel {
                reason: code.as_str(),
            })
            .inc();
    }

    /// Counts a request of `tenant` refused for `quota` (its name in the tenants file).
    pub fn quota_exceeded(&self, tenant: &str, quota: &'static str) {
        self.quota_exceeded
            .get_or_create(&QuotaLabel {
                tenant: tenant.to_owned(),
                quota,
            })
            .inc();
    }

    /// Marks a run as executing until the returned guard is finished or dropped. A guard dropped
    /// unfinished (the client went away and the request was dropped) counts as `cancelled`.
    pub fn run_started(self: &Arc<Self>) -> RunGuard {
        self.in_flight.inc();
        RunGuard {
            metrics: self.clone(),
            finished: false,
        }
    }

    /// Adds CPU time a run of `tenant` (`None` when auth is off) consumed, finished or not.
    pub fn cpu_used(&self, tenant: Option<&str>, cpu: Duration) {
        self.run_cpu
            .get_or_create(&TenantLabel {
                tenant: tenant.unwrap_or_default().to_owned(),
            })
            .inc_by(cpu.as_secs_f64());
    }

    /// Every metric in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry);
        text
    }
}

/// A run counted in `runner_runs_in_flight`.
pub struct RunGuard {
    metrics: Arc<Metrics>,
    finished: bool,
}

impl RunGuard {
    /// Records how the run ended; `None` when the host failed (counted as a rejection).
    pub fn finish(mut self, report: Option<&Report>) {
        self.finished = true;
        let Some(report) = report else { return };
        let m = &self.metrics;
        m.runs
            .get_or_create(&OutcomeLabel {
                outcome: report.outcome.as_str(),
            })
            .inc();
        m.run_duration.observe(report.duration.as_secs_f64());
        m.sandbox_memory.observe(report.peak_memory_bytes as f64);
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        self.metrics.in_flight.dec();
        if !self.finished {
            self.metrics
                .runs
                .get_or_create(&OutcomeLabel {
                    outcome: Outcome::Cancelled.as_str(),
                })
                .inc();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_prometheus_conventions() {
        let metrics = Arc::new(Metrics::new());
        metrics.rejected(ErrorCode::Overloaded);
        drop(metrics.run_started());
        metrics.cpu_used(Some("team-a"), Duration::from_millis(1500));
        metrics.cpu_used(Some("team-a"), Duration::from_millis(250));
        metrics.cpu_used(None, Duration::from_millis(500));
        metrics.quota_exceeded("team-a", "runs_per_minute");
        metrics.session_started();
        metrics.session_started();
        metrics.session_ended(Ended::Idle);
        let text = metrics.render();
        for line in [
            "# TYPE runner_runs_total counter",
            "runner_runs_total{outcome=\"cancelled\"} 1",
            "runner_runs_total{outcome=\"completed\"} 0",
            "# TYPE runner_run_duration_seconds histogram",
            "# TYPE runner_queue_wait_seconds histogram",
            "runner_runs_in_flight 0",
            "runner_requests_rejected_total{reason=\"overloaded\"} 1",
            "# TYPE runner_sandbox_memory_bytes histogram",
            "# TYPE runner_run_cpu_seconds_total counter",
            "runner_run_cpu_seconds_total{tenant=\"team-a\"} 1.75",
            "runner_run_cpu_seconds_total{tenant=\"\"} 0.5",
            "runner_quota_exceeded_total{tenant=\"team-a\",quota=\"runs_per_minute\"} 1",
            "runner_sessions 1",
            "runner_sessions_ended_total{reason=\"idle\"} 1",
            "runner_sessions_ended_total{reason=\"stopped\"} 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} not in\n{text}");
        }
    }
}
