//! The accept loop both of the operator's HTTP servers run: the admin port (plain TCP) and the
//! webhook (TLS). One connection per task, HTTP/1.1, errors of one connection logged at debug
//! and never stopping the loop; and the protections runner-node's loop has too:
//!
//! - the handshake and each request's headers must arrive within [`Limits::header_read_timeout`],
//!   so a client that connects and sends nothing (or a byte at a time) is closed;
//! - at most [`Limits::max_connections`] at once: past it a new connection is closed at once;
//! - a failed `accept` (out of file descriptors) pauses the loop instead of spinning.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tracing::{debug, warn};

/// Pause after a failed `accept` before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// What one server accepts.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Time for the handshake, and for each request's headers, to arrive.
    pub header_read_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
}

impl Default for Limits {
    /// 10 s (the API server and Prometheus send a request at once) and 256 connections
    /// (the API server's webhook calls and a few scrapers need far fewer).
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 256,
        }
    }
}

/// Serves `listener` until the task is dropped: each accepted stream goes through `wrap` (the
/// TLS handshake, or nothing), then every request on it to `handle`, within `limits`. `what`
/// names the server in log lines.
pub async fn serve<W, WF, IO, H, HF>(
    listener: TcpListener,
    what: &'static str,
    limits: Limits,
    wrap: W,
    handle: H,
) where
    W: Fn(TcpStream) -> WF + Clone + Send + 'static,
    WF: Future<Output = std::io::Result<IO>> + Send,
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Fn(Request<Incoming>) -> HF + Clone + Send + Sync + 'static,
    HF: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                warn!(%error, "{what} accept failed");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            warn!(%peer, max_connections = limits.max_connections, "{what} connection limit reached, closing a new connection");
            continue;
        };
        let wrap = wrap.clone();
        let handle = handle.clone();
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(limits.header_read_timeout, wrap(stream)).await
            {
                Ok(Ok(stream)) => stream,
                Ok(Err(error)) => {
                    debug!(%peer, %error, "{what} handshake");
                    return;
                }
                Err(_) => {
                    debug!(%peer, "{what} handshake timed out");
                    return;
                }
            };
            let service = service_fn(move |request| {
                let response = handle(request);
                async move { Ok::<_, Infallible>(response.await) }
            });
            if let Err(error) = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                debug!(%peer, %error, "{what} connection");
            }
            drop(slot);
        });
    }
}
