//! What a sandbox can see and reach: only what "What the guest sees" in the design grants, no
//! network, and nothing of any other run.

mod common;

use common::TestServer;
use serde_json::json;

#[tokio::test]
async fn only_granted_folders_are_visible() {
    let server = TestServer::start().await;
    let code = r#"
import os, sys
print(sorted(os.listdir('/usr/local/lib')))
print(sorted(os.listdir('/work')))
for path in ['/', '/etc', '/etc/passwd', '/proc/self/environ', '/root', '/tmp']:
    try:
        os.stat(path)
        print('VISIBLE', path)
    except OSError as e:
        print('hidden', path)
print(sorted(os.environ))
"#;
    let res = server
        .run_json(json!({"code": code, "files": {"input.txt": "x"}}))
        .await;
    let output = res["res"]["output"].as_str().unwrap();
    assert!(
        output.starts_with("['python3.13']\n['input.txt']\n"),
        "{output}"
    );
    assert!(!output.contains("VISIBLE"), "{output}");
    assert!(
        output.ends_with("[]\n"),
        "host environment leaked: {output}"
    );
}

#[tokio::test]
async fn stdlib_is_read_only() {
    let server = TestServer::start().await;
    let code = r#"
import os
for attempt in [
    lambda: open('/usr/local/lib/python3.13/os.py', 'a'),
    lambda: open('/usr/local/lib/python3.13/new.py', 'w'),
    lambda: os.remove('/usr/local/lib/python3.13/os.py'),
    lambda: os.mkdir('/usr/local/lib/x'),
]:
    try:
        attempt()
        print('WROTE')
    except OSError:
        print('refused')
"#;
    let res = server.run(code).await;
    assert_eq!(
        res["res"]["output"], "refused\nrefused\nrefused\nrefused\n",
        "{res}"
    );
}

#[tokio::test]
async fn network_access_fails_cleanly() {
    let server = TestServer::start().await;
    let res = server
        .run("import urllib.request\nurllib.request.urlopen('http://127.0.0.1:1/', timeout=1)")
        .await;
    assert_eq!(res["res"]["status"], "Error", "{res}");
    assert_eq!(res["outcome"], "completed");
    let output = res["res"]["output"].as_str().unwrap();
    assert!(output.contains("Traceback"), "{output}");
    server.assert_still_serves().await;
}

#[tokio::test]
async fn files_written_by_one_run_are_gone_in_the_next() {
    let server = TestServer::start().await;
    let res = server
        .run("open('/work/secret.txt', 'w').write('mine')\nimport os\nprint(os.listdir('/work'))")
        .await;
    assert_eq!(res["res"]["output"], "['secret.txt']\n");
    let res = server.run("import os\nprint(os.listdir('/work'))").await;
    assert_eq!(res["res"]["output"], "[]\n");
}

#[tokio::test]
async fn concurrent_runs_are_parallel_and_see_only_their_own_output() {
    let server = std::sync::Arc::new(TestServer::start().await);
    let runs = (0..12).map(|i| {
        let server = server.clone();
        tokio::spawn(async move {
            let code = format!(
                "import sys\nfor k in range(50):\n    print('run-{i}', k)\n    sys.stderr.write('err-{i}\\n')\n"
            );
            (i, server.run(&code).await)
        })
    });
    for run in runs {
        let (i, res) = run.await.unwrap();
        let expected: String = (0..50).map(|k| format!("run-{i} {k}\nerr-{i}\n")).collect();
        assert_eq!(res["res"]["output"], expected, "run {i} saw other output");
        let stdout: String = (0..50).map(|k| format!("run-{i} {k}\n")).collect();
        assert_eq!(res["stdout"], stdout);
    }
}
