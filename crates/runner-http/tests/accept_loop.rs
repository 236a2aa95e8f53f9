//! The accept loop over real TCP on loopback: silent clients are closed at the header timeout,
//! connections past the limit are closed while the server keeps serving, and a shutdown lets
//! the request in flight finish.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response};
use runner_http::{Limits, plain, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Answers `ok` after `delay`.
fn slow_ok(
    delay: Duration,
) -> impl hyper::service::Service<
    Request<hyper::body::Incoming>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future: Send,
> + Clone {
    service_fn(move |_request| async move {
        tokio::time::sleep(delay).await;
        Ok(Response::new(Full::new(Bytes::from_static(b"ok"))))
    })
}

/// A server answering `ok` after `delay`, with `limits`, until `shutdown` fires (or never).
async fn server(
    limits: Limits,
    delay: Duration,
    shutdown: Option<oneshot::Receiver<()>>,
) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = async move {
        match shutdown {
            Some(signal) => drop(signal.await),
            None => std::future::pending().await,
        }
    };
    let task = tokio::spawn(serve(
        listener,
        "test",
        limits,
        plain,
        slow_ok(delay),
        shutdown,
    ));
    (addr, task)
}

/// `GET /` over a fresh connection: the whole answer, or why there was none within 5 s.
async fn get(addr: SocketAddr) -> Result<String, String> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut answer))
        .await
        .map_err(|_| "no answer in time".to_string())?
        .map_err(|e| format!("read: {e}"))?;
    Ok(answer)
}

/// Reads until the server closes the connection, or `wait` passes (then `None`).
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    tokio::time::timeout(wait, stream.read_to_end(&mut seen))
        .await
        .ok()
        .map(|_| seen)
}

#[tokio::test]
async fn a_client_that_sends_no_headers_is_closed_at_the_timeout() {
    let limits = Limits {
        header_read_timeout: Duration::from_millis(300),
        max_connections: 8,
    };
    let (addr, task) = server(limits, Duration::ZERO, None).await;
    let mut silent = TcpStream::connect(addr).await.unwrap();
    // Half a request line, then nothing.
    silent.write_all(b"GET /hea").await.unwrap();
    let seen = closed_within(&mut silent, Duration::from_secs(10))
        .await
        .expect("closed by the server");
    assert!(!String::from_utf8_lossy(&seen).contains("200"), "{seen:?}");
    // The server still answers others.
    assert!(get(addr).await.unwrap().starts_with("HTTP/1.1 200"));
    task.abort();
}

#[tokio::test]
async fn a_handshake_that_never_ends_is_closed_at_the_timeout() {
    let limits = Limits {
        header_read_timeout: Duration::from_millis(300),
        max_connections: 8,
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // A "TLS handshake" that waits for a byte the client never sends.
    let wrap = |mut stream: TcpStream| async move {
        let mut byte = [0u8; 1];
        stream.read_exact(&mut byte).await?;
        Ok(stream)
    };
    let never = std::future::pending();
    let task = tokio::spawn(serve(
        listener,
        "test",
        limits,
        wrap,
        slow_ok(Duration::ZERO),
        never,
    ));
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let seen = closed_within(&mut silent, Duration::from_secs(10)).await;
    assert_eq!(seen, Some(Vec::new()), "closed without an answer");
    task.abort();
}

#[tokio::test]
async fn connections_past_the_limit_are_closed_and_the_server_keeps_serving() {
    let limits = Limits {
        header_read_timeout: Duration::from_secs(30),
        max_connections: 2,
    };
    let (addr, task) = server(limits, Duration::ZERO, None).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    // Both slots are taken by idle connections: the third is closed without an answer.
    let mut third = TcpStream::connect(addr).await.unwrap();
    let seen = closed_within(&mut third, Duration::from_secs(10))
        .await
        .expect("closed at once");
    assert!(seen.is_empty(), "{seen:?}");
    // One goes: a new connection is served.
    drop(held.pop());
    let mut answered = false;
    for _ in 0..50 {
        // Until the server sees the close, a new connection may still be refused (reset).
        if get(addr).await.is_ok_and(|r| r.starts_with("HTTP/1.1 200")) {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(answered, "a freed slot serves again");
    task.abort();
}

#[tokio::test]
async fn a_shutdown_closes_the_listener_and_lets_the_request_in_flight_finish() {
    let limits = Limits {
        header_read_timeout: Duration::from_secs(30),
        max_connections: 8,
    };
    let (stop, stopped) = oneshot::channel();
    let (addr, task) = server(limits, Duration::from_millis(500), Some(stopped)).await;
    let in_flight = tokio::spawn(get(addr));
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    let answer = in_flight.await.unwrap().expect("answered");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("serve returns once its connections are done")
        .unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
}
