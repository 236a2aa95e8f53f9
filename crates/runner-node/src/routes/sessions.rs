//! The session endpoints (see [`crate::session`] and runner-api's `session`):
//!
//! - `POST /v1/sessions`: start one (201, its description, `Location`);
//! - `GET /v1/sessions/{id}`: describe it;
//! - `DELETE /v1/sessions/{id}`: end it (204);
//! - `POST /v1/sessions/{id}/run`: run a program in it (a run's answer).
//!
//! Auth, body limits, admission and errors are the run endpoint's ([`super`]).

use std::pin::Pin;
use std::sync::Arc;

use bytes::Buf;
use futures_util::Stream;
use runner_api::RunRequest;
use runner_api::session::SessionRequest;
use tracing::Instrument;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::{Reply, Response};
use warp::{Filter, Rejection};

use super::{
    Admitted, Refusal, State, Streaming, admit, deliver, json_answer, parse_json, read_body,
    respond, response, wants_stream, wrong_method,
};
use crate::plan::{RunPlan, SessionPlan};
use crate::session::{Live, Session};
use crate::{Result, telemetry};

/// The session endpoints.
pub(crate) fn routes(
    state: State,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let create = warp::path!("v1" / "sessions")
        .and(warp::post())
        .and(request(state.clone()))
        .then(|mut request: Request| {
            let metrics = request.state.metrics.clone();
            let answer = async move {
                let tenant = request.tenant()?;
                let bytes = request.body().await?;
                let asked = if bytes.is_empty() {
                    SessionRequest::default()
                } else {
                    parse_json(&bytes)?
                };
                let base = request.base_url();
                create_session(&request.state, asked, tenant, &base)
                    .await
                    .map_err(Refusal::from)
            };
            respond(metrics, answer)
        });

    let describe_state = state.clone();
    let describe = warp::path!("v1" / "sessions" / String)
        .and(warp::get())
        .and(request(describe_state))
        .then(|id: String, request: Request| {
            let metrics = request.state.metrics.clone();
            let answer = async move {
                let tenant = request.tenant()?;
                let session = request.state.sessions.get(&id, tenant.as_deref())?;
                Ok(describe(&request.state, &session, &request.base_url()))
            };
            respond(metrics, answer)
        });

    let delete = warp::path!("v1" / "sessions" / String)
        .and(warp::delete())
        .and(request(state.clone()))
        .then(|id: String, request: Request| {
            let metrics = request.state.metrics.clone();
            let answer = async move {
                let tenant = request.tenant()?;
                request.state.sessions.delete(&id, tenant.as_deref())?;
                Ok(StatusCode::NO_CONTENT.into_response())
            };
            respond(metrics, answer)
        });

    let run = warp::path!("v1" / "sessions" / String / "run")
        .and(warp::post())
        .and(warp::header::optional::<String>("traceparent"))
        .and(warp::header::optional::<String>("tracestate"))
        .and(warp::header::optional::<String>(header::ACCEPT.as_str()))
        .and(request(state))
        .then(
            |id: String,
             traceparent: Option<String>,
             tracestate: Option<String>,
             accept: Option<String>,
             mut request: Request| {
                let span = telemetry::run_span(traceparent.as_deref(), tracestate.as_deref());
                let metrics = request.state.metrics.clone();
                let answer = async move {
                    let tenant = request.tenant()?;
                    telemetry::record_tenant(tenant.as_deref());
                    let asked: RunRequest = parse_json(&request.body().await?)?;
                    let stream = wants_stream(accept.as_deref());
                    run_in_session(&request.state, &id, asked, tenant, stream)
                        .await
                        .map_err(Refusal::from)
                };
                respond(metrics, answer).instrument(span)
            },
        );

    create
        .or(describe)
        .unify()
        .or(delete)
        .unify()
        .or(run)
        .unify()
}

/// 405 with `Allow` on the session paths.
pub(crate) fn wrong_methods() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let one = warp::path!("v1" / "sessions" / String)
        .map(|_| ())
        .untuple_one();
    let run = warp::path!("v1" / "sessions" / String / "run")
        .map(|_| ())
        .untuple_one();
    wrong_method(warp::path!("v1" / "sessions"), &["POST"])
        .or(wrong_method(one, &["GET", "DELETE"]))
        .unify()
        .or(wrong_method(run, &["POST"]))
        .unify()
}

/// A request's body as warp gives it.
type BodyStream = Pin<Box<dyn Stream<Item = Result<Box<dyn Buf + Send>, warp::Error>> + Send>>;

/// `body`, its type named.
fn boxed<S, B>(body: S) -> BodyStream
where
    S: Stream<Item = Result<B, warp::Error>> + Send + 'static,
    B: Buf + Send + 'static,
{
    use futures_util::StreamExt;
    Box::pin(body.map(|chunk| chunk.map(|buf| Box::new(buf) as Box<dyn Buf + Send>)))
}

/// What a session request carries besides its path.
struct Request {
    state: State,
    authorization: Option<String>,
    host: Option<String>,
    content_type: Option<String>,
    length: Option<u64>,
    body: BodyStream,
}

fn request(state: State) -> impl Filter<Extract = (Request,), Error = Rejection> + Clone {
    warp::header::optional::<String>(header::AUTHORIZATION.as_str())
        .and(warp::header::optional::<String>(header::HOST.as_str()))
        .and(warp::header::optional::<String>(
            header::CONTENT_TYPE.as_str(),
        ))
        .and(warp::header::optional::<u64>(
            header::CONTENT_LENGTH.as_str(),
        ))
        .and(warp::body::stream())
        .map(
            move |authorization, host, content_type, length, body| Request {
                state: state.clone(),
                authorization,
                host,
                content_type,
                length,
                body: boxed(body),
            },
        )
}

impl Request {
    /// The caller's tenant (`None` when auth is off), or 401.
    fn tenant(&self) -> Result<Option<Arc<str>>, Refusal> {
        self.state.caller(self.authorization.as_deref())
    }

    /// The whole body, within the server's size and time limits.
    async fn body(&mut self) -> Result<Vec<u8>, Refusal> {
        let config = self.state.config.clone();
        read_body(
            self.content_type.take(),
            self.length,
            &mut self.body,
            config.max_body_bytes,
            config.body_read_timeout(),
        )
        .await
    }

    /// Where this runner is reached: `--advertise-url` or `--advertise-ip`, else the `Host`
    /// the request was sent to (when it is a plain host name or address), else the listen
    /// address.
    fn base_url(&self) -> String {
        if let Some(base) = &self.state.advertised {
            return base.clone();
        }
        match self.host.as_deref().filter(|host| is_host(host)) {
            Some(host) => format!("http://{host}"),
            None => format!("http://{}", self.state.config.listen_addr()),
        }
    }
}

/// A `Host` header worth echoing: a name or address, with an optional port.
fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

/// The URL of `session` under `base`.
fn session_url(base: &str, session: &Session) -> String {
    format!("{base}/v1/sessions/{}", session.id())
}

fn describe(state: &State, session: &Session, base: &str) -> Response {
    let info = session.info(
        session_url(base, session),
        state.sessions.settings().lifetime,
    );
    json_answer(&info)
}

async fn create_session(
    state: &State,
    asked: SessionRequest,
    tenant: Option<Arc<str>>,
    base: &str,
) -> Result<Response> {
    let policy = state.policy.current();
    let plan = SessionPlan::new(asked, &policy, state.interpreter.snapshot_memory_bytes)?;
    let idle_timeout = state.sessions.idle_timeout(plan.idle_timeout_s)?;
    if let Some(tenant) = &tenant {
        state.check_session_quota(tenant)?;
    }
    let place = state.sessions.place()?;
    let memory_mb = (plan.memory_bytes >> 20) as u64;
    let mut slot = admit(state, plan.reserved_mib()).await?;
    let reserved = slot.keep_memory();
    let interpreter = state.interpreter.clone();
    let metrics = state.metrics.clone();
    let counted_tenant = tenant.clone();
    let live = slot
        .execute(
            async move { Live::start(&interpreter, &policy, plan, reserved).await },
            move |cpu| metrics.cpu_used(counted_tenant.as_deref(), cpu),
        )
        .await?;
    let session = state
        .sessions
        .insert(place, tenant.clone(), idle_timeout, memory_mb, live);
    tracing::info!(
        session.id = session.id(),
        tenant = tenant.as_deref(),
        memory_mb,
        idle_timeout_s = idle_timeout.as_secs(),
        "session started"
    );
    let mut answer = describe(state, &session, base);
    *answer.status_mut() = StatusCode::CREATED;
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/sessions/{}", session.id())) {
        answer.headers_mut().insert(header::LOCATION, location);
    }
    Ok(answer)
}

async fn run_in_session(
    state: &State,
    id: &str,
    asked: RunRequest,
    tenant: Option<Arc<str>>,
    stream: bool,
) -> Result<Response> {
    let session = state.sessions.get(id, tenant.as_deref())?;
    if let Some(hook) = &state.on_request {
        hook(&asked);
    }
    let policy = state.policy.current();
    let plan = RunPlan::in_session(asked, &policy, session.memory_bytes_limit())?;
    let run_id = uuid::Uuid::new_v4().to_string();
    telemetry::record_limits(&run_id, &plan.limits);
    let quota = tenant.as_ref().map(|t| state.start_quota(t)).transpose()?;
    let mut borrowed = state.sessions.borrow(session)?;
    let slot = admit(state, plan.session_reserved_mib()).await?;
    let admitted = Admitted::start(state, &run_id, tenant.as_ref(), &plan.code);
    let streaming = stream.then(Streaming::new);
    let lines = streaming.as_ref().map(Streaming::lines);
    let mut live = borrowed.take();
    let answer = async move {
        let _quota = quota;
        let (live, ran) = slot
            .execute(
                async move {
                    let ran = live.run(plan, lines).await;
                    (live, ran)
                },
                admitted.cpu_counter(),
            )
            .await;
        let (report, ended) = match ran {
            Ok((report, stopped)) => (Ok(report), borrowed.give_back(live, stopped)),
            Err(err) => {
                // The host failed around the program (before it: a file the request names is
                // blocked): the interpreter is as the last run left it; the session goes on.
                borrowed.put_back(live);
                (Err(err), None)
            }
        };
        if let Some(why) = &ended {
            tracing::info!(run.id = %run_id, why = why.as_str(), "a run ended its session");
        }
        let report = admitted.finish(report)?;
        Ok(response(run_id, report, ended))
    };
    deliver(answer, streaming).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_hosts_are_echoed_into_urls() {
        for ok in ["localhost:3000", "10.0.0.7", "[::1]:3000", "runner.ns.svc"] {
            assert!(is_host(ok), "{ok}");
        }
        for bad in ["", "a/b", "h\"x", "h x", "user@h"] {
            assert!(!is_host(bad), "{bad}");
        }
    }
}
