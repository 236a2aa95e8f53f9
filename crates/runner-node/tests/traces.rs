//! Traces of the real binary, switched on by the standard OTEL_* variables and sent to an OTLP
//! receiver on loopback: a run continues the caller's `traceparent`, its spans time each step,
//! and their attributes say how it went without its code or output.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::process::Process;
use runner_telemetry::receiver::{ReceivedSpan, Receiver};
use serde_json::Value;

/// The caller's trace and span, as a W3C `traceparent` (version 00, sampled).
const CALLER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// runner-node exporting to `receiver`, flushing every 50 ms instead of every 5 s.
fn traced_process(receiver: &Receiver) -> Process {
    let endpoint = receiver.endpoint();
    Process::start_with_env(
        &[],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_BSP_SCHEDULE_DELAY", "50"),
            ("OTEL_SERVICE_NAME", "sandbox-under-test"),
            // As a pool's spec.tracing sets it, after the kubelet's $(VAR) expansion.
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "k8s.pod.name=traced-5d8f-x2x7q,k8s.namespace.name=apps,sandbox.pool.name=traced",
            ),
        ],
    )
}

/// POSTs `body` to /run with `headers`; returns the status and the JSON answer.
fn post(process: &Process, body: &Value, headers: &[String]) -> (u16, Value) {
    let mut curl = Command::new("curl");
    curl.args([
        "-sS",
        "-w",
        "\n%{http_code}",
        "-H",
        "content-type: application/json",
    ]);
    for header in headers {
        curl.args(["-H", header]);
    }
    let output = curl
        .args(["--data-binary", &body.to_string()])
        .arg(format!("http://{}/run", process.addr))
        .stdout(Stdio::piped())
        .output()
        .expect("curl runs");
    let text = String::from_utf8(output.stdout).unwrap();
    let (answer, status) = text.rsplit_once('\n').expect("body and status");
    (
        status.parse().unwrap(),
        serde_json::from_str(answer).unwrap(),
    )
}

fn named<'a>(trace: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    trace
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no {name} span in {trace:#?}"))
}

// Multi-threaded: the receiver answers the exporter while this thread waits for curl.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_continues_the_callers_trace_with_a_span_per_step() {
    let receiver = Receiver::start().await;
    let process = traced_process(&receiver);
    let code = "import sys\nprint('secret-output-11')\nsys.exit(3)  # secret-code-11";
    let traceparent = format!("traceparent: 00-{CALLER_TRACE}-{CALLER_SPAN}-01");
    let (status, answer) = post(
        &process,
        &serde_json::json!({"code": code, "timeout_ms": 4000, "memory_mb": 64}),
        &[traceparent, "tracestate: vendor=1".into()],
    );
    assert_eq!(
        (status, answer["exit_code"].as_i64()),
        (200, Some(3)),
        "{answer}"
    );

    let trace = receiver
        .wait_for(Duration::from_secs(20), |s| {
            s.name == "run" && s.trace_id == CALLER_TRACE
        })
        .await;
    let run = named(&trace, "run");
    assert_eq!(run.parent_span_id, CALLER_SPAN);
    assert_eq!(run.resource["service.name"], "sandbox-under-test");
    assert_eq!(run.resource["sandbox.pool.name"], "traced");
    assert_eq!(run.resource["k8s.pod.name"], "traced-5d8f-x2x7q");
    assert_eq!(run.resource["k8s.namespace.name"], "apps");
    let attr = |name: &str| run.attributes.get(name).map(String::as_str);
    assert_eq!(attr("run.id"), answer["id"].as_str());
    assert_eq!(attr("run.outcome"), Some("completed"));
    assert_eq!(attr("run.exit_code"), Some("3"));
    assert_eq!(attr("run.timeout_ms"), Some("4000"));
    assert_eq!(attr("run.memory_limit_bytes"), Some("67108864"));
    assert!(attr("run.output_limit_bytes").is_some(), "{run:#?}");
    assert_eq!(attr("run.truncated"), Some("false"));

    // Each step is a child of the run, in the caller's trace.
    for step in [
        "admission_wait",
        "instantiate",
        "guest_execution",
        "response",
    ] {
        let span = named(&trace, step);
        assert_eq!(span.parent_span_id, run.span_id, "{step}");
    }
    // Nothing of the program or what it printed leaves the process in a trace.
    let everything = format!("{trace:?}");
    assert!(
        !everything.contains("secret-code-11") && !everything.contains("secret-output-11"),
        "{everything}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_request_says_why_and_a_request_without_traceparent_starts_a_trace() {
    let receiver = Receiver::start().await;
    let process = traced_process(&receiver);
    let (status, answer) = post(
        &process,
        &serde_json::json!({"code": "print(1)", "timeout_ms": 10_000_000}),
        &[],
    );
    assert_eq!(status, 422, "{answer}");
    let trace = receiver
        .wait_for(Duration::from_secs(20), |s| {
            s.name == "run" && s.attributes.contains_key("error.type")
        })
        .await;
    let run = named(&trace, "run");
    assert_eq!(run.attributes["error.type"], "limit_exceeded");
    assert_eq!(run.parent_span_id, "", "a new trace starts at the run");
    // Refused before admission: no run steps.
    assert!(trace.iter().all(|s| s.name == "run"), "{trace:#?}");
}

#[test]
fn an_unreachable_collector_costs_the_runs_nothing() {
    // A loopback port nothing listens on: every export is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let process = Process::start_with_env(
        &[],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_BSP_SCHEDULE_DELAY", "10"),
        ],
    );
    for n in 0..20 {
        let (status, answer) = post(
            &process,
            &serde_json::json!({"code": format!("print({n})")}),
            &[format!("traceparent: 00-{CALLER_TRACE}-{CALLER_SPAN}-01")],
        );
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["stdout"], format!("{n}\n"));
    }
}

#[test]
fn with_traces_off_a_run_makes_no_span_and_its_log_line_says_it_all() {
    let mut process = Process::start();
    let answer = process.run_to_end("print(6 * 7)");
    let line = process.next_log_with("run finished");
    // No span to format or enter (docs/observability.md, "What traces cost")...
    assert!(
        line.get("span").is_none() && line.get("spans").is_none(),
        "{line}"
    );
    // ... and the line itself names the run and how it ended.
    let fields = &line["fields"];
    assert_eq!(fields["run.id"], answer["id"], "{line}");
    assert_eq!(fields["outcome"], "completed", "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_traces_on_the_run_finished_line_is_in_the_run_span() {
    let receiver = Receiver::start().await;
    let mut process = traced_process(&receiver);
    let answer = process.run_to_end("print(6 * 7)");
    let line = process.next_log_with("run finished");
    assert_eq!(line["span"]["name"], "run", "{line}");
    assert_eq!(line["span"]["run.id"], answer["id"], "{line}");
}
