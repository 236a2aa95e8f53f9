//! Files both ways: text and binary files in, `outputs` patterns out, within the caps, and no
//! way out of `/work`.

mod common;

use common::{TestServer, test_config};
use serde_json::{Value, json};

/// The paths of a response's `files` (or `files_omitted`) list.
fn paths(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn binary_files_go_in_as_base64_and_come_back_as_base64() {
    let server = TestServer::start().await;
    let res = server
        .run_json(json!({
            "code": "data = open('in.bin', 'rb').read()\n\
                     print(list(data))\n\
                     open('out.bin', 'wb').write(bytes(reversed(data)) + b'\\xff')\n\
                     open('note.txt', 'w').write('héllo')",
            "files": {"in.bin": {"base64": "AAEC/w=="}},
            "outputs": ["out.bin", "*.txt"],
        }))
        .await;
    assert_eq!(res["stdout"], "[0, 1, 2, 255]\n", "{res}");
    assert_eq!(
        res["files"],
        json!([
            {"path": "note.txt", "size": 6, "encoding": "utf-8", "content": "héllo"},
            {"path": "out.bin", "size": 5, "encoding": "base64", "content": "/wIBAP8="},
        ])
    );
    assert_eq!(res["files_omitted"], json!([]));
}

#[tokio::test]
async fn patterns_select_by_name_and_depth() {
    let server = TestServer::start().await;
    let code = "import os\n\
        for p in ['a.csv', 'b.csv', 'plots/x.png', 'plots/deep/y.png', 'skip.log']:\n\
        \x20   os.makedirs(os.path.dirname(p) or '.', exist_ok=True)\n\
        \x20   open(p, 'w').write(p)";
    let res = server
        .run_json(json!({"code": code, "outputs": ["*.csv", "plots/**/*.png"]}))
        .await;
    assert_eq!(
        paths(&res["files"]),
        ["a.csv", "b.csv", "plots/deep/y.png", "plots/x.png"]
    );
    // Without outputs, the response has no file fields at all (the origin's shape).
    let plain = server.run(code).await;
    assert!(
        plain.get("files").is_none() && plain.get("files_omitted").is_none(),
        "{plain}"
    );
}

#[tokio::test]
async fn caps_on_count_and_bytes_omit_the_rest_and_say_why() {
    let mut config = test_config();
    config.max_output_files = 2;
    config.max_output_files_bytes = 1000;
    let server = TestServer::start_with(config).await;
    let code = "for name, size in [('a', 10), ('b', 2000), ('c', 10), ('d', 10)]:\n\
        \x20   open(name + '.dat', 'w').write('x' * size)";
    let res = server
        .run_json(json!({"code": code, "outputs": ["*.dat"]}))
        .await;
    assert_eq!(paths(&res["files"]), ["a.dat", "c.dat"]);
    assert_eq!(
        res["files_omitted"],
        json!([
            {"path": "b.dat", "size": 2000, "reason": "bytes_limit"},
            {"path": "d.dat", "size": 10, "reason": "count_limit"},
        ])
    );
    server.assert_still_serves().await;
}

#[tokio::test]
async fn files_of_a_run_stopped_by_a_limit_still_come_back() {
    let server = TestServer::start().await;
    let res = server
        .run_json(json!({
            "code": "open('partial.txt', 'w').write('step 1 done')\nwhile True: pass",
            "timeout_ms": 300,
            "outputs": ["*.txt"],
        }))
        .await;
    assert_eq!(res["outcome"], "timeout");
    assert_eq!(res["files"][0]["content"], "step 1 done");
}

#[tokio::test]
async fn links_out_of_work_are_listed_not_followed() {
    let server = TestServer::start().await;
    // WASI lets the guest make a link with a relative target, even one that climbs out of its
    // folder (following it fails in the guest); the host never reads through any link.
    let code = "import os\n\
        open('real.txt', 'w').write('mine')\n\
        os.symlink('real.txt', 'alias.txt')\n\
        os.symlink('../../../../../etc/passwd', 'passwd.txt')\n\
        print(sorted(os.listdir('.')))";
    let res = server
        .run_json(json!({"code": code, "outputs": ["*.txt"]}))
        .await;
    assert_eq!(
        res["stdout"], "['alias.txt', 'passwd.txt', 'real.txt']\n",
        "{res}"
    );
    assert_eq!(paths(&res["files"]), ["real.txt"]);
    assert_eq!(paths(&res["files_omitted"]), ["alias.txt", "passwd.txt"]);
    for entry in res["files_omitted"].as_array().unwrap() {
        assert_eq!(entry["reason"], "symlink", "{res}");
    }
    server.assert_still_serves().await;
}

#[tokio::test]
async fn patterns_and_files_that_leave_work_are_refused() {
    let server = TestServer::start().await;
    for pattern in ["/etc/*", "../*", "a/../../x", "", "["] {
        let answer = server
            .post(&json!({"code": "print(1)", "outputs": [pattern]}))
            .await;
        assert_eq!(answer.status, 400, "{pattern:?}: {}", answer.body);
        assert_eq!(answer.error_code(), "invalid_request");
    }
    for (name, content) in [
        ("../x", json!("x")),
        ("a.bin", json!({"base64": "not base64!"})),
        ("b.bin", json!({"hex": "00"})),
        ("c.bin", json!(3)),
    ] {
        let answer = server
            .post(&json!({"code": "print(1)", "files": {name: content}}))
            .await;
        assert_eq!(answer.status, 400, "{name}: {}", answer.body);
        assert_eq!(answer.error_code(), "invalid_request", "{name}");
    }
    server.assert_still_serves().await;
}

#[tokio::test]
async fn the_scratch_quota_counts_decoded_bytes() {
    let mut config = test_config();
    config.scratch_quota_bytes = 8;
    let server = TestServer::start_with(config).await;
    // 12 base64 characters hold 9 bytes: over the quota though the text is short.
    let answer = server
        .post(&json!({"code": "print(1)", "files": {"a": {"base64": "AAAAAAAAAAAA"}}}))
        .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(answer.error_code(), "limit_exceeded");
    let fits = server
        .run_json(json!({
            "code": "print(len(open('a', 'rb').read()))",
            "files": {"a": {"base64": "AAAAAAAAAA=="}},
        }))
        .await;
    assert_eq!(fits["stdout"], "7\n");
}
