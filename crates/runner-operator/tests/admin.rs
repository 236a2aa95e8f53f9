//! The admin port answers `/health` and `/metrics` over real HTTP on loopback, and the accept
//! loop it shares with the webhook closes silent clients and connections past its limit.

mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use runner_operator::metrics::Metrics;
use runner_operator::{admin, http_server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[tokio::test]
async fn serves_health_and_metrics() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let metrics = Arc::new(Metrics::default());
    drop(metrics.reconcile());
    metrics.failure(runner_operator::ErrorKind::Kube);
    let server = tokio::spawn(admin::serve(listener, metrics));

    let health = common::http_get(addr, "/health").await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.ends_with("ok\n"), "{health}");

    let metrics = common::http_get(addr, "/metrics").await;
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    assert!(
        metrics.contains("runner_operator_reconciles_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("runner_operator_reconcile_failures_total{kind=\"kube\"} 1\n"),
        "{metrics}"
    );

    let missing = common::http_get(addr, "/run").await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    server.abort();
}

/// An HTTP server of the operator's accept loop answering 200 to everything, with `limits`.
async fn server(
    limits: http_server::Limits,
) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = |_request| async { hyper::Response::new(Full::new(Bytes::from_static(b"ok"))) };
    let task = tokio::spawn(http_server::serve(
        listener,
        "test",
        limits,
        |stream| async { Ok(stream) },
        handle,
    ));
    (addr, task)
}

/// Reads until the server closes the connection, or `wait` passes (then `None`).
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    tokio::time::timeout(wait, stream.read_to_end(&mut seen))
        .await
        .ok()
        .map(|_| seen)
}

#[tokio::test]
async fn a_client_that_sends_no_headers_is_closed_at_the_timeout() {
    let limits = http_server::Limits {
        header_read_timeout: Duration::from_millis(300),
        max_connections: 8,
    };
    let (addr, task) = server(limits).await;
    let mut silent = TcpStream::connect(addr).await.unwrap();
    // Half a request line, then nothing.
    silent.write_all(b"GET /hea").await.unwrap();
    let seen = closed_within(&mut silent, Duration::from_secs(10))
        .await
        .expect("closed by the server");
    assert!(!String::from_utf8_lossy(&seen).contains("200"), "{seen:?}");
    // The server still answers others.
    assert!(
        common::http_get(addr, "/health")
            .await
            .starts_with("HTTP/1.1 200")
    );
    task.abort();
}

#[tokio::test]
async fn connections_past_the_limit_are_closed_and_the_server_keeps_serving() {
    let limits = http_server::Limits {
        header_read_timeout: Duration::from_secs(30),
        max_connections: 2,
    };
    let (addr, task) = server(limits).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    // Both slots are taken by idle connections: the third is closed without an answer.
    let mut third = TcpStream::connect(addr).await.unwrap();
    let seen = closed_within(&mut third, Duration::from_secs(10))
        .await
        .expect("closed at once");
    assert!(seen.is_empty(), "{seen:?}");
    // One goes: a new connection is served.
    drop(held.pop());
    let mut answered = false;
    for _ in 0..50 {
        // Until the server sees the close, a new connection may still be refused (reset).
        if common::try_http_get(addr, "/health")
            .await
            .is_ok_and(|r| r.starts_with("HTTP/1.1 200"))
        {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(answered, "a freed slot serves again");
    task.abort();
}
