//! Hostile programs are normal input: each attack fails inside its own sandbox with an answer,
//! and the server serves the next request.

mod common;

use common::TestServer;

/// Runs `code`, checks its output contains `expected` and the run failed, then that the server
/// still serves.
async fn contained(server: &TestServer, code: &str, expected: &str) {
    let res = server.run(code).await;
    let output = res["res"]["output"].as_str().unwrap();
    assert_eq!(res["res"]["status"], "Error", "{code}: {res}");
    assert!(
        output.contains(expected),
        "{code}: expected {expected:?} in {output}"
    );
    server.assert_still_serves().await;
}

#[tokio::test]
async fn processes_and_threads_are_unavailable() {
    let server = TestServer::start().await;
    contained(
        &server,
        "import subprocess\nsubprocess.run(['ls'])",
        "does not support processes",
    )
    .await;
    contained(&server, "import os\nos.system('ls')", "Error").await;
    contained(
        &server,
        "import threading\nthreading.Thread(target=print).start()",
        "can't start new thread",
    )
    .await;
    contained(&server, "import os\nos.fork()", "AttributeError").await;
}

#[tokio::test]
async fn sockets_are_unavailable() {
    let server = TestServer::start().await;
    contained(
        &server,
        "import socket\nsocket.create_connection(('127.0.0.1', 3000), timeout=1)",
        "Error",
    )
    .await;
    contained(
        &server,
        "import socket\ns = socket.socket()\ns.bind(('0.0.0.0', 8080))",
        "Error",
    )
    .await;
    contained(
        &server,
        "import socket\nsocket.gethostbyname('localhost')",
        "Error",
    )
    .await;
}

#[tokio::test]
async fn filesystem_escapes_fail() {
    let server = TestServer::start().await;
    contained(
        &server,
        "print(open('/etc/passwd').read())",
        "FileNotFoundError",
    )
    .await;
    contained(
        &server,
        "import os\nprint(os.listdir('/work/../usr'))",
        "Operation not permitted",
    )
    .await;
    contained(&server, "print(open('../../etc/hostname').read())", "Error").await;
    contained(
        &server,
        "import os\nos.symlink('/usr/local/lib', '/work/l')",
        "Operation not permitted",
    )
    .await;
    contained(
        &server,
        "import os\nos.symlink('../../../../etc', 'up')\nprint(os.listdir('up'))",
        "Error",
    )
    .await;
    contained(
        &server,
        "import os\nos.link('/usr/local/lib/python3.13/os.py', 'os.py')",
        "Error",
    )
    .await;
    contained(
        &server,
        "import os\nos.rename('/usr/local/lib/python3.13/os.py', '/work/os.py')",
        "Error",
    )
    .await;
    contained(
        &server,
        "open('/usr/local/lib/python3.13/os.py', 'r+').truncate(0)",
        "Error",
    )
    .await;
    contained(
        &server,
        "import shutil\nshutil.rmtree('/usr/local/lib/python3.13')",
        "Error",
    )
    .await;
    // The stdlib is intact after all of that.
    let res = server
        .run("import os\nprint(os.path.getsize('/usr/local/lib/python3.13/os.py') > 1000)")
        .await;
    assert_eq!(res["res"]["output"], "True\n");
}

#[tokio::test]
async fn host_secrets_are_not_visible() {
    let server = TestServer::start().await;
    contained(
        &server,
        "print(open('/proc/self/environ').read())",
        "FileNotFoundError",
    )
    .await;
    contained(&server, "import os\nprint(os.environ['HOME'])", "KeyError").await;
    contained(
        &server,
        "print(open('/var/run/secrets/kubernetes.io/serviceaccount/token').read())",
        "FileNotFoundError",
    )
    .await;
}

#[tokio::test]
async fn native_code_loading_is_unavailable() {
    let server = TestServer::start().await;
    contained(&server, "import ctypes", "No module named '_ctypes'").await;
    contained(&server, "import _posixsubprocess", "ModuleNotFoundError").await;
}

#[tokio::test]
async fn interpreter_abuse_ends_the_run_only() {
    let server = TestServer::start().await;
    contained(&server, "import os\nos.abort()", "").await;
    contained(
        &server,
        "import sys\nsys.stdout.close()\nprint('x')",
        "ValueError",
    )
    .await;
    contained(
        &server,
        "raise SystemExit('custom message')",
        "custom message",
    )
    .await;
    contained(
        &server,
        "import signal, os\nos.kill(os.getpid(), signal.SIGKILL)",
        "Error",
    )
    .await;
    contained(
        &server,
        "exec(compile('x=' + '(' * 200 + ')' * 200, 's', 'exec'))",
        "Error",
    )
    .await;
}
