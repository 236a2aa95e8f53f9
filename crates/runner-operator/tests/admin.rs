//! The admin port answers `/health` and `/metrics` over real HTTP on loopback (its accept loop
//! is runner-http's, tested there).

mod common;

use std::sync::Arc;

use runner_operator::admin;
use runner_operator::metrics::Metrics;
use tokio::net::TcpListener;

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
