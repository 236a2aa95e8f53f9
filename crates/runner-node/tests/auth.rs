//! Optional bearer-token auth on the run endpoints.

mod common;

use common::{TestServer, test_config};

const BODY: &str = r#"{"code": "print('authorized')"}"#;

async fn server_with_token() -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "s3cret-token\n").unwrap();
    let mut config = test_config();
    config.auth_token_file = Some(file);
    TestServer::start_with(config).await
}

#[tokio::test]
async fn runs_without_the_token_are_401() {
    let server = server_with_token().await;
    for headers in [
        vec![],
        vec![("authorization", "Bearer wrong")],
        vec![("authorization", "Basic czNjcmV0LXRva2Vu")],
        vec![("authorization", "Bearer s3cret-token-and-more")],
    ] {
        for path in ["/run", "/v1/run"] {
            let answer = server.send("POST", path, &headers, BODY).await;
            assert_eq!(answer.status, 401, "{headers:?} {path}");
            assert_eq!(answer.error_code(), "unauthorized");
        }
    }
}

#[tokio::test]
async fn the_token_from_the_file_is_accepted() {
    let server = server_with_token().await;
    let answer = server
        .send(
            "POST",
            "/run",
            &[("authorization", "Bearer s3cret-token")],
            BODY,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["res"]["output"], "authorized\n");
}

#[tokio::test]
async fn probes_stay_open_when_auth_is_on() {
    let server = server_with_token().await;
    assert_eq!(server.get("/health").await.status, 200);
    assert_eq!(server.get("/ready").await.status, 200);
}

#[tokio::test]
async fn an_empty_token_file_is_a_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "  \n").unwrap();
    let mut config = test_config();
    config.auth_token_file = Some(file);
    let err = runner_node::Server::bind(config)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("auth token is empty"), "{err}");
}
