//! The admin port answers `/health` and `/metrics` over real HTTP on loopback.

use std::sync::Arc;
use std::time::Duration;

use runner_operator::admin;
use runner_operator::metrics::Metrics;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut response))
        .await
        .expect("answered in time")
        .unwrap();
    response
}

#[tokio::test]
async fn serves_health_and_metrics() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let metrics = Arc::new(Metrics::default());
    drop(metrics.reconcile());
    metrics.failure("kube");
    let server = tokio::spawn(admin::serve(listener, metrics));

    let health = get(addr, "/health").await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.ends_with("ok\n"), "{health}");

    let metrics = get(addr, "/metrics").await;
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    assert!(
        metrics.contains("runner_operator_reconciles_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("runner_operator_reconcile_failures_total{kind=\"kube\"} 1\n"),
        "{metrics}"
    );

    let missing = get(addr, "/run").await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    server.abort();
}
