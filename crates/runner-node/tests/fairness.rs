//! Fair under mixed load: while CPU-bound runs hold every core, a short run still completes,
//! probes and metrics still answer, and runs are still timed out and cancelled; afterwards the
//! slots are all free again. (How fast is a benchmark's business: `scripts/bench.sh
//! --fairness`, docs/benchmarks.md.)

mod common;

use std::time::Duration;

use common::{TestServer, test_config};
use serde_json::json;

const SPIN: &str = r#"{"code": "while True: pass", "timeout_ms": 30000}"#;
const IN_FLIGHT: &str = "runner_runs_in_flight";

/// As many CPU-bound runs as the machine has cores, at least two.
fn spinners() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
}

/// A server with room for `spinners()` long runs and `extra` more.
async fn server_with_room(extra: usize) -> TestServer {
    let mut config = test_config();
    config.max_concurrent_runs = (spinners() + extra) as u32;
    config.queue_timeout_ms = 200;
    TestServer::start_with(config).await
}

/// Starts `spinners()` CPU-bound runs and waits until all execute; dropping the returned
/// connections ends them.
async fn hold_every_core(server: &TestServer) -> Vec<tokio::net::TcpStream> {
    let mut long = Vec::new();
    for _ in 0..spinners() {
        long.push(server.start_raw_run(SPIN).await);
    }
    server.await_metric(IN_FLIGHT, spinners() as f64).await;
    long
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_run_completes_while_long_runs_hold_every_core() {
    let server = server_with_room(2).await;
    let long = hold_every_core(&server).await;

    for _ in 0..5 {
        let res = server.run("print(sum(i * i for i in range(1000)))").await;
        assert_eq!(res["res"]["output"], "332833500\n", "{res}");
        assert_eq!(res["outcome"], "completed", "{res}");
    }
    // The long runs were running all along, and go away with their callers.
    assert_eq!(server.metric(IN_FLIGHT).await, spinners() as f64);
    drop(long);
    server.await_metric(IN_FLIGHT, 0.0).await;
    server.assert_still_serves().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_and_metrics_answer_while_every_slot_is_busy() {
    let server = server_with_room(0).await;
    let long = hold_every_core(&server).await;
    for path in ["/health", "/ready", "/v1/environment", "/openapi.json"] {
        assert_eq!(server.get(path).await.status, 200, "{path}");
    }
    // Admission decides without waiting behind guests: the queue timeout, then 503.
    let refused = server.post(&json!({"code": "print(1)"})).await;
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(refused.error_code(), "overloaded");
    drop(long);
    server.await_metric(IN_FLIGHT, 0.0).await;
    server.assert_still_serves().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_still_time_out_and_cancel_under_saturation() {
    let server = server_with_room(2).await;
    let long = hold_every_core(&server).await;

    // Its own wall-time limit holds while it shares the cores.
    let res = server
        .run_json(json!({"code": "while True: pass", "timeout_ms": 300}))
        .await;
    assert_eq!(res["outcome"], "timeout", "{res}");
    let slept = server
        .run_json(json!({"code": "import time\ntime.sleep(60)", "timeout_ms": 300}))
        .await;
    assert_eq!(slept["outcome"], "timeout", "{slept}");

    // A caller that goes away takes its run with it, busy or not.
    let abandoned = server.start_raw_run(SPIN).await;
    server
        .await_metric(IN_FLIGHT, (spinners() + 1) as f64)
        .await;
    drop(abandoned);
    server.await_metric(IN_FLIGHT, spinners() as f64).await;
    drop(long);
    server.await_metric(IN_FLIGHT, 0.0).await;
    server.assert_still_serves().await;
}

/// Mixed long and short runs, some abandoned, then every slot at once: the instance pool, the
/// guest threads and `/work` folders are all back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_mixed_load_every_slot_is_free_and_no_work_folder_is_left() {
    let work_root = tempfile::tempdir().unwrap();
    let mut config = test_config();
    config.max_concurrent_runs = 6;
    config.work_root = Some(work_root.path().to_owned());
    let server = std::sync::Arc::new(TestServer::start_with(config).await);

    let mut clients = Vec::new();
    for client in 0..6 {
        let server = server.clone();
        clients.push(tokio::spawn(async move {
            for i in 0..8 {
                match (client + i) % 4 {
                    0 => {
                        let res = server
                            .run_json(json!({"code": "while True: pass", "timeout_ms": 150}))
                            .await;
                        assert_eq!(res["outcome"], "timeout", "{res}");
                    }
                    1 => {
                        let run = server.start_raw_run(SPIN).await;
                        tokio::time::sleep(Duration::from_millis(40)).await;
                        drop(run);
                    }
                    _ => {
                        let res = server
                            .run_json(json!({
                                "code": "open('x.txt', 'w').write('x' * 1000)\nprint('done')",
                            }))
                            .await;
                        assert_eq!(res["res"]["output"], "done\n", "{res}");
                    }
                }
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
    server.await_metric(IN_FLIGHT, 0.0).await;

    // Every slot at once: each needs a pooled instance and a guest thread.
    let mut burst = Vec::new();
    for i in 0..6 {
        let server = server.clone();
        burst.push(tokio::spawn(async move {
            let code = format!("import time\ntime.sleep(0.3)\nprint({i})");
            server.run(&code).await
        }));
    }
    for (i, run) in burst.into_iter().enumerate() {
        let res = run.await.unwrap();
        assert_eq!(res["res"]["output"], format!("{i}\n"), "{res}");
    }
    let left: Vec<_> = std::fs::read_dir(work_root.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "work folders left behind: {left:?}");
}
