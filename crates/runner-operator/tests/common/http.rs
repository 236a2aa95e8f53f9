//! A plain HTTP client for the operator's own ports (admin, webhook), as a scraper or probe
//! talks to them.

/// `GET path` over a fresh connection to `addr`, as a scraper or probe sends it; the whole
/// answer, head and body, as text.
pub async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    try_http_get(addr, path)
        .await
        .unwrap_or_else(|error| panic!("GET {path}: {error}"))
}

/// [`http_get`], with the failure (refused, reset, no answer within 5 s) as an error.
pub async fn try_http_get(addr: std::net::SocketAddr, path: &str) -> Result<String, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut response = String::new();
    let read = stream.read_to_string(&mut response);
    tokio::time::timeout(std::time::Duration::from_secs(5), read)
        .await
        .map_err(|_| "no answer in time".to_string())?
        .map_err(|e| format!("read: {e}"))?;
    Ok(response)
}
