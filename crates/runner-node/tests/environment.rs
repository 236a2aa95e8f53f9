//! `GET /v1/environment`: what an agent puts into its prompt.

mod common;

use common::{TestServer, test_config};
use serde_json::json;

#[tokio::test]
async fn names_the_runtime_version_limits_and_floor() {
    let mut config = test_config();
    config.timeout_ms = 2_000;
    config.max_cpu_limit_ms = 30_000;
    config.allow_env = vec!["LANG".into()];
    let server = TestServer::start_with(config).await;
    let answer = server.get("/v1/environment").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let env = answer.json();
    assert_eq!(env["runtime"], "standard");
    assert_eq!(env["platform"], "wasm32-wasip1");
    // The version the guest itself reports.
    let version = server
        .run("import platform; print(platform.python_version())")
        .await;
    assert_eq!(
        format!("{}\n", env["python_version"].as_str().unwrap()),
        version["stdout"]
    );
    assert_eq!(env["limits"]["timeout_ms"], 2_000);
    assert_eq!(env["limits"]["max_timeout_ms"], 60_000);
    assert_eq!(env["limits"]["max_cpu_limit_ms"], 30_000);
    assert_eq!(env["limits"]["max_output_files"], 100);
    assert_eq!(env["allowed_env"], json!(["LANG"]));
    assert_eq!(env["paths"]["work"], "/work");
    assert!(env["paths"].get("packages").is_none());
    assert_eq!(
        env["sessions"],
        json!({"max_sessions": 16, "idle_timeout_s": 600, "max_idle_timeout_s": 3600,
               "lifetime_s": 14400})
    );
    // The floor is what the server refuses below.
    let floor = env["memory_floor_mb"].as_u64().unwrap();
    assert!(floor > 1, "{env}");
    let below = server
        .post(&json!({"code": "print(1)", "memory_mb": floor - 1}))
        .await;
    assert_eq!(below.status, 422);
    // At the floor the run is admitted (whether `print` then fits is the program's business).
    let at = server
        .post(&json!({"code": "print(1)", "memory_mb": floor}))
        .await;
    assert_eq!(at.status, 200, "{}", at.body);
}

#[tokio::test]
async fn needs_the_token_like_the_run_endpoints() {
    let mut config = test_config();
    config.auth_token = Some("s3cret".into());
    let server = TestServer::start_with(config).await;
    assert_eq!(server.get("/v1/environment").await.status, 401);
    let ok = server
        .send(
            "GET",
            "/v1/environment",
            &[("authorization", "Bearer s3cret")],
            "",
        )
        .await;
    assert_eq!(ok.status, 200);
    let wrong = server.request("POST", "/v1/environment", None, "").await;
    assert_eq!(wrong.status, 405);
}
