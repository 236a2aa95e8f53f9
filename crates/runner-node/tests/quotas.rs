//! Quotas per tenant: over one, 429 `quota_exceeded` with `Retry-After`, at once; the other
//! tenants are never refused or kept waiting because of it; CPU time is counted by tenant.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Answer, TestServer, test_config};
use serde_json::json;

const FLOODER: &str = "flooder-token-00001";
const QUIET: &str = "quiet-token-0000001";
const SPIN: &str = r#"{"code": "while True: pass", "timeout_ms": 30000}"#;

/// A server with 4 run slots, a short queue, and two tenants: `flooder` may hold 2 runs at
/// once and start 5 a minute; `quiet` has no quotas.
async fn server() -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenants.yaml");
    let text = format!(
        "tenants:\n  flooder:\n    tokens: [{FLOODER}]\n    quotas: {{concurrent_runs: 2, \
         runs_per_minute: 5}}\n  quiet:\n    tokens: [{QUIET}]\n"
    );
    std::fs::write(&path, text).unwrap();
    let mut config = test_config();
    config.auth_tokens_file = Some(path);
    config.max_concurrent_runs = 4;
    config.queue_timeout_ms = 300;
    (TestServer::start_with(config).await, dir)
}

async fn run_as(server: &TestServer, token: &str, body: &str) -> Answer {
    let auth = format!("Bearer {token}");
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    server
        .send("POST", "/run", &headers, body.to_string())
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_tenant_gets_429_and_the_other_is_never_refused() {
    let (server, _dir) = server().await;
    let server = Arc::new(server);
    // The flooder's two long runs hold its concurrent quota (and two of the four slots).
    let mut long = Vec::new();
    for _ in 0..2 {
        let server = server.clone();
        long.push(tokio::spawn(
            async move { run_as(&server, FLOODER, SPIN).await },
        ));
    }
    server.await_metric("runner_runs_in_flight", 2.0).await;
    let refused = run_as(&server, FLOODER, r#"{"code": "print(1)"}"#).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.error_code(), "quota_exceeded");
    assert_eq!(refused.retry_after.as_deref(), Some("1"));
    assert!(
        refused.body.contains("quotas.concurrent_runs (2)"),
        "{}",
        refused.body
    );

    // Meanwhile the flooder keeps trying from 8 clients, and the quiet tenant runs 20 programs.
    let mut flood = Vec::new();
    for _ in 0..8 {
        let server = server.clone();
        flood.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for _ in 0..10 {
                statuses.push(
                    run_as(&server, FLOODER, r#"{"code": "print(1)"}"#)
                        .await
                        .status,
                );
            }
            statuses
        }));
    }
    for i in 0..20 {
        let body = json!({"code": format!("print({i})")}).to_string();
        let answer = run_as(&server, QUIET, &body).await;
        assert_eq!(answer.status, 200, "run {i}: {}", answer.body);
        assert_eq!(answer.json()["stdout"], format!("{i}\n"));
    }
    for client in flood {
        let statuses = client.await.unwrap();
        assert!(statuses.iter().all(|s| *s == 429), "{statuses:?}");
    }
    let exceeded = server
        .metric("runner_quota_exceeded_total{tenant=\"flooder\",quota=\"concurrent_runs\"}")
        .await;
    assert!(exceeded >= 81.0, "{exceeded}");
    for run in long {
        run.abort();
    }
    server.await_metric("runner_runs_in_flight", 0.0).await;
    let after = run_as(&server, QUIET, r#"{"code": "print('still here')"}"#).await;
    assert_eq!(after.json()["stdout"], "still here\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_per_minute_refuses_with_the_wait_and_counts_cpu_by_tenant() {
    let (server, _dir) = server().await;
    for i in 0..5 {
        let answer = run_as(&server, FLOODER, r#"{"code": "print(1)"}"#).await;
        assert_eq!(answer.status, 200, "run {i}: {}", answer.body);
    }
    let refused = run_as(&server, FLOODER, r#"{"code": "print(1)"}"#).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(
        refused.body.contains("quotas.runs_per_minute (5)"),
        "{}",
        refused.body
    );
    // 5 a minute refill one every 12 s.
    let wait: u64 = refused.retry_after.as_deref().unwrap().parse().unwrap();
    assert!((1..=12).contains(&wait), "{wait}");
    assert_eq!(
        run_as(&server, QUIET, r#"{"code": "print(1)"}"#)
            .await
            .status,
        200
    );

    let busy = r#"{"code": "print(sum(i * i for i in range(2_000_000)))"}"#;
    let answer = run_as(&server, QUIET, busy).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let busy_cpu = answer.json()["cpu_ms"].as_f64().unwrap() / 1e3;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let quiet = server
        .metric("runner_run_cpu_seconds_total{tenant=\"quiet\"}")
        .await;
    let flooder = server
        .metric("runner_run_cpu_seconds_total{tenant=\"flooder\"}")
        .await;
    // The quiet tenant's computing is all on its account; the flooder's five tiny runs on its.
    assert!(busy_cpu > 0.05, "{busy_cpu}");
    assert!(quiet >= busy_cpu, "{quiet} < {busy_cpu}");
    assert!(flooder > 0.0 && flooder < quiet, "{flooder} {quiet}");
}
