//! Every run is bounded; a program that hits a bound ends with an error answer, and the server
//! keeps serving afterwards.

mod common;

use common::{TestServer, test_config};
use serde_json::json;

#[tokio::test]
async fn infinite_loop_times_out() {
    let server = TestServer::start().await;
    let res = server
        .run_json(json!({"code": "while True: pass", "timeout_ms": 300}))
        .await;
    assert_eq!(res["outcome"], "timeout");
    assert_eq!(res["res"]["status"], "Error");
    assert_eq!(res["exit_code"], serde_json::Value::Null);
    server.assert_still_serves().await;
}

#[tokio::test]
async fn sleeping_in_a_host_call_times_out() {
    let server = TestServer::start().await;
    let res = server
        .run_json(json!({"code": "import time\nprint('start')\ntime.sleep(60)", "timeout_ms": 300}))
        .await;
    assert_eq!(res["outcome"], "timeout");
    assert_eq!(
        res["res"]["output"], "start\n",
        "output up to the timeout is kept"
    );
    server.assert_still_serves().await;
}

#[tokio::test]
async fn cpu_ms_counts_computing_and_not_sleeping() {
    let server = TestServer::start().await;
    let busy = server
        .run("print(sum(i * i for i in range(2_000_000)))")
        .await;
    let asleep = server.run("import time\ntime.sleep(0.3)").await;
    let ms = |res: &serde_json::Value, field: &str| res[field].as_f64().unwrap();
    // Computing consumes CPU, at most its wall time (less when the cores are shared); a sleep
    // almost none of its wall time.
    assert!(ms(&busy, "cpu_ms") >= 50.0, "{busy}");
    assert!(
        ms(&busy, "cpu_ms") <= ms(&busy, "duration_ms") + 20.0,
        "{busy}"
    );
    assert!(ms(&asleep, "duration_ms") >= 300.0, "{asleep}");
    assert!(ms(&asleep, "cpu_ms") < 100.0, "{asleep}");
    assert!(
        ms(&busy, "cpu_ms") > 5.0 * ms(&asleep, "cpu_ms"),
        "{busy} {asleep}"
    );
}

#[tokio::test]
async fn the_cpu_limit_stops_a_computing_run_but_not_a_sleeping_one() {
    let server = TestServer::start().await;
    let res = server
        .run_json(json!({"code": "print('go', flush=True)\nwhile True: pass", "cpu_limit_ms": 200}))
        .await;
    assert_eq!(res["outcome"], "cpu_limit", "{res}");
    assert_eq!(res["res"]["status"], "Error");
    assert_eq!(res["exit_code"], serde_json::Value::Null);
    assert_eq!(res["stdout"], "go\n", "output up to the limit is kept");
    assert!(res["cpu_ms"].as_f64().unwrap() >= 200.0, "{res}");
    // Time asleep is not CPU: the run completes past its CPU limit in wall time.
    let res = server
        .run_json(
            json!({"code": "import time\ntime.sleep(0.4)\nprint('woke')", "cpu_limit_ms": 200}),
        )
        .await;
    assert_eq!(res["outcome"], "completed", "{res}");
    assert_eq!(res["stdout"], "woke\n");
    // Above the maximum: refused before running.
    let mut config = test_config();
    config.max_cpu_limit_ms = 1000;
    let capped = TestServer::start_with(config).await;
    let answer = capped
        .post(&json!({"code": "pass", "cpu_limit_ms": 1001}))
        .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(answer.error_code(), "limit_exceeded");
    assert!(answer.body.contains("cpu_limit_ms"), "{}", answer.body);
    server.assert_still_serves().await;
}

#[tokio::test]
async fn server_default_timeout_applies() {
    let mut config = test_config();
    config.timeout_ms = 200;
    let server = TestServer::start_with(config).await;
    let res = server.run("while True: pass").await;
    assert_eq!(res["outcome"], "timeout");
}

#[tokio::test]
async fn memory_bomb_hits_the_memory_limit() {
    let server = TestServer::start().await;
    // Larger than the 32-bit address space: refused by CPython itself.
    let res = server.run("x = bytearray(10**10)").await;
    assert_eq!(res["res"]["status"], "Error");
    assert!(
        res["res"]["output"]
            .as_str()
            .unwrap()
            .contains("OverflowError"),
        "{res}"
    );
    // 1 GiB: fits the address space, not the 128 MiB default limit.
    let res = server.run("x = bytearray(2**30)").await;
    assert_eq!(res["outcome"], "memory_limit", "{res}");
    assert_eq!(res["res"]["status"], "Error");
    assert!(
        res["res"]["output"]
            .as_str()
            .unwrap()
            .contains("MemoryError"),
        "{res}"
    );
    server.assert_still_serves().await;
}

#[tokio::test]
async fn growing_list_hits_the_memory_limit() {
    let server = TestServer::start().await;
    let res = server
        .run_json(json!({"code": "xs = []\nwhile True: xs.append('x' * 100000)", "memory_mb": 64}))
        .await;
    assert_eq!(res["outcome"], "memory_limit", "{res}");
    server.assert_still_serves().await;
}

#[tokio::test]
async fn endless_output_is_cut_at_the_cap() {
    let mut config = test_config();
    config.max_output_bytes = 10_000;
    let server = TestServer::start_with(config).await;
    let res = server.run("while True: print('y' * 99)").await;
    assert_eq!(res["outcome"], "output_limit", "{res}");
    assert_eq!(res["truncated"], true);
    assert_eq!(res["res"]["status"], "Error");
    assert_eq!(res["res"]["output"].as_str().unwrap().len(), 10_000);
    server.assert_still_serves().await;
}

#[tokio::test]
async fn python_recursion_is_caught_by_the_interpreter() {
    let server = TestServer::start().await;
    let res = server.run("def f(n): return f(n + 1)\nf(0)").await;
    assert_eq!(res["res"]["status"], "Error");
    assert!(
        res["res"]["output"]
            .as_str()
            .unwrap()
            .contains("RecursionError"),
        "{res}"
    );
    server.assert_still_serves().await;
}

/// `repr` of a deeply nested list recurses in C, one wasm frame per level.
const NESTED_REPR: &str = "x = []\nfor _ in range(200000): x = [x]\nprint(len(repr(x)))";

#[tokio::test]
async fn exhausting_the_wasm_stack_ends_only_the_run() {
    let mut config = test_config();
    config.wasm_stack_kb = 512;
    let server = TestServer::start_with(config).await;
    let res = server.run(NESTED_REPR).await;
    assert_eq!(res["outcome"], "stack_overflow", "{res}");
    assert_eq!(res["res"]["status"], "Error");
    assert_eq!(res["exit_code"], serde_json::Value::Null);
    server.assert_still_serves().await;
}

#[tokio::test]
async fn the_default_wasm_stack_lets_the_interpreter_raise_first() {
    let server = TestServer::start().await;
    let res = server.run(NESTED_REPR).await;
    assert_eq!(res["outcome"], "completed", "{res}");
    assert!(
        res["res"]["output"]
            .as_str()
            .unwrap()
            .contains("RecursionError"),
        "{res}"
    );
}

#[tokio::test]
async fn a_default_limit_below_the_interpreter_floor_stops_the_start() {
    // Every run starts with the snapshot's heap (tens of MiB): a server whose default is 8 MiB
    // could run nothing, so it refuses to start and says how much more it needs. (A request
    // asking for so little is refused with 422: tests/snapshot.rs.)
    let mut config = test_config();
    config.memory_mb = Some(8);
    let err = runner_node::Server::bind(config)
        .await
        .err()
        .expect("the start is refused")
        .to_string();
    assert!(
        err.contains("--memory-mb (8) is below the") && err.contains("raise it by at least"),
        "{err}"
    );
}
