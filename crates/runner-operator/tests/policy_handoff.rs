//! The policy the operator writes into a pool's ConfigMap is read by runner-api's parser (what
//! runner-node's `--policy-file` runs) as the same limits, env names and mounts.

mod common;

use common::{pool, settings};
use runner_operator::resources::{self, layout};

/// Parses the ConfigMap's policy file the way runner-node does at start.
fn load_in_runner_node(
    pool: &runner_api::pool::PythonSandboxPool,
) -> runner_api::policy::SandboxPolicy {
    let children = resources::desired(pool, &settings()).expect("valid pool");
    let data = children.config_map.data.as_ref().expect("ConfigMap data");
    let yaml = &data[layout::POLICY_KEY];
    let loaded =
        runner_api::policy::SandboxPolicy::from_yaml(yaml).expect("runner-node accepts the policy");
    assert_eq!(
        loaded, children.policy,
        "runner-node read other limits than the operator wrote"
    );
    loaded
}

#[test]
fn default_pool_policy_is_accepted_by_runner_node() {
    let policy = load_in_runner_node(&pool("plain").build());
    assert!(policy.data_mounts.is_empty());
}

#[test]
fn tuned_limits_and_env_reach_runner_node_unchanged() {
    let pool = pool("tuned")
        .limits(|l| {
            l.timeout_ms = 1500;
            l.max_timeout_ms = 9000;
            l.memory_mb = Some(96);
            l.max_memory_mb = 512;
            l.max_output_bytes = 4096;
            l.max_output_files = 3;
            l.max_output_files_bytes = 1000;
            l.max_concurrent_runs = 7;
        })
        .allow_env(&["LANG", "TZ"])
        .scratch("32Mi")
        .build();
    let policy = load_in_runner_node(&pool);
    assert_eq!(policy.limits.timeout_ms, 1500);
    assert_eq!(policy.limits.max_concurrent_runs, 7);
    assert_eq!(policy.limits.max_output_files, 3);
    assert_eq!(policy.limits.max_output_files_bytes, 1000);
    assert_eq!(policy.allowed_env, ["LANG", "TZ"]);
    assert_eq!(policy.scratch_quota_bytes, 32 << 20);
}

#[test]
fn data_mounts_point_where_the_pod_mounts_the_data() {
    // runner-node refuses to start when a data mount's folder is missing (its tests/policy.rs):
    // the folder the policy names must be the one the runner container mounts, read-only.
    let pool = pool("data").config_map_data("datasets", "my-data").build();
    let children = resources::desired(&pool, &settings()).unwrap();
    let policy = load_in_runner_node(&pool);
    let mount = &policy.data_mounts[0];
    assert_eq!(mount.guest_path, "/data/datasets");
    assert_eq!(
        mount.host_path,
        std::path::Path::new(&layout::data_dir("datasets"))
    );
    let runner = &children.workload.pod_spec().containers[0];
    let volume_mount = runner
        .volume_mounts
        .iter()
        .flatten()
        .find(|m| std::path::Path::new(&m.mount_path) == mount.host_path)
        .expect("the runner container mounts the data mount's folder");
    assert_eq!(volume_mount.read_only, Some(true));
    let volume = common::volume(&children.workload, &volume_mount.name);
    assert_eq!(volume.config_map.as_ref().unwrap().name, "my-data");
}
