//! Malformed HTTP over raw TCP: broken request lines, oversized headers, bad framing, slow
//! bodies and pipelining abuse each get an answer (or a closed connection) on their own
//! connection, and the server serves the next normal request.

mod common;

use std::time::Duration;

use common::{TestServer, test_config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Writes `request` (ignoring a server that hangs up before reading it all) and returns
/// everything the server sends until it closes the connection or goes quiet for `quiet`.
async fn exchange(server: &TestServer, request: &[u8], quiet: Duration) -> String {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let _ = stream.write_all(request).await;
    read_until_quiet(&mut stream, quiet).await
}

async fn read_until_quiet(stream: &mut TcpStream, quiet: Duration) -> String {
    let mut answer = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    while let Ok(Ok(n @ 1..)) = tokio::time::timeout(quiet, stream.read(&mut buf)).await {
        answer.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// The status code of the first response in `answer`.
fn status(answer: &str) -> u16 {
    answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP/1.1 status line in {answer:?}"))
}

const QUIET: Duration = Duration::from_secs(2);

#[tokio::test]
async fn a_garbage_request_line_is_400() {
    let server = TestServer::start().await;
    let answer = exchange(&server, b"HELLO THERE\r\n\r\n", QUIET).await;
    assert_eq!(status(&answer), 400, "{answer}");
    server.assert_still_serves().await;
}

#[tokio::test]
async fn http_0_9_gets_no_answer_but_a_closed_connection() {
    let server = TestServer::start().await;
    // HTTP/0.9 has no version and no headers; hyper speaks only HTTP/1.x.
    let answer = exchange(&server, b"GET /\r\n", QUIET).await;
    assert!(answer.is_empty() || status(&answer) >= 400, "{answer}");
    server.assert_still_serves().await;
}

#[tokio::test]
async fn an_unknown_http_version_is_refused() {
    let server = TestServer::start().await;
    let answer = exchange(&server, b"GET /health HTTP/3.7\r\nhost: x\r\n\r\n", QUIET).await;
    assert!(status(&answer) >= 400, "{answer}");
    server.assert_still_serves().await;
}

#[tokio::test]
async fn huge_headers_are_431() {
    let server = TestServer::start().await;
    let request = format!(
        "GET /health HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n",
        "a".repeat(1024 * 1024)
    );
    let answer = exchange(&server, request.as_bytes(), QUIET).await;
    assert_eq!(status(&answer), 431, "{answer}");
    server.assert_still_serves().await;
}

#[tokio::test]
async fn too_many_headers_are_431() {
    let server = TestServer::start().await;
    let mut request = String::from("GET /health HTTP/1.1\r\nhost: x\r\n");
    for i in 0..500 {
        request.push_str(&format!("x-h{i}: v\r\n"));
    }
    request.push_str("\r\n");
    let answer = exchange(&server, request.as_bytes(), QUIET).await;
    assert_eq!(status(&answer), 431, "{answer}");
    server.assert_still_serves().await;
}

#[tokio::test]
async fn bad_chunked_encoding_is_400() {
    let server = TestServer::start().await;
    let request = b"POST /run HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
        transfer-encoding: chunked\r\n\r\nZZZ\r\n{\"code\": \"print(1)\"}\r\n0\r\n\r\n";
    let answer = exchange(&server, request, QUIET).await;
    assert_eq!(status(&answer), 400, "{answer}");
    server.assert_still_serves().await;
}

#[tokio::test]
async fn content_length_and_chunked_together_are_refused() {
    // The classic request-smuggling shape: two framings that disagree.
    let server = TestServer::start().await;
    let request = b"POST /run HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
        content-length: 4\r\ntransfer-encoding: chunked\r\n\r\n\
        13\r\n{\"code\": \"print(1)\"}\r\n0\r\n\r\n";
    let answer = exchange(&server, request, QUIET).await;
    assert!(status(&answer) >= 400, "{answer}");
    server.assert_still_serves().await;
}

#[tokio::test]
async fn a_non_numeric_content_length_is_400() {
    let server = TestServer::start().await;
    let request = b"POST /run HTTP/1.1\r\nhost: x\r\ncontent-length: ten\r\n\r\n{}";
    let answer = exchange(&server, request, QUIET).await;
    assert_eq!(status(&answer), 400, "{answer}");
    server.assert_still_serves().await;
}

#[tokio::test]
async fn a_content_length_shorter_than_the_body_cuts_the_json() {
    let server = TestServer::start().await;
    // Only `{"cod` is the body; the rest is read as a (garbage) next request.
    let request = b"POST /run HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
        content-length: 5\r\n\r\n{\"code\": \"print(1)\"}";
    let answer = exchange(&server, request, QUIET).await;
    assert_eq!(status(&answer), 400, "{answer}");
    assert!(answer.contains("invalid_json"), "{answer}");
    server.assert_still_serves().await;
}

#[tokio::test]
async fn a_content_length_longer_than_the_body_times_out_with_408() {
    let mut config = test_config();
    config.body_read_timeout_ms = 300;
    let server = TestServer::start_with(config).await;
    let request = b"POST /run HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
        content-length: 100\r\n\r\n{\"code\": ";
    let answer = exchange(&server, request, QUIET).await;
    assert_eq!(status(&answer), 408, "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    server.assert_still_serves().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_is_cut_off_with_408_and_the_connection_closed() {
    let mut config = test_config();
    config.body_read_timeout_ms = 500;
    let server = TestServer::start_with(config).await;
    let body = br#"{"code": "print('never runs')"}"#;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /run HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // One byte every 100 ms: the whole body would take about 3 s.
    let mut answer = String::new();
    for byte in body {
        if stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        let mut buf = [0u8; 4096];
        if let Ok(Ok(n @ 1..)) =
            tokio::time::timeout(Duration::from_millis(100), stream.read(&mut buf)).await
        {
            answer.push_str(&String::from_utf8_lossy(&buf[..n]));
            break;
        }
    }
    answer.push_str(&read_until_quiet(&mut stream, QUIET).await);
    assert_eq!(status(&answer), 408, "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(!answer.contains("never runs"), "{answer}");
    server.assert_still_serves().await;
}

#[tokio::test]
async fn a_nul_byte_in_a_header_is_400() {
    let server = TestServer::start().await;
    let answer = exchange(
        &server,
        b"GET /health HTTP/1.1\r\nhost: x\0y\r\n\r\n",
        QUIET,
    )
    .await;
    assert_eq!(status(&answer), 400, "{answer}");
    server.assert_still_serves().await;
}

#[tokio::test]
async fn a_huge_uri_is_refused() {
    let server = TestServer::start().await;
    let request = format!(
        "GET /{} HTTP/1.1\r\nhost: x\r\n\r\n",
        "a".repeat(200 * 1024)
    );
    let answer = exchange(&server, request.as_bytes(), QUIET).await;
    assert!(status(&answer) >= 400, "{answer}");
    server.assert_still_serves().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_are_answered_in_order() {
    let server = TestServer::start().await;
    let body = r#"{"code": "print(6 * 7)"}"#;
    let run = format!(
        "POST /run HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut request = String::new();
    for _ in 0..200 {
        request.push_str("GET /health HTTP/1.1\r\nhost: x\r\n\r\n");
    }
    for _ in 0..3 {
        request.push_str(&run);
    }
    request.push_str("GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    let answer = exchange(&server, request.as_bytes(), Duration::from_secs(20)).await;
    assert_eq!(answer.matches("HTTP/1.1 200 OK").count(), 204, "{answer}");
    assert_eq!(answer.matches(r#""output":"42\n""#).count(), 3, "{answer}");
    server.assert_still_serves().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipelining_client_that_never_reads_does_not_stop_others() {
    let server = TestServer::start().await;
    let mut request = Vec::new();
    for _ in 0..20_000 {
        request.extend_from_slice(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n");
    }
    // Write a lot and never read: the server's writes back up, it stops reading this client.
    let mut greedy = TcpStream::connect(server.addr).await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(2), greedy.write_all(&request)).await;
    server.assert_still_serves().await;
    drop(greedy);
}
