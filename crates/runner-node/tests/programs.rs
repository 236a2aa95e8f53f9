//! Ordinary programs give the origin's answer: `res.status` and `res.output`.

mod common;

use common::TestServer;
use serde_json::json;

#[tokio::test]
async fn hello_world_answers_the_origin_contract() {
    let server = TestServer::start().await;
    let answer = server.post(&json!({"code": "print('hello world')"})).await;
    assert_eq!(answer.status, 200);
    // The origin's `res` object comes first and keeps its exact shape.
    assert!(
        answer
            .body
            .starts_with(r#"{"res":{"status":"Ok","output":"hello world\n"},"#),
        "{}",
        answer.body
    );
    let res = answer.json();
    assert_eq!(res["outcome"], "completed");
    assert_eq!(res["exit_code"], 0);
    assert_eq!(res["stdout"], "hello world\n");
    assert_eq!(res["stderr"], "");
    assert_eq!(res["truncated"], false);
    assert!(res["duration_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(res["id"].as_str().unwrap().len(), 36);
}

#[tokio::test]
async fn recursive_fib() {
    let server = TestServer::start().await;
    let res = server
        .run("def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nprint(fib(20))")
        .await;
    assert_eq!(res["res"], json!({"status": "Ok", "output": "6765\n"}));
}

#[tokio::test]
async fn bubble_sort() {
    let server = TestServer::start().await;
    let code = r#"
def bubble(xs):
    xs = list(xs)
    for i in range(len(xs)):
        for j in range(len(xs) - 1 - i):
            if xs[j] > xs[j + 1]:
                xs[j], xs[j + 1] = xs[j + 1], xs[j]
    return xs
print(bubble([5, 3, 9, 1, 7, 2]))
"#;
    let res = server.run(code).await;
    assert_eq!(res["res"]["output"], "[1, 2, 3, 5, 7, 9]\n");
    assert_eq!(res["res"]["status"], "Ok");
}

#[tokio::test]
async fn stdlib_modules_import() {
    let server = TestServer::start().await;
    let code = "import json, re, math, datetime, collections, decimal, zlib, hashlib\n\
                print(json.dumps({'z': len(zlib.compress(b'a' * 100)) < 100, \
                'd': str(decimal.Decimal('1.1') + decimal.Decimal('2.2')), \
                'h': hashlib.sha256(b'').hexdigest()[:8]}))";
    let res = server.run(code).await;
    assert_eq!(
        res["res"]["output"], "{\"z\": true, \"d\": \"3.3\", \"h\": \"e3b0c442\"}\n",
        "{res}"
    );
}

#[tokio::test]
async fn uncaught_exception_is_an_error_with_traceback() {
    let server = TestServer::start().await;
    let res = server
        .run("print('before')\nraise ValueError('boom')")
        .await;
    assert_eq!(res["res"]["status"], "Error");
    assert_eq!(res["outcome"], "completed");
    assert_eq!(res["exit_code"], 1);
    let output = res["res"]["output"].as_str().unwrap();
    assert!(
        output.starts_with("before\nTraceback (most recent call last):"),
        "{output}"
    );
    assert!(output.ends_with("ValueError: boom\n"), "{output}");
    assert_eq!(res["stdout"], "before\n");
}

#[tokio::test]
async fn sys_exit_code_is_reported() {
    let server = TestServer::start().await;
    let res = server.run("import sys\nsys.exit(3)").await;
    assert_eq!(res["res"], json!({"status": "Error", "output": ""}));
    assert_eq!(res["exit_code"], 3);
    let res = server.run("import sys\nsys.exit(0)").await;
    assert_eq!(res["res"]["status"], "Ok");
}

#[tokio::test]
async fn stdin_and_files_reach_the_program() {
    let server = TestServer::start().await;
    let res = server
        .run_json(json!({
            "code": "import sys\nprint(sys.stdin.read().upper())\nprint(open('data/in.csv').read())",
            "stdin": "from stdin",
            "files": {"data/in.csv": "a,b\n1,2"},
        }))
        .await;
    assert_eq!(res["res"]["output"], "FROM STDIN\na,b\n1,2\n", "{res}");
}

#[tokio::test]
async fn non_utf8_output_is_replaced_not_refused() {
    let server = TestServer::start().await;
    let res = server
        .run("import sys\nsys.stdout.buffer.write(b'ok\\xff\\n')")
        .await;
    assert_eq!(res["res"]["output"], "ok\u{fffd}\n");
}
