//! `runner-node probe`: one HTTP request to a runner, for Kubernetes exec probes and for
//! `helm test`.
//!
//! The runner image is FROM scratch (no shell, no curl), and a sidecar runner listens on
//! `127.0.0.1` inside its pod, where the kubelet's `httpGet` probes (sent from the node to the
//! pod IP) never arrive. An exec probe runs inside the container's own network namespace, so
//! `runner-node probe --port P --path /ready` reaches the loopback listener. With `--code`, it
//! runs a program instead (`POST /run`), so the chart's `helm test` pod, which has no other
//! tool, can check that a pool's Service really runs Python:
//! `runner-node probe --host default.apps.svc --code 'print(6 * 7)' --expect-output '42\n'`.
//! It exits 0 on success and 1 otherwise, printing one line that says why; the whole exchange
//! (connect, request, answer) is bounded by `--timeout-ms`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use runner_api::run::{ErrorBody, RunRequest, RunResponse, Status};
use tokio::net::TcpStream;

/// Default of `--timeout-ms`, and its largest value: runner-api's pod contract, which the
/// operator's probes are built from.
pub use runner_api::pod::{
    PROBE_DEFAULT_TIMEOUT_MS as DEFAULT_TIMEOUT_MS, PROBE_MAX_TIMEOUT_MS as MAX_TIMEOUT_MS,
};

/// The largest answer the probe reads; a run's answer to a probe's program is a few hundred
/// bytes.
pub const MAX_ANSWER_BYTES: usize = 1 << 20;

/// `runner-node probe`: where to send the request, and what to ask.
#[derive(Clone, Debug, clap::Args)]
pub struct ProbeArgs {
    /// Host of the runner: an address (loopback by default: an exec probe runs beside it) or a
    /// DNS name, such as a pool's Service.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,

    /// Port of the runner; the server's own `RUNNER_PORT` when set, as in its container.
    #[arg(long, env = "RUNNER_PORT", default_value_t = 3000)]
    pub port: u16,

    /// Path to GET: `/ready` (accepting runs) or `/health` (the process serves).
    #[arg(long, default_value = "/ready", conflicts_with = "code")]
    pub path: String,

    /// Run this Python program (`POST /run`) instead of a GET: passes when the run ends with
    /// exit code 0 (`res.status` `Ok`).
    #[arg(long)]
    pub code: Option<String>,

    /// With `--code`: the run's output (stdout and stderr, `res.output`) must be exactly this.
    #[arg(long, requires = "code")]
    pub expect_output: Option<String>,

    /// With `--code`: send the bearer token held in this file (a runner with auth on).
    #[arg(long, requires = "code")]
    pub token_file: Option<PathBuf>,

    /// Give up after this many milliseconds (1 to 60000).
    #[arg(
        long,
        default_value_t = DEFAULT_TIMEOUT_MS,
        value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_MS)
    )]
    pub timeout_ms: u64,
}

/// `runner-node probe ...` alone. The server's own arguments require `--python-dir`, which a
/// probe has no use for (and a container without `RUNNER_PYTHON_DIR` would lack), so `main`
/// parses a probe with this before anything else.
#[derive(Debug, Parser)]
#[command(name = "runner-node")]
struct ProbeCli {
    #[command(subcommand)]
    command: ProbeCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ProbeCommand {
    Probe(ProbeArgs),
}

/// The probe's arguments when `args` (a full command line, program name first) is
/// `runner-node probe ...`; `None` for any other command line; `Some(Err)` with clap's usage
/// error for a probe with bad flags.
pub fn from_args<I, T>(args: I) -> Option<Result<ProbeArgs, clap::Error>>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    if args.get(1).is_none_or(|first| first != "probe") {
        return None;
    }
    Some(ProbeCli::try_parse_from(args).map(|cli| {
        let ProbeCommand::Probe(args) = cli.command;
        args
    }))
}

impl ProbeArgs {
    /// `host:port`, an IPv6 address in brackets: the `Host` header and the URL's authority.
    fn authority(&self) -> String {
        match self.host.parse::<IpAddr>() {
            Ok(IpAddr::V6(v6)) => format!("[{v6}]:{}", self.port),
            _ => format!("{}:{}", self.host, self.port),
        }
    }

    fn method_and_path(&self) -> (Method, &str) {
        match self.code {
            Some(_) => (Method::POST, "/run"),
            None => (Method::GET, &self.path),
        }
    }

    /// The request, as the probe's messages name it: `GET http://127.0.0.1:3000/ready`.
    pub fn target(&self) -> String {
        let (method, path) = self.method_and_path();
        format!("{method} http://{}{path}", self.authority())
    }
}

/// Sends the request: `Ok` with one line saying what passed, else `Err` with one line saying
/// what happened (refused, timed out, the status, how the run ended).
pub async fn probe(args: &ProbeArgs) -> Result<String, String> {
    let target = args.target();
    if args.code.is_none() && !args.path.starts_with('/') {
        return Err(format!(
            "--path {:?} must start with '/' (such as /ready)",
            args.path
        ));
    }
    let request = request(args).map_err(|reason| format!("{target}: {reason}"))?;
    let timeout = Duration::from_millis(args.timeout_ms);
    let (status, body) = match tokio::time::timeout(timeout, exchange(args, request)).await {
        Err(_) => return Err(format!("{target}: no answer within {} ms", args.timeout_ms)),
        Ok(answer) => answer.map_err(|reason| format!("{target}: {reason}"))?,
    };
    let verdict = match args.code {
        None if status.is_success() => Ok(String::new()),
        None => Err(String::new()),
        Some(_) => judge_run(args, status, &body),
    };
    verdict
        .map(|detail| format!("{target}: {status}{detail}"))
        .map_err(|detail| format!("{target}: {status}{detail}"))
}

fn request(args: &ProbeArgs) -> Result<Request<Full<Bytes>>, String> {
    let (method, path) = args.method_and_path();
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, args.authority())
        .header(hyper::header::USER_AGENT, "runner-node-probe");
    let body = match &args.code {
        None => Bytes::new(),
        Some(code) => {
            request = request.header(hyper::header::CONTENT_TYPE, "application/json");
            if let Some(path) = &args.token_file {
                let token = std::fs::read_to_string(path)
                    .map_err(|e| format!("reading --token-file {}: {e}", path.display()))?;
                request = request.header(
                    hyper::header::AUTHORIZATION,
                    format!("Bearer {}", token.trim()),
                );
            }
            let run = RunRequest {
                code: code.clone(),
                ..RunRequest::default()
            };
            Bytes::from(serde_json::to_vec(&run).map_err(|e| format!("request: {e}"))?)
        }
    };
    request
        .body(Full::new(body))
        .map_err(|e| format!("request: {e}"))
}

/// Whether the answer to `--code` is a run that passed: `Ok` or `Err` with what follows the
/// status in the probe's line.
fn judge_run(args: &ProbeArgs, status: StatusCode, body: &[u8]) -> Result<String, String> {
    if status != StatusCode::OK {
        return Err(match serde_json::from_slice::<ErrorBody>(body) {
            Ok(refused) => format!(
                ", {}: {}",
                refused.error.code.as_str(),
                refused.error.message
            ),
            Err(_) => String::new(),
        });
    }
    let run: RunResponse =
        serde_json::from_slice(body).map_err(|e| format!(", an answer that is no run: {e}"))?;
    let output = &run.res.output;
    if run.res.status != Status::Ok {
        let exit = run.exit_code.map_or("none".into(), |code| code.to_string());
        return Err(format!(
            ", the run ended {} with exit code {exit}, output {output:?}",
            run.outcome.as_str()
        ));
    }
    match &args.expect_output {
        Some(expected) if expected != output => {
            Err(format!(", output {output:?}, expected {expected:?}"))
        }
        _ => Ok(format!(", output {output:?}")),
    }
}

async fn exchange(
    args: &ProbeArgs,
    request: Request<Full<Bytes>>,
) -> Result<(StatusCode, Bytes), String> {
    let stream = TcpStream::connect((args.host.as_str(), args.port))
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    // Drives the connection until the answer is in; dropped with this future.
    let connection = tokio::spawn(connection);
    let answer = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("request: {e}"))?;
        let status = response.status();
        let body = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|e| format!("reading the answer: {e}"))?;
        Ok((status, body.to_bytes()))
    };
    let answer = answer.await;
    connection.abort();
    answer
}
