//! `runner-telemetry`: the logs and OpenTelemetry traces of `runner-node` and `runner-operator`,
//! set up the same way in both from the standard `OTEL_*` environment variables.
//!
//! ```text
//!   tracing spans/events ──► Registry ──┬─► fmt layer (RUST_LOG filter) ──► stdout, text or JSON
//!                                       ├─► audit layer (target `audit`, when on) ──► stdout, JSON
//!                                       └─► OpenTelemetry layer (this crate's target, INFO)
//!                                             ──► batch processor (own thread)
//!                                             ──► OTLP/HTTP protobuf POST {endpoint}/v1/traces
//!                                                 (hyper, on the server's tokio runtime)
//! ```
//!
//! Traces are **off** unless the environment asks for them ([`Traces::from_env`]); off, no
//! exporter, thread or connection exists and [`continue_trace`] returns at once. The variables
//! read, their defaults and an example collector are in `docs/observability.md`.
//!
//! Over 400 lines with its unit tests; the code itself is under 370.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::{EnvFilter, FilterExt, Targets, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, Registry};

#[cfg(feature = "receiver")]
pub mod receiver;

/// How long one export to the collector may take when `OTEL_EXPORTER_OTLP_TIMEOUT` (or its
/// `_TRACES_` form) is not set: the OpenTelemetry specification's default, 10 s.
pub const EXPORT_TIMEOUT_DEFAULT: Duration = Duration::from_secs(10);

/// What can go wrong setting up logs and traces.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An `OTEL_*` variable holds a value this build does not support; the message names it.
    #[error("{var}={value:?}: {expected}")]
    Env {
        /// The variable.
        var: &'static str,
        /// What it holds.
        value: String,
        /// What it may hold.
        expected: &'static str,
    },
    /// The OTLP exporter could not be built from the configuration (a malformed endpoint).
    #[error("OTLP trace exporter: {0}")]
    Exporter(String),
    /// Traces need the tokio runtime the exporter sends on, and none is running.
    #[error("traces are on but no tokio runtime is running to export them")]
    NoRuntime,
    /// A global subscriber was already installed.
    #[error("installing the log and trace subscriber: {0}")]
    Subscriber(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Set once traces are on in this process, so [`continue_trace`] costs one load when off.
static TRACES_ON: AtomicBool = AtomicBool::new(false);

/// Whether this process exports traces.
pub fn traces_on() -> bool {
    TRACES_ON.load(Ordering::Relaxed)
}

/// Where and how traces are exported, as resolved from the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Traces {
    /// Full URL of the traces endpoint; `None`: the exporter resolves it from
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (plus
    /// `/v1/traces`), default `http://localhost:4318/v1/traces`.
    endpoint: Option<String>,
    /// How long one export may take.
    timeout: Duration,
}

impl Traces {
    /// Reads the process environment; see [`Traces::from_vars`].
    pub fn from_env() -> Result<Option<Self>> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Whether traces are on, given the environment `var` reads, and how they are sent.
    ///
    /// Off unless `OTEL_TRACES_EXPORTER=otlp`, or an OTLP endpoint
    /// (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set and
    /// `OTEL_TRACES_EXPORTER` is not `none`. `OTEL_SDK_DISABLED=true` turns them off whatever
    /// else is set. (The specification defaults the exporter to `otlp`; this product defaults
    /// to off, so a runner never dials a collector nobody deployed.) A value this build cannot
    /// honour (another exporter, the `grpc` or `http/json` protocol, a timeout that is not a
    /// number of milliseconds) is an error naming the variable, not a silent fallback.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let var = |name: &str| {
            var(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        if var("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Ok(None);
        }
        let on = match var("OTEL_TRACES_EXPORTER").as_deref() {
            Some("otlp") => true,
            Some("none") => false,
            Some(other) => {
                return Err(Error::Env {
                    var: "OTEL_TRACES_EXPORTER",
                    value: other.to_owned(),
                    expected: "this build exports traces with `otlp`, or `none`",
                });
            }
            None => {
                var("OTEL_EXPORTER_OTLP_ENDPOINT").is_some()
                    || var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_some()
            }
        };
        if !on {
            return Ok(None);
        }
        // The signal-specific variable wins over the generic one, as the specification says.
        let first = |names: [&'static str; 2]| {
            names
                .into_iter()
                .find_map(|name| var(name).map(|value| (name, value)))
        };
        if let Some((name, protocol)) = first([
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ]) && protocol != "http/protobuf"
        {
            return Err(Error::Env {
                var: name,
                value: protocol,
                expected: "this build sends OTLP over `http/protobuf` only",
            });
        }
        let timeout = match first([
            "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
            "OTEL_EXPORTER_OTLP_TIMEOUT",
        ]) {
            None => EXPORT_TIMEOUT_DEFAULT,
            Some((name, ms)) => ms
                .parse::<u64>()
                .ok()
                .filter(|ms| *ms > 0)
                .map(Duration::from_millis)
                .ok_or(Error::Env {
                    var: name,
                    value: ms,
                    expected: "a positive number of milliseconds",
                })?,
        };
        Ok(Some(Traces {
            endpoint: None,
            timeout,
        }))
    }

    /// Traces sent to the collector at `base` (such as `http://127.0.0.1:4318`), whatever the
    /// environment says: for tests and embedders.
    pub fn to(base: &str) -> Self {
        Traces {
            endpoint: Some(format!("{}/v1/traces", base.trim_end_matches('/'))),
            timeout: EXPORT_TIMEOUT_DEFAULT,
        }
    }

    /// A tracer provider that batches spans and exports them over OTLP/HTTP on `runtime`.
    /// The resource's `service.name` is `service` unless `OTEL_SERVICE_NAME` says otherwise;
    /// `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER(_ARG)` and `OTEL_BSP_*` are read by the
    /// SDK, `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS` by the exporter.
    pub fn provider(
        &self,
        service: &'static str,
        runtime: tokio::runtime::Handle,
    ) -> Result<SdkTracerProvider> {
        let client = OnRuntime {
            inner: opentelemetry_http::hyper::HyperClient::with_default_connector(
                self.timeout,
                None,
            ),
            runtime,
        };
        let mut exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_http_client(client)
            .with_protocol(Protocol::HttpBinary)
            .with_timeout(self.timeout);
        if let Some(endpoint) = &self.endpoint {
            exporter = exporter.with_endpoint(endpoint);
        }
        let exporter = exporter
            .build()
            .map_err(|e| Error::Exporter(e.to_string()))?;
        let mut resource = Resource::builder();
        if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
            resource = resource.with_service_name(service);
        }
        Ok(SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource.build())
            .build())
    }
}

/// The layer that turns `service`'s own spans (its crate's target, INFO and up) into
/// OpenTelemetry spans of `provider`. Dependencies' spans (kube, hyper, wasmtime) stay out.
pub fn layer<S>(provider: &SdkTracerProvider, service: &'static str) -> impl Layer<S>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    let target = service.replace('-', "_");
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer(service))
        // Source locations and thread ids say nothing to the reader of a run's trace.
        .with_location(false)
        .with_threads(false)
        .with_filter(Targets::new().with_target(target, tracing::Level::INFO))
}

/// What [`init`] sets up.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The service name (`runner-node`); its crate's target is what gets traced.
    pub service: &'static str,
    /// The log filter when `RUST_LOG` is not set.
    pub default_log_filter: &'static str,
    /// One JSON object per log line instead of text.
    pub json: bool,
    /// Whether events of the [`AUDIT_TARGET`] are written, as JSON lines on stdout whatever
    /// the log format and `RUST_LOG` (they never appear among the logs).
    pub audit: bool,
}

/// The target of audit events: `tracing::info!(target: AUDIT_TARGET, ...)`.
pub const AUDIT_TARGET: &str = "audit";

/// Installs the process-wide subscriber: logs on stdout filtered by `RUST_LOG`, and traces
/// when the environment turns them on ([`Traces::from_env`]). Call it inside the tokio
/// runtime; keep the returned handle and [`Telemetry::shutdown`] it before exiting.
pub fn init(options: Options) -> Result<Telemetry> {
    let provider = match Traces::from_env()? {
        None => None,
        Some(traces) => {
            let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
            Some(traces.provider(options.service, runtime)?)
        }
    };
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(options.default_log_filter));
    let not_audit = filter_fn(|meta| meta.target() != AUDIT_TARGET);
    let logs: Box<dyn Layer<Registry> + Send + Sync> = if options.json {
        Box::new(
            tracing_subscriber::fmt::layer()
                .json()
                .with_filter(filter.and(not_audit)),
        )
    } else {
        Box::new(tracing_subscriber::fmt::layer().with_filter(filter.and(not_audit)))
    };
    let audit = options.audit.then(|| {
        tracing_subscriber::fmt::layer()
            .json()
            .with_filter(Targets::new().with_target(AUDIT_TARGET, tracing::Level::INFO))
            .boxed()
    });
    let traces = provider
        .as_ref()
        .map(|provider| layer::<Registry>(provider, options.service).boxed());
    tracing_subscriber::registry()
        .with(
            vec![Some(logs), audit, traces]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>(),
        )
        .try_init()
        .map_err(|e| Error::Subscriber(e.to_string()))?;
    TRACES_ON.store(provider.is_some(), Ordering::Relaxed);
    if provider.is_some() {
        tracing::info!(service = options.service, "exporting traces over OTLP/HTTP");
    }
    Ok(Telemetry { provider })
}

/// The running telemetry of a process.
#[must_use = "shut it down before exiting, or the last spans are lost"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Whether traces are exported.
    pub fn traces_on(&self) -> bool {
        self.provider.is_some()
    }

    /// Exports the spans still buffered and stops the exporter.
    pub async fn shutdown(self) {
        let Some(provider) = self.provider else {
            return;
        };
        // Shutting down blocks until the batch thread has exported, which it does on this
        // runtime: block a blocking-pool thread, not a worker.
        let done = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        if let Ok(Err(error)) = done {
            tracing::warn!(%error, "flushing traces");
        }
    }
}

/// Makes `span` a child of the caller's span named by a W3C `traceparent` header (with its
/// `tracestate`), when traces are on. A missing or malformed header leaves `span` the root of
/// a new trace.
pub fn continue_trace(span: &tracing::Span, traceparent: Option<&str>, tracestate: Option<&str>) {
    if !traces_on() {
        return;
    }
    let Some(traceparent) = traceparent else {
        return;
    };
    let parent = TraceContextPropagator::new().extract(&W3cHeaders {
        traceparent,
        tracestate,
    });
    if parent.span().span_context().is_valid() {
        // Fails only when the span is disabled (filtered out): nothing to attach then.
        let _ = span.set_parent(parent);
    }
}

/// The two trace-context headers of a request.
struct W3cHeaders<'a> {
    traceparent: &'a str,
    tracestate: Option<&'a str>,
}

impl Extractor for W3cHeaders<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            "traceparent" => Some(self.traceparent),
            "tracestate" => self.tracestate,
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        vec!["traceparent", "tracestate"]
    }
}

/// opentelemetry-http's hyper client, driven on the server's runtime: the SDK's batch
/// processor exports from its own thread, which has no tokio reactor for hyper.
#[derive(Debug)]
struct OnRuntime {
    inner: opentelemetry_http::hyper::HyperClient,
    runtime: tokio::runtime::Handle,
}

#[async_trait::async_trait]
impl HttpClient for OnRuntime {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.inner.clone();
        self.runtime
            .spawn(async move { client.send_bytes(request).await })
            .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn traces(vars: &[(&str, &str)]) -> Result<Option<Traces>> {
        Traces::from_vars(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn off_by_default_and_on_with_an_endpoint_or_the_otlp_exporter() {
        assert_eq!(traces(&[]).unwrap(), None);
        let on = traces(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")]).unwrap();
        assert_eq!(on.unwrap().timeout, EXPORT_TIMEOUT_DEFAULT);
        assert!(
            traces(&[(
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "http://c:4318/v1/traces"
            )])
            .unwrap()
            .is_some()
        );
        assert!(
            traces(&[("OTEL_TRACES_EXPORTER", "otlp")])
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn none_and_sdk_disabled_win() {
        let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318");
        assert_eq!(
            traces(&[endpoint, ("OTEL_TRACES_EXPORTER", "none")]).unwrap(),
            None
        );
        assert_eq!(
            traces(&[endpoint, ("OTEL_SDK_DISABLED", "TRUE")]).unwrap(),
            None
        );
        assert_eq!(
            traces(&[("OTEL_EXPORTER_OTLP_ENDPOINT", " ")]).unwrap(),
            None
        );
    }

    #[test]
    fn unsupported_values_name_the_variable() {
        let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318");
        for (vars, var) in [
            (
                vec![("OTEL_TRACES_EXPORTER", "zipkin")],
                "OTEL_TRACES_EXPORTER",
            ),
            (
                vec![endpoint, ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")],
                "OTEL_EXPORTER_OTLP_PROTOCOL",
            ),
            (
                vec![
                    endpoint,
                    ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
                    ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
                ],
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            ),
            (
                vec![endpoint, ("OTEL_EXPORTER_OTLP_TIMEOUT", "10s")],
                "OTEL_EXPORTER_OTLP_TIMEOUT",
            ),
        ] {
            let err = traces(&vars).unwrap_err();
            assert!(err.to_string().starts_with(var), "{err}");
        }
    }

    #[test]
    fn the_traces_timeout_wins_over_the_generic_one() {
        let on = traces(&[
            ("OTEL_TRACES_EXPORTER", "otlp"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2000"),
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "500"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(on.timeout, Duration::from_millis(500));
    }
}
