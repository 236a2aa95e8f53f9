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
    // ctypes imports (a stand-in: types and sizes only) but loads nothing and reads no memory.
    contained(
        &server,
        "import ctypes\nctypes.CDLL('libc.so.6')",
        "the sandbox has no native libraries",
    )
    .await;
    contained(
        &server,
        "import ctypes\nprint(ctypes.string_at(0x1000, 16))",
        "the sandbox has no native libraries",
    )
    .await;
    contained(&server, "import _ctypes", "ModuleNotFoundError").await;
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

#[tokio::test]
async fn data_mount_escapes_fail_and_leave_the_data_intact() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("table.csv"), "a,b\n1,2\n").unwrap();
    let policy = format!(
        "data_mounts:\n  - name: ds\n    host_path: {}\n    guest_path: /data/ds\n",
        data.path().display()
    );
    let policy_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(policy_file.path(), policy).unwrap();
    let mut config = common::test_config();
    config.policy_file = Some(policy_file.path().to_owned());
    let server = TestServer::start_with(config).await;
    let table = "/data/ds/table.csv";
    for (code, expected) in [
        (format!("open('{table}', 'w').write('x')"), "Error"),
        (format!("open('{table}', 'r+').truncate(0)"), "Error"),
        (format!("import os\nos.truncate('{table}', 0)"), "Error"),
        (
            format!("import os\nos.rename('{table}', '/work/t.csv')"),
            "Error",
        ),
        (format!("import os\nos.remove('{table}')"), "Error"),
        (
            format!("import os\nos.link('{table}', '/work/hard.csv')"),
            "Error",
        ),
        (
            "import os\nos.symlink('/work', '/data/ds/w')".to_string(),
            "Error",
        ),
        ("import os\nos.mkdir('/data/ds/new')".to_string(), "Error"),
        (
            "import os\nos.symlink('/data/ds/table.csv', 'l')\nopen('l', 'w').write('x')"
                .to_string(),
            "Error",
        ),
    ] {
        contained(&server, &code, expected).await;
    }
    // WASI has no permissions: chmod is a no-op that reports success and changes nothing.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode();
    let before = mode(&data.path().join("table.csv"));
    server
        .run(&format!("import os\nos.chmod('{table}', 0o777)"))
        .await;
    assert_eq!(mode(&data.path().join("table.csv")), before);
    assert_eq!(
        std::fs::read_to_string(data.path().join("table.csv")).unwrap(),
        "a,b\n1,2\n"
    );
    let names: Vec<_> = std::fs::read_dir(data.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "the guest added files to the data mount");
}

#[tokio::test]
async fn cpu_bombs_time_out() {
    let server = TestServer::start().await;
    for code in [
        // Catastrophic regex backtracking: all the time is spent inside one C call.
        "import re\nre.match(r'(a+)+$', 'a' * 64 + 'b')",
        // A huge integer power: one long C computation.
        "x = 7 ** (10 ** 9)",
        // Busy loop that catches the exceptions a cancellation might raise.
        "while True:\n    try:\n        pass\n    except BaseException:\n        pass",
    ] {
        let res = server
            .run_json(serde_json::json!({"code": code, "timeout_ms": 300}))
            .await;
        assert_eq!(res["outcome"], "timeout", "{code}: {res}");
        server.assert_still_serves().await;
    }
}

#[tokio::test]
async fn memory_bombs_hit_the_limit() {
    let server = TestServer::start().await;
    for code in [
        "s = ' ' * (2 ** 31)",
        "d = {}\ni = 0\nwhile True:\n    d[i] = str(i) * 100\n    i += 1",
        "import array\na = array.array('d', [0.0]) * (2 ** 28)",
    ] {
        let res = server
            .run_json(serde_json::json!({"code": code, "memory_mb": 64}))
            .await;
        assert_eq!(res["res"]["status"], "Error", "{code}: {res}");
        assert!(
            res["outcome"] == "memory_limit"
                || res["res"]["output"]
                    .as_str()
                    .is_some_and(|o| o.contains("MemoryError") || o.contains("OverflowError")),
            "{code}: {res}"
        );
        server.assert_still_serves().await;
    }
}

#[tokio::test]
async fn output_floods_are_cut_at_the_cap() {
    let mut config = common::test_config();
    config.max_output_bytes = 4096;
    let server = TestServer::start_with(config).await;
    for code in [
        "import sys\nwhile True: sys.stderr.write('e' * 1000)",
        "import sys\nsys.stdout.write('x' * 10 ** 7)",
        "import os\nos.write(1, b'\\xff' * 100000)",
    ] {
        let res = server.run(code).await;
        assert_eq!(res["outcome"], "output_limit", "{code}: {res}");
        assert_eq!(res["truncated"], true, "{code}");
        server.assert_still_serves().await;
    }
}

#[tokio::test]
async fn the_environment_holds_nothing_of_the_host() {
    let server = TestServer::start().await;
    let res = server.run("import os\nprint(sorted(os.environ))").await;
    assert_eq!(res["res"]["output"], "[]\n", "{res}");
    contained(&server, "import os\nprint(os.listdir('/'))", "Error").await;
    contained(
        &server,
        "print(open('/root/.ssh/id_rsa').read())",
        "FileNotFoundError",
    )
    .await;
}

#[tokio::test]
async fn more_process_and_thread_tricks_fail() {
    let server = TestServer::start().await;
    contained(
        &server,
        "import _thread\n_thread.start_new_thread(print, ('x',))",
        "Error",
    )
    .await;
    contained(&server, "import os\nos.execv('/bin/sh', ['sh'])", "Error").await;
    contained(&server, "import socket\nsocket.socketpair()", "Error").await;
    contained(
        &server,
        "import multiprocessing\nmultiprocessing.Process(target=print).start()",
        "Error",
    )
    .await;
}
