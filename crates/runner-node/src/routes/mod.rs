//! HTTP endpoints (warp filters) and the one place where errors become status codes.
//!
//! - `POST /run`, `POST /v1/run`: run a program (see `runner_api::run`);
//! - `GET /`, `GET /health`: `ok` while the process serves (the origin's liveness answer);
//! - `GET /ready`: 200 while runs are accepted, 503 once draining;
//! - `GET /v1/environment`: the runtime, packages and limits (see [`crate::environment`]);
//! - `GET /openapi.json`: this contract as OpenAPI 3.1 (see [`crate::openapi`]);
//! - `/v1/sessions...`: sessions, in [`sessions`].
//!
//! On the admin port ([`admin_routes`]): `GET /metrics` (Prometheus) and `GET /health`.
//!
//! Over 400 lines: every endpoint but the sessions', the request plumbing they share and the one
//! mapping from errors to status codes, so the HTTP surface reads in two files.

mod sessions;

use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};
use futures_util::{FutureExt, Stream, StreamExt};
use runner_api::policy::SandboxPolicy;
use runner_api::tenants::{Quotas, TenantsFile};
use runner_api::{
    ErrorBody, ErrorCode, ErrorDetail, Outcome, RunRequest, RunResponse, RunStatus, Status,
    StreamEvent,
};
use tracing::Instrument;
use warp::http::{HeaderValue, Method, StatusCode, header};
use warp::reply::{Reply, Response};
use warp::{Filter, Rejection};

use crate::admission::{Admission, Slot};
use crate::capture::{Lines, event_line};
use crate::config::{AuditLog, Config};
use crate::engine::Interpreter;
use crate::live::Live;
use crate::metrics::{Metrics, RunGuard};
use crate::plan::RunPlan;
use crate::policy::LivePolicy;
use crate::quotas::{Exceeded, Held, Usage};
use crate::record::Report;
use crate::session::{self, Sessions};
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
    /// Interpreters kept between runs.
    pub(crate) sessions: Sessions,
    /// This runner's base URL for session urls (`--advertise-url`, `--advertise-ip`), if set.
    pub(crate) advertised: Option<String>,
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
        let metrics = Arc::new(Metrics::new());
        let sessions = Sessions::new(
            session::Settings {
                max_sessions: config.max_sessions as usize,
                idle_timeout: Duration::from_secs(config.session_idle_timeout_s),
                max_idle_timeout: Duration::from_secs(config.max_session_idle_timeout_s),
                lifetime: Duration::from_secs(config.session_lifetime_s),
                audit: config.audit_log != AuditLog::Off,
            },
            metrics.clone(),
        );
        State {
            interpreter,
            admission: Admission::new(
                policy.limits.max_concurrent_runs as usize,
                memory_budget_mib,
            ),
            policy: LivePolicy::new(policy),
            metrics,
            on_request: None,
            config: Arc::new(config),
            tenants: tenants.map(|file| Live::new(Tenants::new(file))),
            usage: Arc::default(),
            sessions,
            advertised: None,
        }
    }

    /// Counts a run of `tenant` against its quotas until the returned hold is dropped.
    pub(crate) fn start_quota(&self, tenant: &Arc<str>) -> Result<Held> {
        self.usage
            .start(tenant, self.quotas(tenant), Instant::now())
            .map_err(|exceeded| self.over_quota(exceeded))
    }

    /// Refuses a new session of `tenant` over its `sessions` quota.
    pub(crate) fn check_session_quota(&self, tenant: &Arc<str>) -> Result<()> {
        let live = self.sessions.count_of(tenant);
        crate::quotas::sessions(tenant, &self.quotas(tenant), live)
            .map_err(|exceeded| self.over_quota(exceeded))
    }

    /// `tenant`'s quotas in the tenants file in force (none when auth is off).
    fn quotas(&self, tenant: &str) -> Quotas {
        self.tenants
            .as_ref()
            .map(|tenants| tenants.current().quotas(tenant))
            .unwrap_or_default()
    }

    /// The 429 of a request over a quota, counted.
    fn over_quota(&self, exceeded: Exceeded) -> Error {
        self.metrics
            .quota_exceeded(&exceeded.tenant, exceeded.quota.as_str());
        Error::QuotaExceeded(exceeded)
    }

    /// Who the `Authorization` header says calls: `Ok(None)` when auth is off, the tenant
    /// when its token is known, `Err` (401) otherwise.
    pub(crate) fn caller(
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
    let wrong_method = wrong_method(get_paths, &["GET"])
        .or(wrong_method(run_path, &["POST"]))
        .unify()
        .or(sessions::wrong_methods())
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
            let described =
                crate::environment::describe(&env_state.interpreter, &policy, &env_state.config);
            warp::reply::json(&described).into_response()
        });

    let max_body = state.config.max_body_bytes;
    let body_timeout = state.config.body_read_timeout();
    let metrics = state.metrics.clone();
    let run_state = state.clone();
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
        .and(warp::header::optional::<String>(header::ACCEPT.as_str()))
        .and(warp::body::stream())
        .and(warp::any().map(move || run_state.clone()))
        .then(
            move |auth: Option<String>,
                  content_type,
                  length,
                  traceparent: Option<String>,
                  tracestate: Option<String>,
                  accept: Option<String>,
                  body,
                  state: State| {
                let span = telemetry::run_span(traceparent.as_deref(), tracestate.as_deref());
                let answer = async move {
                    let tenant = state.caller(auth.as_deref())?;
                    telemetry::record_tenant(tenant.as_deref());
                    let bytes =
                        read_body(content_type, length, body, max_body, body_timeout).await?;
                    let request = parse_json(&bytes)?;
                    let stream = wants_stream(accept.as_deref());
                    handle_run(&state, request, tenant, stream)
                        .await
                        .map_err(Refusal::from)
                };
                respond(metrics.clone(), answer).instrument(span)
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
        .or(sessions::routes(state))
        .unify()
        .or(wrong_method)
        .unify()
        .recover(rejection)
        .unify()
}

/// What a request without the configured token is told.
const UNAUTHORIZED: &str = "this server requires Authorization: Bearer <token>";

pub(crate) fn unauthorized() -> Response {
    error_response(ErrorCode::Unauthorized, UNAUTHORIZED.into())
}

/// On the paths `path` matches, answers every method but the `allowed` ones with 405 and the
/// `Allow` header RFC 9110 asks for; passes `allowed` on (to the endpoint's own rejection).
pub(crate) fn wrong_method<P>(
    path: P,
    allowed: &'static [&'static str],
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone
where
    P: Filter<Extract = (), Error = Rejection> + Clone,
{
    path.and(warp::method())
        .and_then(move |method: Method| async move {
            if allowed.contains(&method.as_str()) {
                return Err(warp::reject::not_found());
            }
            let listed = allowed.join(", ");
            let mut response = error_response(
                ErrorCode::MethodNotAllowed,
                format!("{method} is not allowed on this endpoint; use {listed}"),
            );
            if let Ok(value) = HeaderValue::from_str(&listed) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            Ok(response)
        })
}

/// What a request the server failed on is told.
const BUG: &str = "the server failed on this request (a bug, logged); it keeps serving";

/// Awaits a handler's answer; a refusal becomes its JSON error (counted), and a panic costs
/// this one request a 500, not the connection's task or the process.
pub(crate) async fn respond(
    metrics: Arc<Metrics>,
    answer: impl Future<Output = Result<Response, Refusal>>,
) -> Response {
    let answer = match AssertUnwindSafe(answer).catch_unwind().await {
        Ok(answer) => answer,
        Err(panic) => {
            let panic = panic_message(panic.as_ref());
            tracing::error!(panic, "a request handler panicked");
            Err(Refusal::new(ErrorCode::Internal, BUG.into()))
        }
    };
    match answer {
        Ok(response) => response,
        Err(refusal) => {
            metrics.rejected(refusal.code);
            telemetry::record_refusal(refusal.code);
            refusal.response()
        }
    }
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
    stream: bool,
) -> Result<Response> {
    if let Some(hook) = &state.on_request {
        hook(&request);
    }
    let policy = state.policy.current();
    let plan = RunPlan::new(request, &policy, state.interpreter.snapshot_memory_bytes)?;
    let id = uuid::Uuid::new_v4().to_string();
    telemetry::record_limits(&id, &plan.limits);
    // Before admission: a tenant over its quota takes neither a slot nor a place in the queue.
    let quota = tenant.as_ref().map(|t| state.start_quota(t)).transpose()?;
    let slot = admit(state, plan.reserved_mib()).await?;
    let admitted = Admitted::start(state, &id, tenant.as_ref(), &plan.code);
    let streaming = stream.then(Streaming::new);
    let lines = streaming.as_ref().map(Streaming::lines);
    let interpreter = state.interpreter.clone();
    let answer = async move {
        let _quota = quota;
        let report = slot
            .execute(
                async move { sandbox::run(&interpreter, &policy, plan, lines).await },
                admitted.cpu_counter(),
            )
            .await;
        let report = admitted.finish(report)?;
        Ok(response(id, report, None))
    };
    deliver(answer, streaming).await
}

/// Waits for a run slot (and `reserve_mib` of the memory budget), timing the wait.
pub(crate) async fn admit(state: &State, reserve_mib: u32) -> Result<Slot> {
    let queued = Instant::now();
    let slot = state
        .admission
        .admit(state.config.queue_timeout(), reserve_mib)
        .instrument(telemetry::span(|| tracing::info_span!("admission_wait")))
        .await;
    state.metrics.queue_waited(queued.elapsed());
    slot
}

/// The answer of an admitted run: its JSON once it ends, or, when `streaming`, at once a stream
/// of its output events that ends with its result.
pub(crate) async fn deliver(
    answer: impl Future<Output = Result<RunResponse>> + Send + 'static,
    streaming: Option<Streaming>,
) -> Result<Response> {
    match streaming {
        None => Ok(json_answer(&answer.await?)),
        Some(streaming) => Ok(streaming.respond(answer)),
    }
}

/// Whether `Accept` asks for a streamed answer (`application/x-ndjson`).
pub(crate) fn wants_stream(accept: Option<&str>) -> bool {
    accept.is_some_and(|accept| {
        accept.split(',').any(|range| {
            let mut params = range.split(';');
            let essence = params.next().unwrap_or_default().trim();
            let refused = params.any(|p| {
                let p = p.trim();
                p.strip_prefix("q=")
                    .is_some_and(|q| q.trim().parse::<f32>() == Ok(0.0))
            });
            essence.eq_ignore_ascii_case(NDJSON) && !refused
        })
    })
}

/// The media type of streamed answers.
const NDJSON: &str = "application/x-ndjson";

/// A streamed answer being made: the run's output lines and, last, its result.
pub(crate) struct Streaming {
    lines: Lines,
    read: tokio::sync::mpsc::UnboundedReceiver<Bytes>,
}

impl Streaming {
    pub(crate) fn new() -> Self {
        let (lines, read) = tokio::sync::mpsc::unbounded_channel();
        Streaming { lines, read }
    }

    /// Where the run's capture sends its output.
    pub(crate) fn lines(&self) -> Lines {
        self.lines.clone()
    }

    /// Drives `answer` on a task of its own and answers at once with the stream: its output as
    /// it comes, then its result (or the error that failed it). A caller that leaves closes the
    /// stream, which drops `answer` and so cancels the run, as for a buffered answer.
    fn respond(
        self,
        answer: impl Future<Output = Result<RunResponse>> + Send + 'static,
    ) -> Response {
        let Streaming { lines, mut read } = self;
        let driven = async move {
            // A bug must end this stream with an error line, as a buffered answer gets a 500.
            let answer = AssertUnwindSafe(answer).catch_unwind();
            tokio::select! {
                biased;
                () = lines.closed() => {}
                answer = answer => {
                    let refusal = match answer {
                        Ok(Ok(response)) => {
                            let _ = lines.send(event_line(&StreamEvent::Result(response)));
                            return;
                        }
                        Ok(Err(err)) => Refusal::from(err),
                        Err(panic) => {
                            let panic = panic_message(panic.as_ref());
                            tracing::error!(panic, "a streamed run panicked");
                            Refusal::new(ErrorCode::Internal, BUG.into())
                        }
                    };
                    let error = ErrorDetail {
                        code: refusal.code,
                        message: refusal.message,
                    };
                    let _ = lines.send(event_line(&StreamEvent::Error { error }));
                }
            }
        };
        tokio::spawn(driven.in_current_span());
        let body = futures_util::stream::poll_fn(move |cx| {
            read.poll_recv(cx).map(|line| line.map(Ok::<_, Infallible>))
        });
        let mut response = warp::reply::stream(body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(NDJSON));
        response
    }
}

/// What every admitted run does around its execution, a plain run or a session's: the metrics,
/// the audit event and the `run finished` log line.
pub(crate) struct Admitted {
    metrics: Arc<Metrics>,
    id: String,
    tenant: Option<Arc<str>>,
    audit: Option<audit::Pending>,
    counted: RunGuard,
}

impl Admitted {
    /// A run `id` of `tenant` starts executing `code`.
    pub(crate) fn start(state: &State, id: &str, tenant: Option<&Arc<str>>, code: &str) -> Self {
        let audit_on = state.config.audit_log != AuditLog::Off;
        Admitted {
            metrics: state.metrics.clone(),
            id: id.to_string(),
            tenant: tenant.cloned(),
            audit: audit::Pending::start(audit_on, tenant, id, code),
            counted: state.metrics.run_started(),
        }
    }

    /// Tells the metrics the CPU time the run's thread spent on it, whenever it ends.
    pub(crate) fn cpu_counter(&self) -> impl FnOnce(Duration) + Send + 'static {
        let metrics = self.metrics.clone();
        let tenant = self.tenant.clone();
        move |cpu| metrics.cpu_used(tenant.as_deref(), cpu)
    }

    /// Records how the run ended.
    pub(crate) fn finish(self, report: Result<Report>) -> Result<Report> {
        self.counted.finish(report.as_ref().ok());
        match (self.audit, &report) {
            (Some(audit), Ok(report)) => audit.finish(report),
            (Some(audit), Err(err)) if error_code(err) == ErrorCode::Internal => {
                audit.host_failed()
            }
            (Some(audit), Err(_)) => audit.refused(),
            (None, _) => {}
        }
        let report = report?;
        telemetry::record_report(&report);
        tracing::info!(
            run.id = %self.id,
            tenant = self.tenant.as_deref(),
            outcome = report.outcome.as_str(),
            exit_code = report.exit_code,
            duration_ms = report.duration.as_secs_f64() * 1e3,
            cpu_ms = report.cpu_time.as_secs_f64() * 1e3,
            peak_memory_bytes = report.peak_memory_bytes,
            "run finished"
        );
        Ok(report)
    }
}

/// Serialises an answer (in the `response` span).
pub(crate) fn json_answer(body: &impl serde::Serialize) -> Response {
    telemetry::span(|| tracing::info_span!("response"))
        .in_scope(|| warp::reply::json(body).into_response())
}

pub(crate) fn response(id: String, report: Report, session_ended: Option<String>) -> RunResponse {
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
        session_ended,
    }
}

// === request body ===

/// Reads at most `max` bytes of a JSON body within `timeout`.
pub(crate) async fn read_body<S, B>(
    content_type: Option<String>,
    length: Option<u64>,
    body: S,
    max: u64,
    timeout: Duration,
) -> Result<Vec<u8>, Refusal>
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
    Ok(bytes)
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
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Refusal> {
    let parsed = serde_json::from_slice(bytes);
    // serde also reads a struct from an array of its fields: a request is an object only.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if parsed.is_ok() && first != Some(&b'{') {
        return Err(Refusal::new(
            ErrorCode::InvalidRequest,
            "the body must be a JSON object".into(),
        ));
    }
    parsed.map_err(|err| {
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

/// A refused request: the error code, the message the caller reads, and when to retry.
pub(crate) struct Refusal {
    pub(crate) code: ErrorCode,
    message: String,
    /// `Retry-After` when it is not the default of its status.
    retry_after: Option<Duration>,
}

impl Refusal {
    pub(crate) fn new(code: ErrorCode, message: String) -> Self {
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
        Error::SessionNotFound(_) => ErrorCode::SessionNotFound,
        Error::SessionBusy(_) => ErrorCode::SessionBusy,
        Error::SessionsOff => ErrorCode::NotFound,
        Error::Config(_) | Error::Io { .. } | Error::Wasm { .. } | Error::Snapshot(_) => {
            ErrorCode::Internal
        }
    }
}

pub(crate) fn error_response(code: ErrorCode, message: String) -> Response {
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
    fn only_an_accepted_ndjson_streams() {
        for yes in [
            "application/x-ndjson",
            "application/json, Application/X-NDJSON;q=0.5",
        ] {
            assert!(wants_stream(Some(yes)), "{yes}");
        }
        for no in ["application/json", "*/*", "application/x-ndjson;q=0", ""] {
            assert!(!wants_stream(Some(no)), "{no}");
        }
        assert!(!wants_stream(None));
    }

    #[test]
    fn body_errors_are_told_apart() {
        let code = |body: &str| {
            parse_json::<RunRequest>(body.as_bytes())
                .err()
                .map(|e| e.code)
        };
        assert_eq!(code("{"), Some(ErrorCode::InvalidJson));
        assert_eq!(code(""), Some(ErrorCode::InvalidJson));
        assert_eq!(code("{}"), Some(ErrorCode::InvalidRequest));
        assert_eq!(code(r#"{"code": 1}"#), Some(ErrorCode::InvalidRequest));
        assert_eq!(
            code(r#"{"code": "", "x": 1}"#),
            Some(ErrorCode::UnknownField)
        );
        assert_eq!(code(r#"{"code": "print(1)"}"#), None);
        assert_eq!(code(r#"["print(1)"]"#), Some(ErrorCode::InvalidRequest));
    }
}
