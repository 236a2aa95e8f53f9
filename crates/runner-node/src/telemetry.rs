//! Logs and traces of runner-node. [`init`] installs both (traces only when the standard
//! `OTEL_*` variables turn them on; see `runner_telemetry` and `docs/observability.md`);
//! [`run_span`] is the span of one `/run` request, which continues the caller's W3C
//! `traceparent`.
//!
//! The spans of a run, and what they time:
//!
//! ```text
//! run                 the whole request: reading the body, checks, and everything below
//! ├── admission_wait  waiting for one of max_concurrent_runs slots
//! ├── instantiate     the run's /work folder, its Store, and the snapshot's instance
//! ├── guest_execution the program, until it exits or a limit stops it
//! └── response        the JSON answer, built and serialised
//! ```
//!
//! Attributes say who ran what under which limits and how it ended: never the code, its input
//! files, its environment or its output.

use runner_telemetry::{Options, Telemetry};
use tracing::field::Empty;

use crate::config::{AuditLog, LogFormat};
use crate::record::{Limits, Report};

/// The `service.name` of runner-node's traces (unless `OTEL_SERVICE_NAME` says otherwise).
pub const SERVICE: &str = "runner-node";

/// The log filter when `RUST_LOG` is not set: wasmtime and Cranelift are chatty at info.
pub const DEFAULT_LOG_FILTER: &str = "info,wasmtime=warn,cranelift=warn";

/// Installs logs (stdout, `format`) and, when the environment asks, trace export.
pub fn init(format: LogFormat, audit: AuditLog) -> runner_telemetry::Result<Telemetry> {
    runner_telemetry::init(Options {
        service: SERVICE,
        default_log_filter: DEFAULT_LOG_FILTER,
        json: format == LogFormat::Json,
        audit: audit == AuditLog::Stdout,
    })
}

/// `make()`, the span of a step of a run, when traces are on; when they are off, no span at
/// all. Nothing but a trace reads these spans, and each costs a run time in the log layer
/// (formatting its fields, entering and leaving it on every poll): about 55 µs a run, measured
/// in docs/observability.md, "What traces cost".
pub fn span(make: impl FnOnce() -> tracing::Span) -> tracing::Span {
    if runner_telemetry::traces_on() {
        make()
    } else {
        tracing::Span::none()
    }
}

/// The span of one run request, a child of the caller's span when its `traceparent` header
/// names one; none when traces are off (see [`span`]). Its attributes are filled in as the
/// request goes: [`record_limits`], [`record_report`], [`record_refusal`].
pub fn run_span(traceparent: Option<&str>, tracestate: Option<&str>) -> tracing::Span {
    if !runner_telemetry::traces_on() {
        return tracing::Span::none();
    }
    let span = tracing::info_span!(
        "run",
        otel.kind = "server",
        run.id = Empty,
        run.tenant = Empty,
        run.timeout_ms = Empty,
        run.memory_limit_bytes = Empty,
        run.output_limit_bytes = Empty,
        run.outcome = Empty,
        run.exit_code = Empty,
        run.peak_memory_bytes = Empty,
        run.truncated = Empty,
        error.type = Empty,
        otel.status_code = Empty,
    );
    runner_telemetry::continue_trace(&span, traceparent, tracestate);
    span
}

/// Records the run's id and the limits it runs under on the current run span.
pub(crate) fn record_limits(id: &str, limits: &Limits) {
    let span = tracing::Span::current();
    span.record("run.id", id);
    span.record("run.timeout_ms", limits.timeout.as_millis() as u64);
    span.record("run.memory_limit_bytes", limits.memory_bytes as u64);
    span.record("run.output_limit_bytes", limits.output_bytes as u64);
}

/// Records the caller's tenant (when auth is on) on the current run span.
pub(crate) fn record_tenant(tenant: Option<&str>) {
    if let Some(tenant) = tenant {
        tracing::Span::current().record("run.tenant", tenant);
    }
}

/// Records how the run ended on the current run span.
pub(crate) fn record_report(report: &Report) {
    let span = tracing::Span::current();
    span.record("run.outcome", report.outcome.as_str());
    if let Some(code) = report.exit_code {
        span.record("run.exit_code", code);
    }
    span.record("run.peak_memory_bytes", report.peak_memory_bytes as u64);
    span.record("run.truncated", report.output.truncated);
}

/// Records why a run request was refused; a refusal that is the server's fault (5xx) marks
/// the span as an error.
pub(crate) fn record_refusal(code: runner_api::ErrorCode) {
    let span = tracing::Span::current();
    span.record("error.type", code.as_str());
    if code.http_status() >= 500 {
        span.record("otel.status_code", "ERROR");
    }
}
