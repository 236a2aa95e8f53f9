//! The one HTTP/1 accept loop behind every listener of runner-node (its API and admin ports)
//! and runner-operator (its admin port and the webhook's TLS port), with the protections a
//! server facing untrusted clients needs and hyper leaves to its caller:
//!
//! - the handshake (TLS, when there is one) and each request's headers must arrive within
//!   [`Limits::header_read_timeout`], so a client that connects and sends nothing (or a byte at
//!   a time) is closed instead of holding a task forever;
//! - at most [`Limits::max_connections`] at once: past it a new connection is closed at once,
//!   so a flood cannot exhaust file descriptors or memory;
//! - a failed `accept` (out of file descriptors) pauses the loop instead of spinning;
//! - graceful shutdown: when `shutdown` resolves the listener closes and open connections finish
//!   the request they are serving.
//!
//! One connection per task; the errors of one connection are logged at debug and never stop
//! the loop.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::service::Service;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tracing::{debug, warn};

/// Pause after a failed `accept` before trying again.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// What one server accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Time for the handshake, and for each request's headers, to arrive.
    pub header_read_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
}

/// The `wrap` of a server without TLS: the TCP stream as it is.
pub async fn plain(stream: TcpStream) -> std::io::Result<TcpStream> {
    Ok(stream)
}

/// The error type hyper accepts from services and bodies.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Serves `listener` until `shutdown` resolves, then waits for open connections to finish.
/// Each accepted stream goes through `wrap` (a TLS handshake, or nothing), then every request
/// on it to `service`, within `limits`. `what` names the server in log lines.
pub async fn serve<W, WF, IO, S, B>(
    listener: TcpListener,
    what: &'static str,
    limits: Limits,
    wrap: W,
    service: S,
    shutdown: impl Future<Output = ()>,
) where
    W: Fn(TcpStream) -> WF + Clone + Send + 'static,
    WF: Future<Output = std::io::Result<IO>> + Send,
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    warn!(%error, "{what} accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            warn!(%peer, max_connections = limits.max_connections, "{what} connection limit reached, closing a new connection");
            continue;
        };
        let wrap = wrap.clone();
        let service = service.clone();
        let watcher = graceful.watcher();
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
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(error) = watcher.watch(connection).await {
                debug!(%peer, %error, "{what} connection");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
