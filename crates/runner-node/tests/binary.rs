//! The `runner-node` binary as an operator runs it: JSON logs without code or output, and
//! SIGTERM drains in-flight runs, then exits 0.

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
