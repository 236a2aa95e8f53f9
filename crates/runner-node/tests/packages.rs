//! A runner's own pure-Python packages: importable at `/packages`, pre-imported into the
//! snapshot, byte-compiled for the guest, fresh random state per run, native code refused.
//!
//! The real packages come from a folder `pip install --target` made from
//! `examples/packages/requirements.txt` (`RUNNER_TEST_PACKAGES`, set by scripts/test.sh).

mod common;

use std::path::{Path, PathBuf};

use common::{TestServer, test_config};
use runner_node::Server;

/// The pip-made package folder to test with.
fn pip_packages() -> PathBuf {
    match std::env::var_os("RUNNER_TEST_PACKAGES") {
        Some(dir) => PathBuf::from(dir),
        None => panic!(
            "RUNNER_TEST_PACKAGES is not set: scripts/test.sh makes it with pip from \
             examples/packages/requirements.txt"
        ),
    }
}

async fn server_with(packages: &Path, preimport: &[&str]) -> TestServer {
    let mut config = test_config();
    config.site_packages = Some(packages.to_owned());
    config.preimport = preimport.iter().map(|s| s.to_string()).collect();
    TestServer::start_with(config).await
}

#[tokio::test]
async fn pip_installed_packages_import_and_work() {
    let server = server_with(&pip_packages(), &["tabulate", "dateutil.parser"]).await;
    let res = server
        .run(
            "import tabulate, dateutil.parser, networkx as nx\n\
             print(tabulate.tabulate([['a', 1]], tablefmt='plain'))\n\
             print(dateutil.parser.parse('2024-02-29T12:00').isoformat())\n\
             print(nx.shortest_path(nx.path_graph(4), 0, 3))\n\
             print(tabulate.__file__)",
        )
        .await;
    assert_eq!(
        res["stdout"], "a  1\n2024-02-29T12:00:00\n[0, 1, 2, 3]\n/packages/tabulate/__init__.py\n",
        "{res}"
    );
    // Modules that were not pre-imported were byte-compiled for the guest at start, so no run
    // compiles them again.
    let res = server
        .run(
            "import importlib.util, os, sys\n\
             spec = importlib.util.find_spec('networkx')\n\
             print(os.path.exists(importlib.util.cache_from_source(spec.origin)))\n\
             print('/packages' in sys.path, sys.path.index('/packages') > sys.path.index('/usr/local/lib/python3.13'))",
        )
        .await;
    assert_eq!(res["stdout"], "True\nTrue True\n", "{res}");
}

#[tokio::test]
async fn the_environment_lists_the_packages_and_what_is_pre_imported() {
    let server = server_with(&pip_packages(), &["tabulate"]).await;
    let env = server.get("/v1/environment").await.json();
    let packages = env["packages"].as_array().unwrap();
    let find = |name: &str| {
        packages
            .iter()
            .find(|p| {
                p["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .unwrap_or_else(|| panic!("{name} not listed: {env}"))
    };
    assert_eq!(find("tabulate")["source"], "pool");
    assert_eq!(find("tabulate")["preimported"], true);
    assert_eq!(find("networkx")["preimported"], false);
    // The version pip installed, as examples/packages/requirements.txt pins it.
    let requirements = include_str!("../../../examples/packages/requirements.txt");
    let pinned = requirements
        .lines()
        .find_map(|line| line.strip_prefix("python-dateutil=="))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("python-dateutil pinned");
    assert_eq!(find("python-dateutil")["version"], pinned);
    assert_eq!(env["paths"]["packages"], "/packages");
}

/// A package folder with one module `warm` that, on import, uses the generators a snapshot
/// would freeze.
fn warm_package() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("warm.py"),
        "import random, tempfile\n\
         FIRST = random.random()\n\
         NAME = next(tempfile._get_candidate_names())\n",
    )
    .unwrap();
    dir
}

#[tokio::test]
async fn pre_imported_packages_do_not_freeze_what_differs_per_run() {
    let dir = warm_package();
    let server = server_with(dir.path(), &["warm"]).await;
    let code = "import warm, random, uuid, tempfile\n\
                print(warm.FIRST, random.random(), uuid.uuid4(), next(tempfile._get_candidate_names()))";
    let first = server.run(code).await["stdout"]
        .as_str()
        .unwrap()
        .to_string();
    let second = server.run(code).await["stdout"]
        .as_str()
        .unwrap()
        .to_string();
    let (a, b): (Vec<&str>, Vec<&str>) = (first.split(' ').collect(), second.split(' ').collect());
    // The module's own import-time value is the snapshot's, the same in every run...
    assert_eq!(a[0], b[0]);
    // ...while random, uuid4 and tempfile names are this run's.
    for i in 1..4 {
        assert_ne!(a[i], b[i], "{first} vs {second}");
    }
}

#[tokio::test]
async fn native_code_and_bad_pre_imports_stop_the_start_with_their_name() {
    let dir = warm_package();
    std::fs::write(
        dir.path().join("_speedups.cpython-313-x86_64-linux-gnu.so"),
        "",
    )
    .unwrap();
    let mut config = test_config();
    config.site_packages = Some(dir.path().to_owned());
    let err = Server::bind(config).await.err().unwrap().to_string();
    assert!(
        err.contains("_speedups.cpython-313-x86_64-linux-gnu.so is native code"),
        "{err}"
    );

    let dir = warm_package();
    let mut config = test_config();
    config.site_packages = Some(dir.path().to_owned());
    config.preimport = vec!["not_there".into()];
    let err = Server::bind(config).await.err().unwrap().to_string();
    assert!(
        err.contains("pre-importing 'not_there' failed: ModuleNotFoundError"),
        "{err}"
    );
}

#[tokio::test]
async fn a_hostile_package_run_cannot_write_to_packages() {
    let dir = warm_package();
    let server = server_with(dir.path(), &[]).await;
    let res = server
        .run("open('/packages/warm.py', 'w').write('import os')")
        .await;
    assert_eq!(res["res"]["status"], "Error", "{res}");
    assert!(
        res["stderr"].as_str().unwrap().contains("PermissionError")
            || res["stderr"]
                .as_str()
                .unwrap()
                .contains("Operation not permitted"),
        "{res}"
    );
    let res = server.run("import warm; print(warm.NAME != '')").await;
    assert_eq!(res["stdout"], "True\n");
    server.assert_still_serves().await;
}
