//! Streamed answers (`Accept: application/x-ndjson`): output events as the program writes, in
//! order and complete, then the result; refusals stay plain; a caller that leaves cancels.

mod common;

use common::{TestServer, test_config};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

/// A streamed answer being read line by line.
struct Events {
    status: u16,
    content_type: String,
    body: Incoming,
    buffer: Vec<u8>,
}

impl Events {
    /// The next event, `None` at the end of the stream.
    async fn next(&mut self) -> Option<Value> {
        loop {
            if let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                return Some(serde_json::from_slice(&line).expect("each line is JSON"));
            }
            match self.body.frame().await {
                Some(frame) => {
                    if let Ok(data) = frame.expect("the stream reads").into_data() {
                        self.buffer.extend_from_slice(&data);
                    }
                }
                None => {
                    assert!(self.buffer.is_empty(), "a partial last line");
                    return None;
                }
            }
        }
    }

    /// Every event left.
    async fn rest(&mut self) -> Vec<Value> {
        let mut events = Vec::new();
        while let Some(event) = self.next().await {
            events.push(event);
        }
        events
    }
}

async fn stream(server: &TestServer, path: &str, body: Value) -> Events {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let request = hyper::Request::post(format!("http://{}{path}", server.addr))
        .header("content-type", "application/json")
        .header("accept", "application/x-ndjson")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    let response = client.request(request).await.expect("the server answers");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    Events {
        status: response.status().as_u16(),
        content_type,
        body: response.into_body(),
        buffer: Vec::new(),
    }
}

/// The text of the events of one stream, joined.
fn text(events: &[Value], kind: &str) -> String {
    events
        .iter()
        .filter(|e| e["type"] == kind)
        .map(|e| e["data"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_arrives_while_the_program_runs_and_the_result_comes_last() {
    let server = TestServer::start().await;
    let code = "import sys, time\nprint('first', flush=True)\ntime.sleep(1)\n\
                print('oops', file=sys.stderr)\nfor i in range(3): print(i)";
    let mut events = stream(&server, "/run", json!({ "code": code })).await;
    assert_eq!(
        (events.status, events.content_type.as_str()),
        (200, "application/x-ndjson")
    );
    // `print` writes its text and the line end apart: read up to the first line end.
    let mut all = Vec::new();
    while text(&all, "stdout") != "first\n" {
        all.push(events.next().await.expect("an event before the end"));
    }
    // The program is still asleep: the first line came before the run ended.
    assert_eq!(server.metric("runner_runs_in_flight").await, 1.0);

    let rest = events.rest().await;
    let (result, output) = rest.split_last().unwrap();
    assert_eq!(result["type"], "result", "{result}");
    assert_eq!(result["res"]["status"], "Ok");
    all.extend(output.iter().cloned());
    assert_eq!(text(&all, "stdout"), result["stdout"].as_str().unwrap());
    assert_eq!(text(&all, "stderr"), "oops\n");
    // Interleaved in write order, as `res.output` is.
    let interleaved: String = all.iter().map(|e| e["data"].as_str().unwrap()).collect();
    assert_eq!(interleaved, result["res"]["output"].as_str().unwrap());
    assert_eq!(interleaved, "first\noops\n0\n1\n2\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn characters_are_never_split_and_the_output_cap_holds() {
    let mut config = test_config();
    config.max_output_bytes = 1000;
    let server = TestServer::start_with(config).await;
    let code = "import sys\nout = sys.stdout.buffer\nout.write(b'\\xc3'); out.flush()\n\
                out.write(b'\\xa9\\n'); out.flush()\nwhile True: print('x' * 100)";
    let mut events = stream(&server, "/v1/run", json!({ "code": code })).await;
    let all = events.rest().await;
    assert_eq!(all[0], json!({"type": "stdout", "data": "é\n"}));
    let (result, output) = all.split_last().unwrap();
    assert_eq!(result["outcome"], "output_limit");
    let streamed = text(output, "stdout");
    assert_eq!(streamed, result["stdout"].as_str().unwrap());
    assert!(streamed.len() <= 1000, "{} bytes streamed", streamed.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_before_the_run_are_plain_errors() {
    let server = TestServer::start().await;
    let events = stream(&server, "/run", json!({"code": "1", "timeout_ms": 0})).await;
    assert_eq!(
        (events.status, events.content_type.as_str()),
        (400, "application/json")
    );
    let events = stream(&server, "/v1/sessions/nope/run", json!({"code": "1"})).await;
    assert_eq!(events.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_leaves_the_stream_cancels_the_run() {
    let server = TestServer::start().await;
    let code = "import time\nwhile True:\n    print('tick', flush=True)\n    time.sleep(0.05)";
    let mut events = stream(&server, "/run", json!({"code": code, "timeout_ms": 30000})).await;
    assert_eq!(events.next().await.unwrap()["data"], "tick");
    drop(events);
    server.await_metric("runner_runs_in_flight", 0.0).await;
    assert_eq!(
        server
            .metric("runner_runs_total{outcome=\"cancelled\"}")
            .await,
        1.0
    );
    server.assert_still_serves().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_streams_and_a_failure_after_the_start_is_an_error_event() {
    let server = TestServer::start().await;
    let made = server
        .request("POST", "/v1/sessions", Some("application/json"), "{}")
        .await
        .json();
    let id = made["id"].as_str().unwrap().to_string();
    let path = format!("/v1/sessions/{id}/run");
    let code = "import os\nos.mkdir('d'); os.symlink('d', 'link')\ntotal = 40\nprint('made')";
    let all = stream(&server, &path, json!({ "code": code }))
        .await
        .rest()
        .await;
    assert_eq!(text(&all, "stdout"), "made\n");
    assert_eq!(all.last().unwrap()["type"], "result");

    // The files are written after the answer started: a blocked name is an error event, and
    // the session goes on.
    let body = json!({"code": "print(total)", "files": {"link/x": "y"}});
    let all = stream(&server, &path, body).await.rest().await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["type"], "error");
    assert_eq!(all[0]["error"]["code"], "invalid_request");
    let all = stream(&server, &path, json!({"code": "print(total + 2)"}))
        .await
        .rest()
        .await;
    assert_eq!(text(&all, "stdout"), "42\n");
}
