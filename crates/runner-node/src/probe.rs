//! `runner-node probe`: one HTTP GET to a runner on this host, for Kubernetes exec probes.
//!
//! The runner image is FROM scratch (no shell, no curl), and a sidecar runner listens on
//! `127.0.0.1` inside its pod, where the kubelet's `httpGet` probes (sent from the node to the
//! pod IP) never arrive. An exec probe runs inside the container's own network namespace, so
//! `runner-node probe --port P --path /ready` reaches the loopback listener. It exits 0 on a 2xx
//! answer and 1 otherwise, printing one line that says why; the whole exchange (connect,
//! request, response head) is bounded by `--timeout-ms`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use clap::Parser;
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Default of `--timeout-ms`, and its largest value: runner-api's pod contract, which the
/// operator's probes are built from.
pub use runner_api::pod::{
    PROBE_DEFAULT_TIMEOUT_MS as DEFAULT_TIMEOUT_MS, PROBE_MAX_TIMEOUT_MS as MAX_TIMEOUT_MS,
};

/// `runner-node probe`: where to send the GET.
#[derive(Clone, Debug, clap::Args)]
pub struct ProbeArgs {
    /// Address of the runner (loopback: the probe runs beside it).
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,

    /// Port of the runner; the server's own `RUNNER_PORT` when set, as in its container.
    #[arg(long, env = "RUNNER_PORT", default_value_t = 3000)]
    pub port: u16,

    /// Path to GET: `/ready` (accepting runs) or `/health` (the process serves).
    #[arg(long, default_value = "/ready")]
    pub path: String,

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
    /// The URL probed, for messages.
    pub fn url(&self) -> String {
        format!(
            "http://{}{}",
            SocketAddr::new(self.host, self.port),
            self.path
        )
    }
}

/// GETs `args.url()`: `Ok` with the status line when it is 2xx, else `Err` with one line that
/// says what happened (refused, timed out, the status).
pub async fn probe(args: &ProbeArgs) -> Result<String, String> {
    let url = args.url();
    if !args.path.starts_with('/') {
        return Err(format!(
            "--path {:?} must start with '/' (such as /ready)",
            args.path
        ));
    }
    let timeout = Duration::from_millis(args.timeout_ms);
    match tokio::time::timeout(timeout, get(args)).await {
        Err(_) => Err(format!(
            "GET {url}: no answer within {} ms",
            args.timeout_ms
        )),
        Ok(Err(reason)) => Err(format!("GET {url}: {reason}")),
        Ok(Ok(status)) if status.is_success() => Ok(format!("GET {url}: {status}")),
        Ok(Ok(status)) => Err(format!("GET {url}: {status}")),
    }
}

async fn get(args: &ProbeArgs) -> Result<hyper::StatusCode, String> {
    let addr = SocketAddr::new(args.host, args.port);
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    // Drives the connection until the response head is in; dropped with this future.
    let connection = tokio::spawn(connection);
    let request = Request::get(args.path.as_str())
        .header(hyper::header::HOST, addr.to_string())
        .header(hyper::header::USER_AGENT, "runner-node-probe")
        .body(String::new())
        .map_err(|e| format!("request: {e}"))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("request: {e}"));
    connection.abort();
    Ok(response?.status())
}
