//! The `runner-node` binary as an operator runs it: JSON logs without code or output, and
//! SIGTERM drains in-flight runs, then exits 0; `--worker-threads` sets its thread count.

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
fn worker_threads_sets_how_many_threads_run_and_serve() {
    let one = Process::start_with(&["--worker-threads", "1"]);
    assert_eq!(workers(&one), 1);
    assert_eq!(one.run_to_end("print(6 * 7)")["stdout"], "42\n");
    assert_eq!(workers(&Process::start_with(&["--worker-threads", "3"])), 3);
    let cpus = std::thread::available_parallelism().unwrap().get() as u64;
    assert_eq!(workers(&Process::start()), cpus, "one per CPU by default");
}
