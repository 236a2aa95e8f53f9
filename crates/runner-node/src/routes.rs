//! HTTP endpoints (warp filters) and the one place where errors become status codes.
//!
//! - `POST /run`, `POST /v1/run`: run a program (see `runner_api::run`);
//! - `GET /`, `GET /health`: `ok` while the process serves (the origin's liveness answer);
//! - `GET /ready`: 200 while runs are accepted, 503 once draining;
//! - `GET /v1/environment`: the runtime, packages and limits (see [`crate::environment`]);
//! - `GET /openapi.json`: this contract as OpenAPI 3.1 (see [`crate::openapi`]).
//!
//! On the admin port ([`admin_routes`]): `GET /metrics` (Prometheus) and `GET /health`.
//!
//! Over 400 lines: every endpoint and the one mapping from errors to status codes, so the whole
//! HTTP surface reads in one file.

use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};
use futures_util::{FutureExt, Stream, StreamExt};
use runner_api::policy::SandboxPolicy;
use runner_api::tenants::TenantsFile;
use runner_api::{
    ErrorBody, ErrorCode, ErrorDetail, Outcome, RunRequest, RunResponse, RunStatus, Status,
};
use tracing::Instrument;
use warp::http::{HeaderValue, Method, StatusCode, header};
use warp::reply::{Reply, Response};
use warp::{Filter, Rejection};

use crate::admission::Admission;
use crate::config::{AuditLog, Config};
use crate::engine::Interpreter;
use crate::live::Live;
use crate::metrics::Metrics;
use crate::plan::RunPlan;
use crate::policy::LivePolicy;
use crate::quotas::{Held, Usage};
use crate::record::Report;
use crate::tenants::Tenants;
use crate::{Error, Result, audit, sandbox, telemetry};

/// Seconds a refused client is told to wait before retrying (503 `Retry-After`).
const RETRY_AFTER_SECS: &str = "1";

/// Called with each decoded run request before it is checked: see [`crate::Server::on_request`].
pub type RequestHook = Arc<dyn Fn(&RunRequest) + Send + Sync>;

/// What every handler shares.
#[derive(Clone)]
pub struct State {
    pub(crate) interpreter: Arc<Interpreter>,
    pub(crate) config: Arc<Config>,
    pub(crate) admission: Admission,
    /// What sandboxes may do: limits, env names, data mounts.
    pub(crate) policy: LivePolicy,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) on_request: Option<RequestHook>,
    /// The tenants whose tokens run endpoints accept, if auth is on.
    pub(crate) tenants: Option<Live<Tenants>>,
    /// What each tenant uses, against its quotas.
    pub(crate) usage: Arc<Usage>,
}

impl State {
    /// State for a loaded interpreter and a validated configuration.
    pub fn new(
        interpreter: Arc<Interpreter>,
        config: Config,
        policy: SandboxPolicy,
        tenants: Option<&TenantsFile>,
        memory_budget_mib: Option<u32>,
    ) -> Self {
        State {
            interpreter,
            admission: Admission::new(
                policy.limits.max_concurrent_runs as usize,
                memory_budget_mib,
            ),
            policy: LivePolicy::new(policy),
            metrics: Arc::new(Metrics::new()),
            on_request: None,
            config: Arc::new(config),
            tenants: tenants.map(|file| Live::new(Tenants::new(file))),
            usage: Arc::default(),
        }
    }

    /// Counts a run of `tenant` against its quotas until the returned hold is dropped.
    fn start_quota(&self, tenant: &Arc<str>) -> Result<Held> {
        let quotas = self
            .tenants
            .as_ref()
            .map(|tenants| tenants.current().quotas(tenant))
            .unwrap_or_default();
        self.usage
            .start(tenant, quotas, Instant::now())
            .map_err(|exceeded| {
                self.metrics
                    .quota_exceeded(&exceeded.tenant, exceeded.quota.as_str());
                Error::QuotaExceeded(exceeded)
            })
    }

    /// Who the `Authorization` header says calls: `Ok(None)` when auth is off, the tenant
    /// when its token is known, `Err` (401) otherwise.
    fn caller(
        &self,
        authorization: Option<&str>,
    ) -> std::result::Result<Option<Arc<str>>, Refusal> {
        let Some(tenants) = &self.tenants else {
            return Ok(None);
        };
        match tenants.current().caller(authorization) {
            Some(tenant) => Ok(Some(tenant)),
            None => Err(Refusal::new(ErrorCode::Unauthorized, UNAUTHORIZED.into())),
        }
    }
}

/// All endpoints, with every rejection turned into a JSON error body.
pub fn routes(state: State) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone {
    // Path before method, so an unknown path is 404 and only a known one can be 405.
    let health_path = warp::path::end().or(warp::path!("health")).unify();
    let get_paths = health_path
        .or(warp::path!("ready"))
        .unify()
        .or(warp::path!("openapi.json"))
        .unify()
        .or(warp::path!("v1" / "environment"))
        .unify();
    let run_path = warp::path!("run").or(warp::path!("v1" / "run")).unify();
    let wrong_method = wrong_method(get_paths, "GET")
        .or(wrong_method(run_path, "POST"))
        .unify();

    let health = health_path.and(warp::get()).map(|| "ok".into_response());

    let ready_state = state.clone();
    let ready = warp::path!("ready").and(warp::get()).map(move || {
        if ready_state.admission.is_draining() {
            error_response(ErrorCode::Draining, "the server is shutting down".into())
        } else {
            "ready".into_response()
        }
    });

    let doc_state = state.clone();
    let openapi = warp::path!("openapi.json").and(warp::get()).map(move || {
        let policy = doc_state.policy.current();
        let doc = crate::openapi::document(&policy, doc_state.tenants.is_some());
        warp::reply::json(&doc).into_response()
    });

    let env_state = state.clone();
    let environment = warp::path!("v1" / "environment")
        .and(warp::get())
        .and(warp::header::optional::<String>(
            header::AUTHORIZATION.as_str(),
        ))
        .map(move |auth: Option<String>| {
            if env_state.caller(auth.as_deref()).is_err() {
                return unauthorized();
            }
            let policy = env_state.policy.current();
            let described = crate::environment::describe(&env_state.interpreter, &policy);
            warp::reply::json(&described).into_response()
        });

    let max_body = state.config.max_body_bytes;
    let body_timeout = state.config.body_read_timeout();
    let run = run_path
        .and(warp::post())
        .and(warp::header::optional::<String>(
            header::AUTHORIZATION.as_str(),
        ))
        .and(warp::header::optional::<String>(
            header::CONTENT_TYPE.as_str(),
        ))
        .and(warp::header::optional::<u64>(
            header::CONTENT_LENGTH.as_str(),
        ))
        .and(warp::header::optional::<String>("traceparent"))
        .and(warp::header::optional::<String>("tracestate"))
        .and(warp::body::stream())
        .and(warp::any().map(move || state.clone()))
        .then(
            move |auth: Option<String>,
                  content_type,
                  length,
                  traceparent: Option<String>,
                  tracestate: Option<String>,
                  body,
                  state: State| {
                let span = telemetry::run_span(traceparent.as_deref(), tracestate.as_deref());
                async move {
                    let answer = async {
                        let tenant = state.caller(auth.as_deref())?;
                        telemetry::record_tenant(tenant.as_deref());
                        let request =
                            read_request(content_type, length, body, max_body, body_timeout)
                                .await?;
                        handle_run(&state, request, tenant)
                            .await
                            .map_err(Refusal::from)
                    };
                    // A bug must cost one request, not the connection's task or the process.
                    let answer = match AssertUnwindSafe(answer).catch_unwind().await {
                        Ok(answer) => answer,
                        Err(panic) => {
                            let panic = panic_message(panic.as_ref());
                            tracing::error!(panic, "a run request handler panicked");
                            Err(Refusal::new(
ErrorCode::Internal,
                            "the server failed on this request (a bug, logged); it keeps serving"
                                .into(),
                        ))
                        }
                    };
                    match answer {
                        Ok(response) => response,
                        Err(refusal) => {
                            state.metrics.rejected(refusal.code);
                            telemetry::record_refusal(refusal.code);
                            refusal.response()
                        }
                    }
                }
                .instrument(span)
            },
        );

    health
        .or(ready)
        .unify()
        .or(openapi)
        .unify()
        .or(environment)
        .unify()
        .or(run)
        .unify()
        .or(wrong_method)
        .unify()
        .recover(rejection)
        .unify()
}

/// What a request without the configured token is told.
const UNAUTHORIZED: &str = "this server requires Authorization: Bearer <token>";

fn unauthorized() -> Response {
    error_response(ErrorCode::Unauthorized, UNAUTHORIZED.into())
}

/// On the paths `path` matches, answers every method but `allowed` with 405 and the `Allow`
/// header RFC 9110 asks for; passes `allowed` on (to the endpoint's own rejection).
fn wrong_method<P>(
    path: P,
    allowed: &'static str,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone
where
    P: Filter<Extract = (), Error = Rejection> + Clone,
{
    path.and(warp::method())
        .and_then(move |method: Method| async move {
            if method.as_str() == allowed {
                return Err(warp::reject::not_found());
            }
            let mut response = error_response(
                ErrorCode::MethodNotAllowed,
                format!("{method} is not allowed on this endpoint; use {allowed}"),
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allowed));
            Ok(response)
        })
}

/// `GET /metrics` and `GET /health`, served on the admin port.
pub fn admin_routes(
    metrics: Arc<Metrics>,
) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone {
    let health = warp::path!("health")
        .and(warp::get())
        .map(|| "ok".into_response());
    let scrape = warp::path!("metrics").and(warp::get()).map(move || {
        let mut response = metrics.render().into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(crate::metrics::CONTENT_TYPE),
        );
        response
    });
    health.or(scrape).unify().recover(rejection).unify()
}

/// The text of a panic payload (`panic!` with a literal or a formatted message).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)")
}

async fn handle_run(
    state: &State,
    request: RunRequest,
    tenant: Option<Arc<str>>,
) -> Result<Response> {
    if let Some(hook) = &state.on_request {
        hook(&request);
    }
    let policy = state.policy.current();
    let plan = RunPlan::new(request, &policy, state.interpreter.snapshot_memory_bytes)?;
    let id = uuid::Uuid::new_v4().to_string();
    telemetry::record_limits(&id, &plan.limits);
    let audit_on = state.config.audit_log != AuditLog::Off;
    // Before admission: a tenant over its quota takes neither a slot nor a place in the queue.
    let _quota = tenant.as_ref().map(|t| state.start_quota(t)).transpose()?;
    let queued = Instant::now();
    let slot = state
        .admission
        .admit(state.config.queue_timeout(), plan.reserved_mib())
        .instrument(telemetry::span(|| tracing::info_span!("admission_wait")))
        .await;
    state.metrics.queue_waited(queued.elapsed());
    let slot = slot?;
    let audit = audit::Pending::start(audit_on, tenant.as_ref(), &id, &plan.code);
    let run = state.metrics.run_started();
    let interpreter = state.interpreter.clone();
    let metrics = state.metrics.clone();
    let tenant_name = tenant.clone();
    let report = slot
        .execute(
            async move { sandbox::run(&interpreter, &policy, plan).await },
            move |cpu| metrics.cpu_used(tenant_name.as_deref(), cpu),
        )
        .await;
    run.finish(report.as_ref().ok());
    match (audit, &report) {
        (Some(audit), Ok(report)) => audit.finish(report),
        (Some(audit), Err(_)) => audit.host_failed(),
        (None, _) => {}
    }
    let report = report?;
    telemetry::record_report(&report);
    tracing::info!(
        run.id = %id,
        tenant = tenant.as_deref(),
        outcome = report.outcome.as_str(),
        exit_code = report.exit_code,
        duration_ms = report.duration.as_secs_f64() * 1e3,
        cpu_ms = report.cpu_time.as_secs_f64() * 1e3,
        peak_memory_bytes = report.peak_memory_bytes,
        "run finished"
    );
    let answer = telemetry::span(|| tracing::info_span!("response"))
        .in_scope(|| warp::reply::json(&response(id, report)).into_response());
    Ok(answer)
}

fn response(id: String, report: Report) -> RunResponse {
    let ok = report.outcome == Outcome::Completed && report.exit_code == Some(0);
    let (files, files_omitted) = match report.files {
        Some(files) => (Some(files.returned), Some(files.omitted)),
        None => (None, None),
    };
    RunResponse {
        res: RunStatus {
            status: if ok { Status::Ok } else { Status::Error },
            output: report.output.output,
        },
        id,
        outcome: report.outcome,
        exit_code: report.exit_code,
        stdout: report.output.stdout,
        stderr: report.output.stderr,
        truncated: report.output.truncated,
        duration_ms: report.duration.as_secs_f64() * 1e3,
        cpu_ms: report.cpu_time.as_secs_f64() * 1e3,
        files,
        files_omitted,
    }
}

// === request body ===

/// Reads at most `max` bytes of body within `timeout` and decodes it as a [`RunRequest`].
async fn read_request<S, B>(
    content_type: Option<String>,
    length: Option<u64>,
    body: S,
    max: u64,
    timeout: Duration,
) -> Result<RunRequest, Refusal>
where
    S: Stream<Item = Result<B, warp::Error>> + Unpin,
    B: Buf,
{
    if let Some(ct) = content_type.as_deref().filter(|ct| !is_json(ct)) {
        return Err(Refusal::new(
            ErrorCode::UnsupportedMediaType,
            format!("Content-Type must be application/json, not {ct:?}"),
        ));
    }
    let too_large = || {
        Refusal::new(
            ErrorCode::PayloadTooLarge,
            format!("request body exceeds {max} bytes"),
        )
    };
    if length.is_some_and(|len| len > max) {
        return Err(too_large());
    }
    let mut body = body;
    let read_all = async {
        let mut bytes = Vec::new();
        while let Some(chunk) = body.next().await {
            let mut chunk = chunk.map_err(|e| {
                Refusal::new(ErrorCode::InvalidRequest, format!("reading body: {e}"))
            })?;
            if bytes.len() as u64 + chunk.remaining() as u64 > max {
                return Err(too_large());
            }
            while chunk.has_remaining() {
                let part: Bytes = chunk.copy_to_bytes(chunk.chunk().len());
                bytes.extend_from_slice(&part);
            }
        }
        Ok(bytes)
    };
    // A client that trickles its body would otherwise hold a connection and a task forever.
    let bytes = tokio::time::timeout(timeout, read_all)
        .await
        .map_err(|_elapsed| {
            Refusal::new(
                ErrorCode::RequestTimeout,
                format!(
                    "the request body took longer than {} ms",
                    timeout.as_millis()
                ),
            )
        })??;
    parse_request(&bytes)
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// Decodes a body, telling malformed JSON, unknown fields and wrong shapes apart.
fn parse_request(bytes: &[u8]) -> Result<RunRequest, Refusal> {
    serde_json::from_slice(bytes).map_err(|err| {
        use serde_json::error::Category;
        let code = match err.classify() {
            Category::Syntax | Category::Eof | Category::Io => ErrorCode::InvalidJson,
            Category::Data if err.to_string().starts_with("unknown field") => {
                ErrorCode::UnknownField
            }
            Category::Data => ErrorCode::InvalidRequest,
        };
        Refusal::new(code, err.to_string())
    })
}

/// A refused run request: the error code, the message the caller reads, and when to retry.
struct Refusal {
    code: ErrorCode,
    message: String,
    /// `Retry-After` when it is not the default of its status.
    retry_after: Option<Duration>,
}

impl Refusal {
    fn new(code: ErrorCode, message: String) -> Self {
        Refusal {
            code,
            message,
            retry_after: None,
        }
    }

    fn response(self) -> Response {
        let mut response = error_response(self.code, self.message);
        if let Some(after) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(after.as_secs()));
        }
        response
    }
}

impl From<Error> for Refusal {
    fn from(err: Error) -> Self {
        let code = error_code(&err);
        if code == ErrorCode::Internal {
            tracing::error!(error = %err, "run failed in the host");
        }
        let retry_after = match &err {
            Error::QuotaExceeded(exceeded) => Some(exceeded.retry_after),
            _ => None,
        };
        Refusal {
            code,
            message: err.to_string(),
            retry_after,
        }
    }
}

// === errors ===

/// The error code each [`Error`] is answered with.
fn error_code(err: &Error) -> ErrorCode {
    match err {
        Error::InvalidRequest(_) => ErrorCode::InvalidRequest,
        Error::LimitExceeded(_) => ErrorCode::LimitExceeded,
        Error::EnvNotAllowed(_) => ErrorCode::EnvNotAllowed,
        Error::Overloaded(_) => ErrorCode::Overloaded,
        Error::QuotaExceeded(_) => ErrorCode::QuotaExceeded,
        // The scratch filesystem is full (runs' files fill it): busy, not broken.
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::StorageFull => {
            ErrorCode::Overloaded
        }
        Error::Draining => ErrorCode::Draining,
        Error::Config(_) | Error::Io { .. } | Error::Wasm { .. } | Error::Snapshot(_) => {
            ErrorCode::Internal
        }
    }
}

fn error_response(code: ErrorCode, message: String) -> Response {
    let body = ErrorBody {
        error: ErrorDetail { code, message },
    };
    let status =
        StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = warp::reply::with_status(warp::reply::json(&body), status).into_response();
    if matches!(code, ErrorCode::RequestTimeout | ErrorCode::PayloadTooLarge) {
        // The rest of the body was not read: the connection cannot carry another request.
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if code == ErrorCode::Unauthorized {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECS),
        );
    }
    response
}

/// Turns warp's routing rejections into the JSON error shape.
async fn rejection(rejection: Rejection) -> Result<Response, Infallible> {
    let (code, message) = if rejection.is_not_found() {
        (ErrorCode::NotFound, "no such endpoint".to_string())
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        (
            ErrorCode::MethodNotAllowed,
            "method not allowed on this endpoint".to_string(),
        )
    } else if let Some(header) = rejection.find::<warp::reject::InvalidHeader>() {
        (
            ErrorCode::InvalidRequest,
            format!("invalid {} header", header.name()),
        )
    } else {
        tracing::error!(?rejection, "unhandled rejection");
        (
            ErrorCode::Internal,
            "unexpected request failure".to_string(),
        )
    };
    Ok(error_response(code, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/vnd.x+json",
        ] {
            assert!(is_json(ok), "{ok}");
        }
        for bad in ["text/plain", "application/x-www-form-urlencoded", ""] {
            assert!(!is_json(bad), "{bad}");
        }
    }

    #[test]
    fn body_errors_are_told_apart() {
        let code = |body: &str| parse_request(body.as_bytes()).err().map(|e| e.code);
        assert_eq!(code("{"), Some(ErrorCode::InvalidJson));
        assert_eq!(code(""), Some(ErrorCode::InvalidJson));
        assert_eq!(code("{}"), Some(ErrorCode::InvalidRequest));
        assert_eq!(code(r#"{"code": 1}"#), Some(ErrorCode::InvalidRequest));
        assert_eq!(
            code(r#"{"code": "", "x": 1}"#),
            Some(ErrorCode::UnknownField)
        );
        assert_eq!(code(r#"{"code": "print(1)"}"#), None);
    }
}
