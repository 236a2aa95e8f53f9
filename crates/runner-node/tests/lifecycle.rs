//! Admission and lifecycle: overload answers 503 at once, a client that goes away frees its slot,
//! and shutdown drains in-flight runs.

mod common;

use std::time::{Duration, Instant};

use common::{TestServer, test_config};
use serde_json::json;
use tokio::io::AsyncWriteExt;

const SPIN: &str = r#"{"code": "while True: pass", "timeout_ms": 20000}"#;

/// Sends a run over a raw connection and returns the still-open socket.
async fn start_raw_run(server: &TestServer, body: &str) -> tokio::net::TcpStream {
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let request = format!(
        "POST /run HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_server_answers_503_with_retry_after() {
    let mut config = test_config();
    config.max_concurrent_runs = 1;
    config.queue_timeout_ms = 200;
    let server = TestServer::start_with(config).await;
    let _busy = start_raw_run(&server, SPIN).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let answer = server.post(&json!({"code": "print(1)"})).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.error_code(), "overloaded");
    assert_eq!(answer.retry_after.as_deref(), Some("1"));
    // Probes do not wait for run slots.
    assert_eq!(server.get("/health").await.status, 200);
    assert_eq!(server.get("/ready").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_frees_its_slot() {
    let mut config = test_config();
    config.max_concurrent_runs = 1;
    config.queue_timeout_ms = 3000;
    let server = TestServer::start_with(config).await;
    let busy = start_raw_run(&server, SPIN).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(busy);
    let started = Instant::now();
    server.assert_still_serves().await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the abandoned run kept its slot"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_in_flight_runs_finish_and_refuses_new_ones() {
    let server = std::sync::Arc::new(TestServer::start().await);
    let running = {
        let server = server.clone();
        tokio::spawn(async move {
            server
                .run("import time\ntime.sleep(0.5)\nprint('finished')")
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    server.begin_shutdown();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let res = running.await.unwrap();
    assert_eq!(res["res"], json!({"status": "Ok", "output": "finished\n"}));
}
