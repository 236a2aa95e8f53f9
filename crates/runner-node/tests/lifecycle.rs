//! Admission and lifecycle: overload answers 503 at once, a client that goes away frees its slot,
//! and shutdown drains in-flight runs.

mod common;

use std::time::{Duration, Instant};

use common::{TestServer, test_config};
use serde_json::json;

const SPIN: &str = r#"{"code": "while True: pass", "timeout_ms": 20000}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_server_answers_503_with_retry_after() {
    let mut config = test_config();
    config.max_concurrent_runs = 1;
    config.queue_timeout_ms = 200;
    let server = TestServer::start_with(config).await;
    let _busy = server.start_raw_run(SPIN).await;
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
    let busy = server.start_raw_run(SPIN).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_wait_for_the_memory_budget_and_never_overcommit_it() {
    let mut config = test_config();
    config.memory_budget_mb = Some(300);
    config.queue_timeout_ms = 300;
    let server = std::sync::Arc::new(TestServer::start_with(config).await);
    // Two runs of the default 128 MiB (and 1 MiB of output) hold 258 of the 300 MiB.
    let mut sleepers = Vec::new();
    for _ in 0..2 {
        let server = server.clone();
        sleepers.push(tokio::spawn(async move {
            server
                .run("import time\ntime.sleep(1.5)\nprint('slept')")
                .await
        }));
    }
    server.await_metric("runner_runs_in_flight", 2.0).await;
    let refused = server.post(&json!({"code": "print(1)"})).await;
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(refused.error_code(), "overloaded");
    assert!(
        refused.body.contains("258 of the 300 MiB"),
        "{}",
        refused.body
    );
    // A smaller run fits beside them.
    let small = server
        .run_json(json!({"code": "print('small')", "memory_mb": 32}))
        .await;
    assert_eq!(small["stdout"], "small\n", "{small}");
    // More than the whole budget can never run.
    let too_big = server
        .post(&json!({"code": "print(1)", "memory_mb": 512}))
        .await;
    assert_eq!(too_big.status, 422, "{}", too_big.body);
    assert_eq!(too_big.error_code(), "limit_exceeded");
    for sleeper in sleepers {
        assert_eq!(sleeper.await.unwrap()["stdout"], "slept\n");
    }
    server.assert_still_serves().await;
}

#[tokio::test]
async fn a_budget_too_small_for_one_default_run_stops_the_start() {
    let mut config = test_config();
    config.memory_budget_mb = Some(100);
    let err = runner_node::Server::bind(config)
        .await
        .err()
        .expect("refused");
    let message = err.to_string();
    assert!(
        message.contains("memory budget for runs is 100 MiB (--memory-budget-mb)"),
        "{message}"
    );
}
