//! 1,000 runs leave the server as they found it: resident memory and open file descriptors of
//! the process (the test process hosts the server) stay within a generous bound of where they
//! were after warm-up. The runs mix outcomes so every cleanup path is exercised: completed
//! with files, errors, memory limits, output limits, timeouts and abandoned requests.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::TestServer;
use serde_json::{Value, json};

const RUNS: usize = 1_000;
const CLIENTS: usize = 4;
/// Growth allowed after warm-up. The allocator keeps freed pages and wasmtime keeps its pools,
/// so some growth is normal; a leak of one run's store (≥ 20 MiB of linear memory) or of its
/// working directory handle per run would blow far past these.
const RSS_SLACK_BYTES: u64 = 96 * 1024 * 1024;
const FD_SLACK: usize = 16;

/// The `i`-th request of the soak: mostly ordinary programs, some that hit each limit.
fn request(i: usize) -> Value {
    match i % 50 {
        0 => json!({"code": "x = bytearray(2**30)", "memory_mb": 64}),
        1 => json!({"code": "while True: print('y' * 999)"}),
        2 => json!({"code": "while True: pass", "timeout_ms": 30}),
        3 => json!({"code": "raise ValueError('boom')"}),
        n if n % 5 == 0 => json!({
            "code": "import os\nopen('out.txt', 'w').write(open('in.txt').read() * 2)\n\
                     print(sorted(os.listdir('.')))",
            "files": {"in.txt": "data", "sub/more.txt": "x"},
        }),
        _ => json!({"code": format!("print(sum(range({i})))"), "stdin": "ignored"}),
    }
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status");
    kb * 1024
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Sends `count` requests from `CLIENTS` concurrent clients, starting at request `first`.
async fn drive(server: &Arc<TestServer>, first: usize, count: usize) {
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let server = server.clone();
        clients.push(tokio::spawn(async move {
            for i in (first + client..first + count).step_by(CLIENTS) {
                let answer = server.post(&request(i)).await;
                assert_eq!(answer.status, 200, "run {i}: {}", answer.body);
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_runs_leak_neither_memory_nor_descriptors() {
    let mut config = common::test_config();
    config.max_output_bytes = 64 * 1024;
    config.max_concurrent_runs = CLIENTS as u32;
    let server = Arc::new(TestServer::start_with(config).await);
    // Warm-up: pools, caches and the allocator reach their working size.
    drive(&server, 0, 100).await;
    // Abandoned requests (the client hangs up mid-run) must free everything too.
    let spin = json!({"code": "while True: pass", "timeout_ms": 5000});
    for _ in 0..10 {
        let abandoned = server.post(&spin);
        let _ = tokio::time::timeout(Duration::from_millis(50), abandoned).await;
    }
    // The client's pool reopens its keep-alive connections (two descriptors each, both ends
    // live in this process) before the baseline is taken.
    drive(&server, 0, 2 * CLIENTS).await;
    let (rss_before, fds_before) = (rss_bytes(), open_fds());

    let started = Instant::now();
    drive(&server, 100, RUNS).await;
    let elapsed = started.elapsed();
    let (rss_after, fds_after) = (rss_bytes(), open_fds());
    println!(
        "soak: {RUNS} runs in {elapsed:.1?}; RSS {} -> {} MiB; open fds {fds_before} -> {fds_after}",
        rss_before >> 20,
        rss_after >> 20
    );
    assert!(
        rss_after <= rss_before + RSS_SLACK_BYTES,
        "RSS grew from {} to {} MiB",
        rss_before >> 20,
        rss_after >> 20
    );
    assert!(
        fds_after <= fds_before + FD_SLACK,
        "open fds grew from {fds_before} to {fds_after}"
    );
    server.assert_still_serves().await;
}
