//! `runner-node probe`, the exec probe of the sidecar runner (an image with no shell or curl)
//! and the chart's `helm test`: the real binary against a real runner-node, a closed port, and
//! a peer that never answers.

mod common;

use std::net::TcpListener;
use std::process::Output;

use common::process::Process;

/// `runner-node probe` with `args`, run to its end.
fn probe(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_runner-node"))
        .arg("probe")
        .args(args)
        // The sidecar's container sets it; here only the flags count.
        .env_remove("RUNNER_PORT")
        .output()
        .expect("runner-node probe runs")
}

/// Exit code and the one line printed (stdout on success, stderr on failure).
fn outcome(output: &Output) -> (i32, String) {
    let text = if output.status.success() {
        &output.stdout
    } else {
        &output.stderr
    };
    let text = String::from_utf8_lossy(text).to_string();
    assert_eq!(text.lines().count(), 1, "one line: {text:?}");
    (output.status.code().expect("an exit code"), text)
}

fn port_of(addr: &str) -> String {
    addr.rsplit(':').next().unwrap().to_string()
}

#[test]
fn a_serving_runner_passes_ready_and_health() {
    let process = Process::start();
    let port = port_of(&process.addr);
    for path in ["/ready", "/health"] {
        let (code, line) = outcome(&probe(&["--port", &port, "--path", path]));
        assert_eq!(code, 0, "{path}: {line}");
        assert!(
            line.contains(&format!("{port}{path}")) && line.contains("200"),
            "{line}"
        );
    }
    // `/ready` is the default path.
    let (code, line) = outcome(&probe(&["--port", &port]));
    assert_eq!(code, 0, "{line}");
    assert!(line.contains("/ready"), "{line}");
}

#[test]
fn a_non_2xx_answer_fails_with_the_status() {
    let process = Process::start();
    let port = port_of(&process.addr);
    let (code, line) = outcome(&probe(&["--port", &port, "--path", "/no-such-page"]));
    assert_eq!(code, 1);
    assert!(line.contains("404"), "{line}");
}

#[test]
fn code_runs_on_the_runner_and_its_output_is_checked() {
    let process = Process::start();
    let port = port_of(&process.addr);
    let run = |extra: &[&str]| {
        let mut args = vec![
            "--host",
            "localhost",
            "--port",
            &port,
            "--code",
            "print(6 * 7)",
        ];
        args.extend_from_slice(extra);
        outcome(&probe(&args))
    };
    let (code, line) = run(&["--expect-output", "42\n"]);
    assert_eq!(code, 0, "{line}");
    assert!(
        line.starts_with(&format!("POST http://localhost:{port}/run: 200 OK")),
        "{line}"
    );
    assert!(line.contains(r#"output "42\n""#), "{line}");
    // Another output than the one expected fails, saying both.
    let (code, line) = run(&["--expect-output", "41\n"]);
    assert_eq!(code, 1);
    assert!(line.contains(r#"output "42\n", expected "41\n""#), "{line}");
}

#[test]
fn a_failing_or_refused_run_fails_saying_how() {
    let process = Process::start_with(&["--max-body-bytes", "1024"]);
    let port = port_of(&process.addr);
    let (code, line) = outcome(&probe(&["--port", &port, "--code", "raise SystemExit(3)"]));
    assert_eq!(code, 1);
    assert!(
        line.contains("the run ended completed with exit code 3"),
        "{line}"
    );
    // A request the runner refuses: its error code and message.
    let (code, line) = outcome(&probe(&["--port", &port, "--code", &"#".repeat(2000)]));
    assert_eq!(code, 1);
    assert!(
        line.contains("413") && line.contains("payload_too_large"),
        "{line}"
    );
}

#[test]
fn a_runner_with_auth_takes_the_token_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret-token\n").unwrap();
    let process = Process::start_with(&["--auth-token-file", token.to_str().unwrap()]);
    let port = port_of(&process.addr);
    let (code, line) = outcome(&probe(&["--port", &port, "--code", "print(1)"]));
    assert_eq!(code, 1);
    assert!(
        line.contains("401") && line.contains("unauthorized"),
        "{line}"
    );
    let with_token = ["--port", &port, "--code", "print(1)", "--token-file"];
    let (code, line) = outcome(&probe(
        &[&with_token[..], &[token.to_str().unwrap()]].concat(),
    ));
    assert_eq!(code, 0, "{line}");
}

#[test]
fn a_closed_port_fails_saying_the_connection_was_refused() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port().to_string()
    };
    let (code, line) = outcome(&probe(&["--port", &port]));
    assert_eq!(code, 1);
    assert!(
        line.contains("connect") && line.contains("refused"),
        "{line}"
    );
}

#[test]
fn a_peer_that_never_answers_fails_at_the_timeout() {
    // The kernel completes the connection; nobody reads or answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let (code, line) = outcome(&probe(&["--port", &port, "--timeout-ms", "200"]));
    assert_eq!(code, 1);
    assert!(line.contains("no answer within 200 ms"), "{line}");
    drop(listener);
}

#[test]
fn bad_flags_are_refused() {
    let (code, line) = outcome(&probe(&["--port", "1", "--path", "ready"]));
    assert_eq!(code, 1);
    assert!(line.contains("must start with '/'"), "{line}");
    // clap refuses an out-of-range timeout before any connection (exit 2, its usage text).
    let output = probe(&["--timeout-ms", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--timeout-ms"));
    // A GET's path and a run's code exclude each other; an expected output needs code.
    for args in [
        &["--path", "/health", "--code", "1"][..],
        &["--expect-output", "1"],
    ] {
        let output = probe(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn the_operators_probe_command_reaches_a_serving_runner() {
    // The sidecar's probes are runner-api's `probe_command`, binary first (its path in the
    // image): run the same arguments with this build's binary.
    let process = Process::start();
    let port: u16 = port_of(&process.addr).parse().unwrap();
    for timeout_ms in [
        runner_api::pod::PROBE_DEFAULT_TIMEOUT_MS,
        runner_api::pod::PROBE_MAX_TIMEOUT_MS,
    ] {
        let command = runner_api::pod::probe_command(port, "/health", timeout_ms);
        assert_eq!(command[0], runner_api::pod::RUNNER_BINARY);
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_runner-node"))
            .args(&command[1..])
            .env_remove("RUNNER_PORT")
            .output()
            .expect("runner-node probe runs");
        let (code, line) = outcome(&output);
        assert_eq!(code, 0, "{timeout_ms} ms: {line}");
        assert!(line.contains(&format!("{port}/health")), "{line}");
    }
}
