//! runner-node's listeners: warp's filters served through runner-http's accept loop, which
//! adds what warp's own server lacks (a header-read timeout, a connection limit, accept
//! backoff, graceful shutdown).

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// Serves `filter` on `listener` until `shutdown` resolves, then waits for open connections.
/// `what` names the listener in log lines.
pub async fn serve<F>(
    listener: TcpListener,
    what: &'static str,
    filter: F,
    header_read_timeout: Duration,
    max_connections: usize,
    shutdown: impl Future<Output = ()>,
) where
    F: warp::Filter<Extract = (warp::reply::Response,), Error = Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
{
    let limits = runner_http::Limits {
        header_read_timeout,
        max_connections,
    };
    let service = TowerToHyperService::new(warp::service(filter));
    runner_http::serve(
        listener,
        what,
        limits,
        runner_http::plain,
        service,
        shutdown,
    )
    .await;
}
