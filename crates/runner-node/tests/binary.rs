//! The `runner-node` binary as an operator runs it: JSON logs without code or output, and
//! SIGTERM drains in-flight runs, then exits 0.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// A spawned `runner-node` on a free loopback port, and its log lines as JSON.
struct Process {
    child: Child,
    logs: BufReader<ChildStdout>,
    addr: String,
}

impl Process {
    fn start() -> Self {
        let python_dir = std::env::var("RUNNER_PYTHON_DIR").expect("RUNNER_PYTHON_DIR is set");
        let mut child = Command::new(env!("CARGO_BIN_EXE_runner-node"))
            .args(["--host", "127.0.0.1", "--port", "0", "--admin-port", "0"])
            .args(["--log-format", "json"])
            .args(["--python-dir", &python_dir])
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .spawn()
            .expect("runner-node starts");
        // Logs go to stdout, as containers expect.
        let logs = BufReader::new(child.stdout.take().unwrap());
        let mut process = Process {
            child,
            logs,
            addr: String::new(),
        };
        let listening = process.next_log_with("runner-node listening");
        process.addr = listening["fields"]["addr"].as_str().unwrap().to_string();
        process
    }

    /// Reads log lines until one has `message`; every line must be JSON.
    fn next_log_with(&mut self, message: &str) -> Value {
        let mut line = String::new();
        loop {
            line.clear();
            let n = self.logs.read_line(&mut line).expect("read logs");
            assert!(n > 0, "runner-node exited before logging {message:?}");
            let entry: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("log line is not JSON ({e}): {line}"));
            if entry["fields"]["message"] == message {
                return entry;
            }
        }
    }

    fn run(&self, code: &str) -> std::process::Child {
        let body = serde_json::json!({ "code": code }).to_string();
        Command::new("curl")
            .args([
                "-sS",
                "-H",
                "content-type: application/json",
                "--data-binary",
                &body,
            ])
            .arg(format!("http://{}/run", self.addr))
            .stdout(Stdio::piped())
            .spawn()
            .expect("curl runs")
    }

    fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

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
