//! The `runner-node` binary as an operator runs it: JSON logs without code or output, and
//! SIGTERM drains in-flight runs, then exits 0; `--worker-threads` sets its HTTP threads; audit
//! events when asked.

mod common;

use std::time::Duration;

use common::process::Process;
use serde_json::Value;

#[test]
fn json_logs_carry_the_run_but_never_its_code_or_output() {
    let mut process = Process::start();
    let output = process
        .run("print('secret-output-7')  # secret-code-7")
        .wait_with_output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("secret-output-7"));
    let finished = process.next_log_with("run finished");
    assert_eq!(finished["fields"]["outcome"], "completed");
    assert_eq!(finished["fields"]["run.id"].as_str().unwrap().len(), 36);
    let text = finished.to_string();
    assert!(
        !text.contains("secret-code-7") && !text.contains("secret-output-7"),
        "{text}"
    );
}

#[test]
fn sigterm_lets_the_in_flight_run_finish_then_exits_0() {
    let mut process = Process::start();
    let in_flight = process.run("import time\ntime.sleep(1)\nprint('finished in time')");
    std::thread::sleep(Duration::from_millis(300));
    process.sigterm();
    let output = in_flight.wait_with_output().unwrap();
    let body: Value = serde_json::from_slice(&output.stdout).expect("a JSON answer");
    assert_eq!(body["res"]["output"], "finished in time\n", "{body}");
    let status = process.child.wait().unwrap();
    assert!(status.success(), "exit status {status}");
}

/// The worker threads `process` says it runs, in its "runner-node listening" line.
fn workers(process: &Process) -> u64 {
    let listening = process.startup_logs.last().expect("the listening line");
    listening["fields"]["workers"]
        .as_u64()
        .expect("a worker count")
}

#[test]
fn worker_threads_sets_how_many_threads_serve_http() {
    let one = Process::start_with(&["--worker-threads", "1"]);
    assert_eq!(workers(&one), 1);
    assert_eq!(one.run_to_end("print(6 * 7)")["stdout"], "42\n");
    assert_eq!(workers(&Process::start_with(&["--worker-threads", "3"])), 3);
    let cpus = std::thread::available_parallelism().unwrap().get() as u64;
    assert_eq!(workers(&Process::start()), cpus, "one per CPU by default");
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_session_is_audited_when_it_starts_and_when_it_ends() {
    let mut process = Process::start_with(&["--audit-log", "stdout"]);
    let curl = |args: &[&str]| {
        let output = std::process::Command::new("curl")
            .args(["-sS", "-X"])
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        output.stdout
    };
    let sessions = format!("http://{}/v1/sessions", process.addr);
    let made: Value = serde_json::from_slice(&curl(&["POST", &sessions])).unwrap();
    let id = made["id"].as_str().unwrap();
    curl(&["DELETE", &format!("{sessions}/{id}")]);
    let lines = process.lines_until("a session's end in the audit", |l| {
        l["target"] == "audit" && l["fields"]["event"] == "session_ended"
    });
    let events: Vec<&Value> = lines
        .iter()
        .filter(|l| l["target"] == "audit")
        .map(|l| &l["fields"])
        .collect();
    // The session's first, empty run prepares its interpreter: no run event.
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["event"], "session_started");
    assert_eq!(
        (&events[0]["session.id"], &events[1]["session.id"]),
        (&made["id"], &made["id"])
    );
    assert_eq!(events[1]["reason"], "deleted");
}

#[test]
fn audit_events_name_each_run_and_its_code_by_digest_never_the_code() {
    let mut process = Process::start_with(&["--audit-log", "stdout"]);
    let code = "print('audited-output-9')  # audited-code-9";
    let answer = process.run_to_end(code);
    let lines = process.logs_until("run finished");
    let audit: Vec<&Value> = lines.iter().filter(|l| l["target"] == "audit").collect();
    assert_eq!(audit.len(), 1, "{lines:?}");
    let event = &audit[0]["fields"];
    assert_eq!(event["event"], "run");
    assert_eq!(event["run.id"], answer["id"]);
    assert_eq!(event["outcome"], "completed");
    assert_eq!(event["exit_code"], 0);
    assert_eq!(event["code_sha256"], sha256_hex(code));
    assert!(event["cpu_ms"].as_f64().unwrap() > 0.0, "{event}");
    assert!(
        event["peak_memory_bytes"].as_u64().unwrap() > 1 << 20,
        "{event}"
    );
    assert!(audit[0]["timestamp"].as_str().is_some(), "{}", audit[0]);
    let text = audit[0].to_string();
    assert!(!text.contains("audited-code-9") && !text.contains("audited-output-9"));

    // A run whose caller goes away is audited as cancelled.
    let status = std::process::Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "0.5",
            "-H",
            "content-type: application/json",
        ])
        .args(["--data-binary", r#"{"code": "while True: pass"}"#])
        .arg(format!("http://{}/run", process.addr))
        .status()
        .unwrap();
    assert!(!status.success(), "curl gave up");
    let lines = process.lines_until("a cancelled run's audit event", |l| {
        l["target"] == "audit" && l["fields"]["outcome"] == "cancelled"
    });
    let cancelled = &lines.last().unwrap()["fields"];
    assert_eq!(cancelled["code_sha256"], sha256_hex("while True: pass"));
}

#[test]
fn no_audit_events_unless_asked() {
    let mut process = Process::start();
    process.run_to_end("print(1)");
    let lines = process.logs_until("run finished");
    assert!(lines.iter().all(|l| l["target"] != "audit"), "{lines:?}");
}
