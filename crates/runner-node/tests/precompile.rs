//! `runner-node precompile` writes the compiled snapshot an image carries; a server started with
//! `--precompiled` uses it, and one that finds it damaged says so and rebuilds, never runs it.

mod common;

use common::process::{Process, command};

const SNAPSHOT_BUILT: &str = "snapshotted and compiled the interpreter";

#[test]
fn precompiled_snapshot_is_used_and_a_corrupt_one_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let artefact = dir.path().join("python.cwasm");
    let artefact_arg = artefact.to_str().unwrap();
    let status = command()
        .args(["precompile", "--output", artefact_arg])
        .status()
        .expect("runner-node precompile runs");
    assert!(status.success(), "precompile failed: {status}");
    let meta = std::fs::read_to_string(dir.path().join("python.cwasm.meta")).unwrap();
    assert!(
        meta.starts_with("key=") && meta.contains("\nsha256="),
        "{meta}"
    );

    // No module cache: the only compiled snapshot around is the precompiled file.
    let no_cache = ["--module-cache", "", "--precompiled", artefact_arg];
    let server = Process::start_with(&no_cache);
    let logs = &server.startup_logs;
    assert!(
        !logs
            .iter()
            .any(|l| l["fields"]["message"] == SNAPSHOT_BUILT),
        "rebuilt although a good precompiled file was given: {logs:?}"
    );
    assert_eq!(server.run_to_end("print('hi')")["res"]["output"], "hi\n");
    drop(server);

    // Flip bytes in the middle of the file (same size): caught by the digest, then rebuilt.
    let mut bytes = std::fs::read(&artefact).unwrap();
    let middle = bytes.len() / 2;
    for byte in &mut bytes[middle..middle + 64] {
        *byte ^= 0xff;
    }
    std::fs::write(&artefact, bytes).unwrap();
    let server = Process::start_with(&no_cache);
    let logs = &server.startup_logs;
    let warning = logs
        .iter()
        .find(|l| {
            l["fields"]["message"]
                == "precompiled interpreter unusable, falling back to the module cache"
        })
        .unwrap_or_else(|| panic!("no warning about the damaged file: {logs:?}"));
    assert!(
        warning["fields"]["error"]
            .as_str()
            .unwrap()
            .contains("do not match"),
        "{warning}"
    );
    // The wait is announced before it starts, then reported when done.
    let position = |message: &str| logs.iter().position(|l| l["fields"]["message"] == message);
    let announced = position(runner_node::cache::SNAPSHOT_STARTING).expect("announced");
    let built = position(SNAPSHOT_BUILT).expect("built");
    assert!(announced < built, "{logs:?}");
    assert_eq!(server.run_to_end("print('hi')")["res"]["output"], "hi\n");
}

#[test]
fn precompile_without_an_interpreter_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let output = command()
        .env("RUNNER_PYTHON_DIR", dir.path())
        .args(["precompile", "--output"])
        .arg(dir.path().join("x.cwasm"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("python-wasi/build.sh"), "{stderr}");
    assert!(!dir.path().join("x.cwasm").exists());
}
