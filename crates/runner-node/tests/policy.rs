//! The sandbox policy file: limits, allowed env names and read-only data mounts.

mod common;

use common::{TestServer, test_config};
use serde_json::json;

/// A policy file plus a data folder holding `table.csv`.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(policy: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("datasets")).unwrap();
        std::fs::write(dir.path().join("datasets/table.csv"), "a,b\n1,2\n").unwrap();
        let policy = policy.replace("DATA", &dir.path().join("datasets").display().to_string());
        std::fs::write(dir.path().join("policy.yaml"), policy).unwrap();
        Fixture { dir }
    }

    fn config(&self) -> runner_node::Config {
        let mut config = test_config();
        config.policy_file = Some(self.dir.path().join("policy.yaml"));
        config
    }
}

const POLICY: &str = r#"
limits:
  timeout_ms: 300
  max_timeout_ms: 1000
  memory_mb: 64
  max_memory_mb: 128
  max_output_bytes: 5000
  max_concurrent_runs: 4
allowed_env: [LANG]
data_mounts:
  - name: datasets
    host_path: DATA
    guest_path: /data/datasets
"#;

#[tokio::test]
async fn data_mounts_are_readable_and_read_only() {
    let fixture = Fixture::new(POLICY);
    let server = TestServer::start_with(fixture.config()).await;
    let res = server
        .run("import os\nprint(os.listdir('/data/datasets'))\nprint(open('/data/datasets/table.csv').read())")
        .await;
    assert_eq!(res["res"]["output"], "['table.csv']\na,b\n1,2\n\n", "{res}");
    let res = server
        .run("open('/data/datasets/table.csv', 'a').write('x')")
        .await;
    assert_eq!(res["res"]["status"], "Error");
    let res = server.run("open('/data/datasets/new.csv', 'w')").await;
    assert_eq!(res["res"]["status"], "Error");
    assert_eq!(
        std::fs::read_to_string(fixture.dir.path().join("datasets/table.csv")).unwrap(),
        "a,b\n1,2\n"
    );
}

#[tokio::test]
async fn the_policy_limits_replace_the_flags() {
    let fixture = Fixture::new(POLICY);
    let server = TestServer::start_with(fixture.config()).await;
    // timeout_ms 300 is the default now.
    let res = server.run("while True: pass").await;
    assert_eq!(res["outcome"], "timeout");
    // max_timeout_ms 1000 and max_memory_mb 128 are the ceilings.
    let answer = server.post(&json!({"code": "", "timeout_ms": 1001})).await;
    assert_eq!(answer.status, 422);
    let answer = server.post(&json!({"code": "", "memory_mb": 129})).await;
    assert_eq!(answer.status, 422);
    // max_output_bytes 5000.
    let res = server.run("print('x' * 10000)").await;
    assert_eq!(res["outcome"], "output_limit");
}

#[tokio::test]
async fn allowed_env_names_pass_others_are_refused() {
    let fixture = Fixture::new(POLICY);
    let server = TestServer::start_with(fixture.config()).await;
    let res = server
        .run_json(
            json!({"code": "import os\nprint(os.environ['LANG'])", "env": {"LANG": "C.UTF-8"}}),
        )
        .await;
    assert_eq!(res["res"]["output"], "C.UTF-8\n");
    let answer = server
        .post(&json!({"code": "", "env": {"PATH": "/bin"}}))
        .await;
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (422, "env_not_allowed")
    );
}

#[tokio::test]
async fn a_bad_policy_file_stops_the_start_with_a_clear_error() {
    for (policy, expected) in [
        (
            "limits: {timeout_ms: 5000, max_timeout_ms: 10}",
            "max_timeout_ms",
        ),
        ("limits: {timeout: 5}", "timeout"),
        (
            "data_mounts: [{name: x, host_path: /nonexistent/x, guest_path: /data/x}]",
            "not a folder",
        ),
        ("{{{", "policy file"),
    ] {
        let fixture = Fixture::new(policy);
        let err = runner_node::Server::bind(fixture.config())
            .await
            .err()
            .expect(policy);
        let message = err.to_string();
        assert!(message.contains(expected), "{policy}: {message}");
        assert!(message.contains("policy.yaml"), "{message}");
    }
}

#[tokio::test]
async fn a_changed_policy_file_is_reloaded_and_a_broken_one_ignored() {
    let fixture = Fixture::new(POLICY);
    let server = TestServer::start_with(fixture.config()).await;
    let path = fixture.dir.path().join("policy.yaml");
    let lang = json!({"code": "import os\nprint(os.environ['TZ'])", "env": {"TZ": "UTC"}});
    assert_eq!(
        server.post(&lang).await.status,
        422,
        "TZ is not allowed yet"
    );

    std::fs::write(&path, "allowed_env: [TZ]\n").unwrap();
    let reloaded = wait_for(|| async { server.post(&lang).await.status == 200 }).await;
    assert!(reloaded, "the new policy did not take effect");

    std::fs::write(&path, "limits: {nonsense: 1}\n").unwrap();
    tokio::time::sleep(runner_node::live::RELOAD_INTERVAL * 2).await;
    assert_eq!(
        server.post(&lang).await.status,
        200,
        "the broken file replaced the policy"
    );
    server.assert_still_serves().await;
}

/// Polls `check` for up to 10 seconds.
async fn wait_for<F, Fut>(check: F) -> bool
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..50 {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    false
}
