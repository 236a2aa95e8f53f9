//! Malformed and refused requests get a 4xx with a JSON error body, never a crash.

mod common;

use common::TestServer;
use serde_json::json;

#[tokio::test]
async fn health_and_root_answer_ok() {
    let server = TestServer::start().await;
    for path in ["/", "/health"] {
        let answer = server.get(path).await;
        assert_eq!((answer.status, answer.body.as_str()), (200, "ok"), "{path}");
    }
    assert_eq!(server.get("/ready").await.status, 200);
}

#[tokio::test]
async fn v1_run_serves_the_same_contract() {
    let server = TestServer::start().await;
    let answer = server
        .request(
            "POST",
            "/v1/run",
            Some("application/json"),
            r#"{"code":"print(2)"}"#,
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.json()["res"],
        json!({"status": "Ok", "output": "2\n"})
    );
}

#[tokio::test]
async fn malformed_bodies_are_400_with_a_reason() {
    let server = TestServer::start().await;
    let cases = [
        ("{not json", "invalid_json"),
        ("", "invalid_json"),
        ("{}", "invalid_request"),
        (r#"{"code": 42}"#, "invalid_request"),
        (r#"{"code": "print(1)", "timeout": 5}"#, "unknown_field"),
        (
            r#"{"code": "x", "files": {"../etc/passwd": "x"}}"#,
            "invalid_request",
        ),
        (r#"{"code": "x", "timeout_ms": 0}"#, "invalid_request"),
    ];
    for (body, code) in cases {
        let answer = server
            .request("POST", "/run", Some("application/json"), body)
            .await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        assert_eq!(answer.error_code(), code, "{body}");
    }
    server.assert_still_serves().await;
}

#[tokio::test]
async fn missing_content_type_is_accepted_as_json() {
    let server = TestServer::start().await;
    let answer = server
        .request("POST", "/run", None, r#"{"code":"print(3)"}"#)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn other_media_types_are_415() {
    let server = TestServer::start().await;
    let answer = server
        .request("POST", "/run", Some("text/plain"), r#"{"code":"print(3)"}"#)
        .await;
    assert_eq!(answer.status, 415);
    assert_eq!(answer.error_code(), "unsupported_media_type");
}

#[tokio::test]
async fn limits_above_the_maxima_are_422_not_clamped() {
    let server = TestServer::start().await;
    for body in [
        json!({"code": "", "timeout_ms": 10_000_000}),
        json!({"code": "", "memory_mb": 100_000}),
    ] {
        let answer = server.post(&body).await;
        assert_eq!(answer.status, 422, "{body}");
        assert_eq!(answer.error_code(), "limit_exceeded");
    }
    let answer = server
        .post(&json!({"code": "", "env": {"HOME": "/x"}}))
        .await;
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (422, "env_not_allowed")
    );
}

#[tokio::test]
async fn oversized_body_is_413() {
    let mut config = common::test_config();
    config.max_body_bytes = 1000;
    let server = TestServer::start_with(config).await;
    let body = json!({"code": format!("x = '{}'", "a".repeat(2000))});
    let answer = server.post(&body).await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.error_code(), "payload_too_large");
}

#[tokio::test]
async fn unknown_paths_and_methods_get_json_errors() {
    let server = TestServer::start().await;
    let answer = server.get("/nope").await;
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (404, "not_found")
    );
    let answer = server.get("/run").await;
    assert_eq!(answer.status, 405, "{}", answer.body);
    assert_eq!(answer.error_code(), "method_not_allowed");
}
