//! HTTP hardening: idle and slow clients cannot hold the server, and a connection flood is
//! bounded.

mod common;

use std::time::Duration;

use common::{TestServer, test_config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Waits up to `within` for the server to close `stream`; true if it did.
async fn closed_by_server(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_elapsed) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue, // an error response before closing is fine
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_do_not_stop_fresh_requests() {
    let server = TestServer::start().await;
    let mut idle = Vec::new();
    for _ in 0..50 {
        idle.push(TcpStream::connect(server.addr).await.unwrap());
    }
    server.assert_still_serves().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_are_cut_off() {
    let mut config = test_config();
    config.header_read_timeout_ms = 300;
    let server = TestServer::start_with(config).await;
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"POST /run HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    assert!(
        closed_by_server(&mut slow, Duration::from_secs(5)).await,
        "slow client kept its connection"
    );
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    assert!(
        closed_by_server(&mut silent, Duration::from_secs(5)).await,
        "silent client kept its connection"
    );
    server.assert_still_serves().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_limit_are_closed_at_once() {
    let mut config = test_config();
    config.max_connections = 4;
    config.header_read_timeout_ms = 500;
    let server = TestServer::start_with(config).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(server.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut extra = TcpStream::connect(server.addr).await.unwrap();
    assert!(
        closed_by_server(&mut extra, Duration::from_millis(400)).await,
        "the limit was not enforced"
    );
    // The held connections send nothing, time out, and free their places.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    server.assert_still_serves().await;
}
