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

// === Tenants (--auth-tokens-file) ===

const TEAM_A: &str = "team-a-token-000001";
const TEAM_A_NEXT: &str = "team-a-token-000002";
const TEAM_B: &str = "team-b-token-000001";

fn tenants_file(dir: &std::path::Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("tenants.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// curl's answer to a run with `token`: the status, and the body.
fn run_as(addr: &str, token: &str) -> (u16, String) {
    let output = std::process::Command::new("curl")
        .args([
            "-sS",
            "-w",
            "\n%{http_code}",
            "-H",
            "content-type: application/json",
        ])
        .args(["-H", &format!("authorization: Bearer {token}")])
        .args(["--data-binary", BODY, &format!("http://{addr}/run")])
        .output()
        .expect("curl runs");
    let text = String::from_utf8(output.stdout).unwrap();
    let (body, status) = text.rsplit_once('\n').unwrap();
    (status.parse().unwrap(), body.to_string())
}

#[test]
fn each_tenants_tokens_are_accepted_and_each_run_is_logged_with_its_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "tenants:\n  team-a:\n    tokens: [{TEAM_A}, {TEAM_A_NEXT}]\n  team-b:\n    tokens: [{TEAM_B}]\n"
    );
    let path = tenants_file(dir.path(), &text);
    let mut process =
        common::process::Process::start_with(&["--auth-tokens-file", path.to_str().unwrap()]);
    for (token, tenant) in [(TEAM_A_NEXT, "team-a"), (TEAM_B, "team-b")] {
        let (status, body) = run_as(&process.addr, token);
        assert_eq!(status, 200, "{body}");
        let finished = process.next_log_with("run finished");
        assert_eq!(finished["fields"]["tenant"], tenant, "{finished}");
    }
    let (status, _) = run_as(&process.addr, "team-c-token-000001");
    assert_eq!(status, 401);
}

#[tokio::test]
async fn an_edited_tenants_file_rotates_tokens_and_a_broken_edit_keeps_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = tenants_file(
        dir.path(),
        &format!("tenants:\n  a:\n    tokens: [{TEAM_A}]\n"),
    );
    let mut config = test_config();
    config.auth_tokens_file = Some(path.clone());
    let server = TestServer::start_with(config).await;
    let run = |token: &'static str| {
        let server = &server;
        async move {
            let auth = format!("Bearer {token}");
            server
                .send("POST", "/run", &[("authorization", &auth)], BODY)
                .await
                .status
        }
    };
    assert_eq!(run(TEAM_A).await, 200);
    assert_eq!(run(TEAM_A_NEXT).await, 401);

    // Rotation: the new token only.
    tenants_file(
        dir.path(),
        &format!("tenants:\n  a:\n    tokens: [{TEAM_A_NEXT}]\n"),
    );
    let deadline = std::time::Instant::now() + runner_node::live::RELOAD_INTERVAL * 5;
    while run(TEAM_A).await != 401 {
        assert!(
            std::time::Instant::now() < deadline,
            "the old token is still accepted"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(run(TEAM_A_NEXT).await, 200);

    // A broken edit (a token shared by two tenants) changes nothing.
    let shared = format!("tenants:\n  a:\n    tokens: [{TEAM_B}]\n  b:\n    tokens: [{TEAM_B}]\n");
    tenants_file(dir.path(), &shared);
    tokio::time::sleep(runner_node::live::RELOAD_INTERVAL * 2).await;
    assert_eq!(run(TEAM_A_NEXT).await, 200);
    assert_eq!(run(TEAM_B).await, 401);
}

#[tokio::test]
async fn a_bad_tenants_file_stops_the_start_with_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let path = tenants_file(dir.path(), "tenants:\n  a:\n    tokens: [short]\n");
    let mut config = test_config();
    config.auth_tokens_file = Some(path);
    let err = runner_node::Server::bind(config)
        .await
        .err()
        .expect("refused");
    let message = err.to_string();
    assert!(message.contains("tenants file"), "{message}");
    assert!(
        message.contains("tenant a, token 1: a token is at least 16"),
        "{message}"
    );
    assert!(!message.contains("short"), "{message}");
}
