//! The environment runner-operator gives a runner (its golden pod specs, sidecars included)
//! names only variables runner-node reads: a renamed flag fails here, not in a cluster.

use std::collections::BTreeSet;
use std::path::Path;

use clap::CommandFactory;
use runner_node::Config;

#[test]
fn every_runner_variable_the_operator_sets_is_one_runner_node_reads() {
    let reads: BTreeSet<String> = Config::command()
        .get_arguments()
        .filter_map(|arg| arg.get_env())
        .map(|env| env.to_string_lossy().into_owned())
        .collect();
    let goldens = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runner-operator/tests/golden");
    let mut set = BTreeSet::new();
    for dir in [goldens.clone(), goldens.join("webhook")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines() {
                let Some(name) = line.trim().strip_prefix("- name: ") else {
                    continue;
                };
                // Variables only other values refer to (`$(RUNNER_POD_NAME)`) are the
                // kubelet's business.
                if !name.starts_with("RUNNER_") || text.contains(&format!("$({name})")) {
                    continue;
                }
                assert!(
                    reads.contains(name),
                    "{}: runner-node reads no {name}",
                    path.display()
                );
                set.insert(name.to_string());
            }
        }
    }
    for expected in [
        "RUNNER_POLICY_FILE",
        "RUNNER_AUTH_TOKENS_FILE",
        "RUNNER_PORT",
    ] {
        assert!(set.contains(expected), "no golden sets {expected}: {set:?}");
    }
}
