//! The real `runner-node` binary in a child process, with its JSON logs.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

use serde_json::Value;

/// `runner-node` with the test interpreter (`RUNNER_PYTHON_DIR`) and nothing else set.
pub fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_runner-node"));
    command.env("RUNNER_PYTHON_DIR", super::python_dir());
    command
}

/// A spawned `runner-node` on a free loopback port, and its log lines as JSON.
pub struct Process {
    pub child: Child,
    logs: BufReader<ChildStdout>,
    pub addr: String,
    /// The log lines up to and including "runner-node listening".
    pub startup_logs: Vec<Value>,
}

impl Process {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts the binary with `args` after the test defaults (loopback, free port, JSON logs).
    pub fn start_with(args: &[&str]) -> Self {
        Self::start_with_env(args, &[])
    }

    /// Starts the binary with `args` and the environment variables `env`.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = command()
            .args(["--host", "127.0.0.1", "--port", "0", "--admin-port", "0"])
            .args(["--log-format", "json"])
            .args(args)
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .spawn()
            .expect("runner-node starts");
        // Logs go to stdout, as containers expect.
        let logs = BufReader::new(child.stdout.take().unwrap());
        let mut process = Process {
            child,
            logs,
            addr: String::new(),
            startup_logs: Vec::new(),
        };
        process.startup_logs = process.logs_until("runner-node listening");
        let listening = process.startup_logs.last().expect("the listening line");
        process.addr = listening["fields"]["addr"].as_str().unwrap().to_string();
        process
    }

    /// Reads log lines until one has `message`; every line must be JSON.
    pub fn next_log_with(&mut self, message: &str) -> Value {
        self.logs_until(message)
            .pop()
            .expect("logs_until ends with the match")
    }

    /// Reads log lines up to and including the first one with `message`.
    pub fn logs_until(&mut self, message: &str) -> Vec<Value> {
        self.lines_until(message, |entry| entry["fields"]["message"] == message)
    }

    /// Reads log lines up to and including the first one `wanted` picks (`what` names it in
    /// the failure message).
    pub fn lines_until(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut seen = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            let n = self.logs.read_line(&mut line).expect("read logs");
            assert!(
                n > 0,
                "runner-node exited before logging {what:?}: {seen:?}"
            );
            let entry: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("log line is not JSON ({e}): {line}"));
            let found = wanted(&entry);
            seen.push(entry);
            if found {
                return seen;
            }
        }
    }

    /// Runs `code` and returns the answer's body.
    pub fn run_to_end(&self, code: &str) -> Value {
        let output = self.run(code).wait_with_output().expect("curl ends");
        serde_json::from_slice(&output.stdout).expect("a JSON answer")
    }

    pub fn run(&self, code: &str) -> std::process::Child {
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

    pub fn sigterm(&self) {
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
