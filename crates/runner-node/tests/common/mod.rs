//! Test harness: a real `runner-node` on a loopback port, with the real CPython-for-WASI build,
//! and a small HTTP client.

#![allow(dead_code)] // each test file uses a different part of the harness

pub mod process;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use runner_node::config::AdminPort;
use runner_node::{Config, Server};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// The CPython-for-WASI build to test with, as made by `python-wasi/build.sh`.
pub fn python_dir() -> PathBuf {
    match std::env::var_os("RUNNER_PYTHON_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => panic!(
            "RUNNER_PYTHON_DIR is not set: run `bash python-wasi/build.sh` and export its \
             output folder (the README's test command does both)"
        ),
    }
}

/// A configuration for tests: loopback, a free port, every other default.
pub fn test_config() -> Config {
    let mut config = Config::with_python_dir(python_dir());
    config.host = "127.0.0.1".parse().unwrap();
    config.port = 0;
    config.admin_port = AdminPort::Port(0);
    config
}

/// A running server; stopped (gracefully) when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    /// The admin port (`/metrics`), unless the configuration turned it off.
    pub admin: Option<SocketAddr>,
    client: Client<HttpConnector, Full<Bytes>>,
    stop: std::sync::Mutex<Option<oneshot::Sender<()>>>,
    done: Option<oneshot::Receiver<()>>,
}

/// An HTTP answer: status, headers we look at, and the body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    /// The error code of a refused request, checking the body shape on the way.
    pub fn error_code(&self) -> String {
        let body = self.json();
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "error without message: {body}"
        );
        body["error"]["code"]
            .as_str()
            .expect("error.code")
            .to_string()
    }
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(test_config()).await
    }

    pub async fn start_with(config: Config) -> Self {
        Self::serve(Server::bind(config).await.expect("server starts"))
    }

    /// Serves an already bound server.
    pub fn serve(server: Server) -> Self {
        let addr = server.local_addr();
        let admin = server.admin_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let (finished, done) = oneshot::channel();
        tokio::spawn(async move {
            server
                .run(async move {
                    let _ = stopped.await;
                })
                .await;
            let _ = finished.send(());
        });
        TestServer {
            addr,
            admin,
            client: Client::builder(TokioExecutor::new()).build_http(),
            stop: std::sync::Mutex::new(Some(stop)),
            done: Some(done),
        }
    }

    /// Signals the server to shut down, as SIGTERM would, without waiting.
    pub fn begin_shutdown(&self) {
        if let Some(stop) = self.stop.lock().unwrap().take() {
            let _ = stop.send(());
        }
    }

    /// Asks the server to shut down and waits until it has.
    pub async fn shutdown(mut self) {
        self.begin_shutdown();
        let done = self.done.take().expect("not yet shut down");
        tokio::time::timeout(Duration::from_secs(60), done)
            .await
            .expect("server stops")
            .ok();
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<Bytes>,
    ) -> Answer {
        let headers: Vec<(&str, &str)> = content_type
            .map(|ct| ("content-type", ct))
            .into_iter()
            .collect();
        self.send(method, path, &headers, body).await
    }

    /// Sends a request with arbitrary headers.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Answer {
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder.body(Full::new(body.into())).unwrap();
        let response = self.client.request(request).await.expect("server answers");
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            retry_after,
            body: String::from_utf8(body.to_vec()).expect("UTF-8 body"),
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.request("GET", path, None, Bytes::new()).await
    }

    /// `POST /run` with a JSON body.
    pub async fn post(&self, body: &Value) -> Answer {
        self.request("POST", "/run", Some("application/json"), body.to_string())
            .await
    }

    /// Runs `code` and returns the 200 answer's JSON.
    pub async fn run(&self, code: &str) -> Value {
        self.run_json(json!({ "code": code })).await
    }

    /// Runs a full request and returns the 200 answer's JSON.
    pub async fn run_json(&self, body: Value) -> Value {
        let answer = self.post(&body).await;
        assert_eq!(
            answer.status, 200,
            "run answered {}: {}",
            answer.status, answer.body
        );
        answer.json()
    }

    /// The value of the unlabelled metric `name` on the admin port.
    pub async fn metric(&self, name: &str) -> f64 {
        let admin = self.admin.expect("the admin port is on");
        let uri: hyper::Uri = format!("http://{admin}/metrics").parse().unwrap();
        let response = self.client.get(uri).await.expect("the admin port answers");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8(body.to_vec()).unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or_else(|| panic!("no metric {name} in:\n{text}"))
    }

    /// Waits (up to 10 s) until the metric `name` has the value `want`.
    pub async fn await_metric(&self, name: &str, want: f64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let value = self.metric(name).await;
            if value == want {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{name} stayed at {value}, not {want}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends a run over a connection of its own and returns the still-open socket: the run
    /// goes on until it ends or the socket is dropped (the client went away).
    pub async fn start_raw_run(&self, body: &str) -> tokio::net::TcpStream {
        self.start_raw_post("/run", body).await
    }

    /// [`TestServer::start_raw_run`] to another path (a session's `/run`).
    pub async fn start_raw_post(&self, path: &str, body: &str) -> tokio::net::TcpStream {
        use tokio::io::AsyncWriteExt;
        let mut stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let request = format!(
            "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
             content-length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        stream
    }

    /// Asserts the server still runs a trivial program correctly.
    pub async fn assert_still_serves(&self) {
        let res = self.run("print('still here')").await;
        assert_eq!(
            res["res"],
            json!({"status": "Ok", "output": "still here\n"}),
            "{res}"
        );
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.begin_shutdown();
    }
}
