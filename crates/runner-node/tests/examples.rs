//! The scripts in `examples/` work against a real server and print what they promise.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::TestServer;

/// Runs `examples/<name>` against `server` and returns its stdout.
async fn example(server: &TestServer, name: &str) -> String {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    let url = format!("http://{}", server.addr);
    let output = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .arg(&script)
            .env("RUNNER_URL", url)
            .output()
            .expect("bash runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{name} failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test]
async fn hello() {
    let server = TestServer::start().await;
    let out = example(&server, "hello.sh").await;
    assert!(out.contains(r#""status": "Ok""#), "{out}");
    assert!(out.contains(r#""output": "hello world\n""#), "{out}");
}

#[tokio::test]
async fn fib() {
    let server = TestServer::start().await;
    let out = example(&server, "fib.sh").await;
    assert!(out.contains("fib(25) = 75025"), "{out}");
    assert!(
        out.contains("[0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377]"),
        "{out}"
    );
}

#[tokio::test]
async fn bubble() {
    let server = TestServer::start().await;
    let out = example(&server, "bubble.sh").await;
    assert!(out.contains("sorted: True"), "{out}");
}

#[tokio::test]
async fn list_files_shows_only_the_grants() {
    let server = TestServer::start().await;
    let out = example(&server, "list_files.sh").await;
    assert!(out.contains(r"/usr/local/lib -> ['python3.13']"), "{out}");
    assert!(out.contains(r"/work -> []"), "{out}");
    for hidden in ["/", "/etc", "/proc", "/root"] {
        let line = format!(r"{hidden} -> FileNotFoundError No such file or directory\n");
        assert!(out.contains(&line), "{hidden} is visible: {out}");
    }
}

#[tokio::test]
async fn fail_case_reports_the_network_error() {
    let server = TestServer::start().await;
    let out = example(&server, "fail_case.sh").await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[..2], [r#""Error""#, r#""completed""#], "{out}");
    assert!(lines[2].contains("Error"), "{out}");
    server.assert_still_serves().await;
}

#[tokio::test]
async fn sys_facts() {
    let server = TestServer::start().await;
    let out = example(&server, "sys.sh").await;
    assert!(out.contains("version: 3.13"), "{out}");
    assert!(out.contains("platform: wasi"), "{out}");
    assert!(out.contains(r"argv: ['-c']"), "{out}");
    assert!(out.contains(r"cwd: /work"), "{out}");
}
