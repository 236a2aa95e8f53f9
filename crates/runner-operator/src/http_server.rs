//! The accept loop both of the operator's HTTP servers run: the admin port (plain TCP) and the
//! webhook (TLS). One connection per task, HTTP/1.1, errors of one connection logged at debug
//! and never stopping the loop.

use std::convert::Infallible;
use std::future::Future;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tracing::debug;

/// Serves `listener` until the task is dropped: each accepted stream goes through `wrap` (the
/// TLS handshake, or nothing), then every request on it to `handle`. `what` names the server
/// in log lines.
pub async fn serve<W, WF, IO, H, HF>(listener: TcpListener, what: &'static str, wrap: W, handle: H)
where
    W: Fn(TcpStream) -> WF + Clone + Send + 'static,
    WF: Future<Output = std::io::Result<IO>> + Send,
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Fn(Request<Incoming>) -> HF + Clone + Send + Sync + 'static,
    HF: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        let wrap = wrap.clone();
        let handle = handle.clone();
        tokio::spawn(async move {
            let stream = match wrap(stream).await {
                Ok(stream) => stream,
                Err(error) => {
                    debug!(%peer, %error, "{what} handshake");
                    return;
                }
            };
            let service = service_fn(move |request| {
                let response = handle(request);
                async move { Ok::<_, Infallible>(response.await) }
            });
            if let Err(error) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                debug!(%peer, %error, "{what} connection");
            }
        });
    }
}
