//! Sessions against the real server: state that lives across runs, what ends a session, and
//! what one caller cannot do to another's.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Answer, TestServer, test_config};
use serde_json::{Value, json};

/// `POST /v1/sessions` with `body` (`None`: no body at all), as `token` when given.
async fn create(server: &TestServer, body: Option<Value>, token: Option<&str>) -> Answer {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth.as_str()));
    }
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    server.send("POST", "/v1/sessions", &headers, body).await
}

/// A new session with `body`'s settings; its id.
async fn session(server: &TestServer, body: Value) -> String {
    let answer = create(server, Some(body), None).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    answer.json()["id"].as_str().unwrap().to_string()
}

/// `POST /v1/sessions/{id}/run`, as `token` when given.
async fn run_in(server: &TestServer, id: &str, body: Value, token: Option<&str>) -> Answer {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth.as_str()));
    }
    let path = format!("/v1/sessions/{id}/run");
    server.send("POST", &path, &headers, body.to_string()).await
}

/// Runs `code` in session `id` and returns the 200 answer.
async fn run(server: &TestServer, id: &str, code: &str) -> Value {
    let answer = run_in(server, id, json!({ "code": code }), None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()
}

async fn describe(server: &TestServer, id: &str) -> Answer {
    server.get(&format!("/v1/sessions/{id}")).await
}

/// The value of the labelled metric `series` (e.g. `name{reason="idle"}`).
async fn series(server: &TestServer, series: &str) -> f64 {
    server.metric(series).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn globals_imports_files_and_open_files_last_across_runs() {
    let server = TestServer::start().await;
    let answer = create(&server, None, None).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let info = answer.json();
    let id = info["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 22, "{info}");
    assert_eq!(
        info["url"],
        format!("http://{}/v1/sessions/{id}", server.addr)
    );
    assert_eq!(
        (info["state"].as_str(), info["runs"].as_u64()),
        (Some("live"), Some(0))
    );
    assert_eq!(info["memory_mb"], 128);

    run(
        &server,
        &id,
        "import json\nx = 41\nlog = open('log.txt', 'w')\nlog.write('a')",
    )
    .await;
    let res = run(
        &server,
        &id,
        "x += 1\nlog.write('b'); log.close()\nprint(x, json.dumps(open('log.txt').read()))",
    )
    .await;
    assert_eq!(
        res["res"],
        json!({"status": "Ok", "output": "42 \"ab\"\n"}),
        "{res}"
    );
    assert!(res.get("session_ended").is_none(), "{res}");

    // Each run reads its own stdin, and nothing buffered from the run before.
    for word in ["first", "second"] {
        let body = json!({"code": "print(input().upper())", "stdin": format!("{word}\nrest\n")});
        let res = run_in(&server, &id, body, None).await.json();
        assert_eq!(res["stdout"], format!("{}\n", word.to_uppercase()), "{res}");
    }

    // Files in and out, beside what earlier runs left in /work.
    let body = json!({
        "code": "open('out.txt', 'w').write(open('in.txt').read() * 2)",
        "files": {"in.txt": "ab"},
        "outputs": ["*.txt"],
    });
    let res = run_in(&server, &id, body, None).await.json();
    let paths: Vec<&str> = res["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["in.txt", "log.txt", "out.txt"], "{res}");
    assert_eq!(res["files"][2]["content"], "abab");

    let info = describe(&server, &id).await.json();
    assert_eq!(info["runs"], 5, "{info}");
    assert_eq!(info["running"], false);
    assert!(info["memory_bytes"].as_u64().unwrap() > 10 << 20, "{info}");
    assert!(
        info["expires_at"].as_str().unwrap().ends_with('Z'),
        "{info}"
    );
    assert_eq!(server.metric("runner_sessions").await, 1.0);
    server.assert_still_serves().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exceptions_exits_and_memory_errors_leave_the_session_as_python_leaves_it() {
    let server = TestServer::start().await;
    let id = session(&server, json!({"memory_mb": 64})).await;
    run(&server, &id, "kept = 'yes'").await;

    let res = run(&server, &id, "def f():\n    raise ValueError('boom')\nf()").await;
    assert_eq!(
        (res["outcome"].as_str(), res["exit_code"].as_i64()),
        (Some("completed"), Some(1))
    );
    let stderr = res["stderr"].as_str().unwrap();
    assert!(
        stderr.starts_with("Traceback (most recent call last):\n  File \"<string>\", line 3"),
        "{stderr}"
    );
    assert!(stderr.ends_with("ValueError: boom\n"), "{stderr}");
    assert!(
        !stderr.contains("session_run"),
        "the runner's frame shows: {stderr}"
    );

    let res = run(&server, &id, "import sys; sys.exit(3)").await;
    assert_eq!(res["exit_code"], 3, "{res}");
    let res = run(&server, &id, "import sys; sys.exit('bye')").await;
    assert_eq!(
        (res["exit_code"].as_i64(), res["stderr"].as_str()),
        (Some(1), Some("bye\n"))
    );
    let res = run(&server, &id, "x = bytearray(200 * 2**20)").await;
    assert_eq!(res["outcome"], "memory_limit", "{res}");
    assert!(
        res["stderr"].as_str().unwrap().contains("MemoryError"),
        "{res}"
    );
    let res = run(&server, &id, "print(1 +)").await;
    assert!(
        res["stderr"].as_str().unwrap().contains("SyntaxError"),
        "{res}"
    );

    // None of these ended the session: what the first run defined is still there.
    let res = run(&server, &id, "print(kept)").await;
    assert_eq!(res["stdout"], "yes\n", "{res}");
    let info = describe(&server, &id).await.json();
    assert_eq!(info["runs"], 7, "{info}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_stopped_midway_ends_its_session_and_nothing_else() {
    let server = TestServer::start().await;
    for (code, outcome, why) in [
        ("while True: pass", "timeout", "wall-time limit"),
        ("import time; time.sleep(30)", "timeout", "wall-time limit"),
        ("print('x' * 10**7)", "output_limit", "output cap"),
        (
            "import os; os._exit(4)",
            "completed",
            "left the interpreter",
        ),
    ] {
        let id = session(&server, json!({})).await;
        run(&server, &id, "x = 1").await;
        let body = json!({"code": code, "timeout_ms": 500});
        let res = run_in(&server, &id, body, None).await.json();
        assert_eq!(res["outcome"], outcome, "{code}: {res}");
        let ended = res["session_ended"].as_str().unwrap_or_default();
        assert!(
            ended.contains(why) && ended.contains("new session"),
            "{code}: {res}"
        );
        let again = run_in(&server, &id, json!({"code": "print(x)"}), None).await;
        assert_eq!(
            (again.status, again.error_code()),
            (404, "session_not_found".into())
        );
        assert_eq!(describe(&server, &id).await.status, 404);
        server.assert_still_serves().await;
    }
    assert_eq!(server.metric("runner_sessions").await, 0.0);
    assert_eq!(
        series(&server, "runner_sessions_ended_total{reason=\"stopped\"}").await,
        4.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_see_nothing_of_each_other() {
    let server = TestServer::start().await;
    let a = session(&server, json!({"files": {"secret.txt": "a's"}})).await;
    let b = session(&server, json!({})).await;
    run(
        &server,
        &a,
        "secret = 'a'\nimport os; os.environ['MINE'] = '1'",
    )
    .await;
    let res = run(
        &server,
        &b,
        "import os\nprint('secret' in globals(), os.listdir('.'), os.environ.get('MINE'))",
    )
    .await;
    assert_eq!(res["stdout"], "False [] None\n", "{res}");
    // A plain run sees nothing of either.
    let res = server.run("print('secret' in globals())").await;
    assert_eq!(res["stdout"], "False\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_answers_only_its_own_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenants.yaml");
    std::fs::write(
        &path,
        "tenants:\n  a:\n    tokens: [token-of-tenant-a-01]\n  b:\n    tokens: [token-of-tenant-b-01]\n    \
         quotas: {sessions: 1}\n",
    )
    .unwrap();
    let mut config = test_config();
    config.auth_tokens_file = Some(path);
    let server = TestServer::start_with(config).await;
    let (a, b) = ("token-of-tenant-a-01", "token-of-tenant-b-01");

    assert_eq!(create(&server, None, None).await.status, 401);
    let made = create(&server, None, Some(a)).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let id = made.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        run_in(&server, &id, json!({"code": "s = 1"}), Some(a))
            .await
            .status,
        200
    );

    let stolen = run_in(&server, &id, json!({"code": "print(s)"}), Some(b)).await;
    assert_eq!(
        (stolen.status, stolen.error_code()),
        (404, "session_not_found".into())
    );
    let guessed = "AAAAAAAAAAAAAAAAAAAAAA";
    let unknown = run_in(&server, guessed, json!({"code": "1"}), Some(a)).await;
    assert_eq!(
        unknown.body.replace(guessed, &id),
        stolen.body,
        "told apart"
    );
    let headers = [("authorization", "Bearer token-of-tenant-b-01")];
    let path = format!("/v1/sessions/{id}");
    assert_eq!(server.send("GET", &path, &headers, "").await.status, 404);
    assert_eq!(server.send("DELETE", &path, &headers, "").await.status, 404);
    assert_eq!(server.send("GET", &path, &[], "").await.status, 401);

    let res = run_in(&server, &id, json!({"code": "print(s)"}), Some(a))
        .await
        .json();
    assert_eq!(
        res["stdout"], "1\n",
        "the session survived the attempts: {res}"
    );

    // b may keep one session; a, without a quota, more.
    assert_eq!(create(&server, None, Some(b)).await.status, 201);
    let over = create(&server, None, Some(b)).await;
    assert_eq!(
        (over.status, over.error_code()),
        (429, "quota_exceeded".into())
    );
    assert!(over.body.contains("quotas.sessions (1)"), "{}", over.body);
    assert_eq!(over.retry_after.as_deref(), Some("1"));
    assert_eq!(create(&server, None, Some(a)).await.status, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn places_are_capped_and_one_program_runs_at_a_time() {
    let mut config = test_config();
    config.max_sessions = 2;
    let server = Arc::new(TestServer::start_with(config).await);
    let first = session(&server, json!({})).await;
    let _second = session(&server, json!({})).await;
    let full = create(&server, None, None).await;
    assert_eq!((full.status, full.error_code()), (503, "overloaded".into()));
    assert_eq!(full.retry_after.as_deref(), Some("1"));
    assert!(full.body.contains("--max-sessions"), "{}", full.body);

    // A second run while one executes: 409, and the first is unharmed.
    let sleeper = {
        let (server, id) = (server.clone(), first.clone());
        tokio::spawn(async move {
            run(&server, &id, "import time; time.sleep(1.5); print('slept')").await
        })
    };
    server.await_metric("runner_runs_in_flight", 1.0).await;
    let busy = run_in(&server, &first, json!({"code": "1"}), None).await;
    assert_eq!(
        (busy.status, busy.error_code()),
        (409, "session_busy".into())
    );
    assert_eq!(describe(&server, &first).await.json()["running"], true);
    assert_eq!(sleeper.await.unwrap()["stdout"], "slept\n");

    let path = format!("/v1/sessions/{first}");
    assert_eq!(server.send("DELETE", &path, &[], "").await.status, 204);
    assert_eq!(server.send("DELETE", &path, &[], "").await.status, 404);
    assert_eq!(
        create(&server, None, None).await.status,
        201,
        "the place was freed"
    );
    let wrong = server.send("PUT", &path, &[], "").await;
    assert_eq!(
        (wrong.status, wrong.error_code()),
        (405, "method_not_allowed".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_checked_before_anything_starts() {
    let mut config = test_config();
    config.max_session_idle_timeout_s = 60;
    config.session_idle_timeout_s = 60;
    let server = TestServer::start_with(config).await;
    for (body, status, code) in [
        (json!({"idle_timeout_s": 61}), 422, "limit_exceeded"),
        (json!({"idle_timeout_s": 0}), 400, "invalid_request"),
        (json!({"memory_mb": 100_000}), 422, "limit_exceeded"),
        (json!({"env": {"SECRET": "x"}}), 422, "env_not_allowed"),
        (json!({"idle": 5}), 400, "unknown_field"),
        (json!({"files": {"../x": "y"}}), 400, "invalid_request"),
    ] {
        let answer = create(&server, Some(body.clone()), None).await;
        assert_eq!(
            (answer.status, answer.error_code()),
            (status, code.into()),
            "{body}"
        );
    }
    let id = session(&server, json!({})).await;
    for body in [
        json!({"code": "1", "memory_mb": 64}),
        json!({"code": "1", "env": {"A": "b"}}),
    ] {
        let answer = run_in(&server, &id, body.clone(), None).await;
        assert_eq!(
            (answer.status, answer.error_code()),
            (400, "invalid_request".into())
        );
        assert!(answer.body.contains("POST /v1/sessions"), "{}", answer.body);
    }
    // A name the program made a link of is refused, and the session goes on.
    run(
        &server,
        &id,
        "import os; os.mkdir('d'); os.symlink('d', 'link'); n = 7",
    )
    .await;
    let body = json!({"code": "print(n)", "files": {"link/x": "y"}});
    let blocked = run_in(&server, &id, body, None).await;
    assert_eq!(
        (blocked.status, blocked.error_code()),
        (400, "invalid_request".into())
    );
    assert!(blocked.body.contains("symbolic link"), "{}", blocked.body);
    assert_eq!(run(&server, &id, "print(n)").await["stdout"], "7\n");
    assert_eq!(server.metric("runner_sessions").await, 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sessions_and_abandoned_runs_end() {
    let server = TestServer::start().await;
    let idle = session(&server, json!({"idle_timeout_s": 1})).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while describe(&server, &idle).await.status == 200 {
        assert!(
            std::time::Instant::now() < deadline,
            "the idle session never ended"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        series(&server, "runner_sessions_ended_total{reason=\"idle\"}").await,
        1.0
    );

    // The caller of a run leaves: the run is dropped and its session ends.
    let id = session(&server, json!({})).await;
    let body = json!({"code": "import time; time.sleep(30)"}).to_string();
    let socket = server
        .start_raw_post(&format!("/v1/sessions/{id}/run"), &body)
        .await;
    server.await_metric("runner_runs_in_flight", 1.0).await;
    drop(socket);
    server.await_metric("runner_sessions", 0.0).await;
    assert_eq!(
        series(&server, "runner_sessions_ended_total{reason=\"cancelled\"}").await,
        1.0
    );
    assert_eq!(describe(&server, &id).await.status, 404);
    server.assert_still_serves().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_without_sessions_says_so() {
    let mut config = test_config();
    config.max_sessions = 0;
    let server = TestServer::start_with(config).await;
    let answer = create(&server, None, None).await;
    assert_eq!(
        (answer.status, answer.error_code()),
        (404, "not_found".into())
    );
    assert!(answer.body.contains("--max-sessions 0"), "{}", answer.body);
    server.assert_still_serves().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_url_is_the_runners_advertised_address() {
    let mut config = test_config();
    config.advertise_ip = Some("::1".parse().unwrap());
    let server = TestServer::start_with(config).await;
    let info = create(&server, None, None).await.json();
    let url = format!(
        "http://[::1]:{}/v1/sessions/{}",
        server.addr.port(),
        info["id"].as_str().unwrap()
    );
    assert_eq!(info["url"], url, "{info}");
}
