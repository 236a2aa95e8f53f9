//! `controller::run` against the in-memory API: its watches see new pools, spec changes and
//! every kind of child, so whatever changes behind the operator's back is put right at once,
//! not at the next resync five minutes later.

mod common;

use std::time::Duration;

use common::{FakeApi, pool, settings};
use runner_api::pool::PoolMode;
use runner_operator::controller::{self, Options};
use serde_json::json;
use tokio::task::JoinHandle;

/// The controller running against its own in-memory API; stopped when dropped.
struct Running {
    api: FakeApi,
    controller: JoinHandle<runner_operator::Result<()>>,
}

impl Running {
    fn start() -> Self {
        let api = FakeApi::start();
        let options = Options {
            settings: settings(),
            namespace: Some("apps".into()),
            admin_addr: "127.0.0.1:0".parse().unwrap(),
            lease: None,
            webhook: None,
        };
        let controller = tokio::spawn(controller::run(api.client(), options));
        Running { api, controller }
    }

    /// Waits until `check` holds; a watch that never fires fails the test instead of hanging it.
    async fn until(&self, what: &str, check: impl Fn(&FakeApi) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while !check(&self.api) {
            assert!(
                !self.controller.is_finished(),
                "the controller stopped while waiting for {what}"
            );
            assert!(
                tokio::time::Instant::now() < deadline,
                "no reconcile made {what} happen; stored: {:?}",
                self.api.keys()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.controller.abort();
    }
}

fn ready_condition(api: &FakeApi, name: &str) -> Option<String> {
    let status = api.pool(name).status?;
    let ready = status.conditions.iter().find(|c| c.type_ == "Ready")?;
    Some(ready.status.clone())
}

#[tokio::test]
async fn watches_on_the_pool_and_every_child_kind_trigger_a_reconcile() {
    let run = Running::start();

    // A pool created after the controller started is picked up by the pool watch.
    run.api.insert_pool(&pool("demo").autoscaling(2, 4).build());
    let children = [
        "configmaps/demo-policy",
        "networkpolicies/demo",
        "services/demo",
        "deployments/demo",
        "poddisruptionbudgets/demo",
        "horizontalpodautoscalers/demo",
    ];
    run.until("the pool's children", |api| {
        children.iter().all(|c| api.get(c).is_some())
    })
    .await;

    // Each child deleted behind the operator's back comes back through its kind's watch.
    for child in children {
        run.api.remove(child);
        run.until(&format!("{child} recreated"), |api| {
            api.get(child).is_some()
        })
        .await;
    }

    // The workload's status reaches the pool's conditions through the Deployment watch.
    run.until("a first status", |api| {
        ready_condition(api, "demo").as_deref() == Some("False")
    })
    .await;
    let generation = run.api.get("deployments/demo").unwrap()["metadata"]["generation"].clone();
    run.api.set_status(
        "deployments/demo",
        json!({"observedGeneration": generation, "replicas": 2, "updatedReplicas": 2,
               "readyReplicas": 2}),
    );
    run.until("Ready", |api| {
        ready_condition(api, "demo").as_deref() == Some("True")
    })
    .await;

    // A spec change reaches the workload through the pool watch, and the DaemonSet watch
    // works as the others do.
    let mut per_node = run.api.pool("demo");
    per_node.spec.autoscaling = None;
    per_node.spec.mode = PoolMode::PerNode;
    run.api.update_pool(&per_node);
    run.until("the DaemonSet replacing the Deployment", |api| {
        api.get("daemonsets/demo").is_some() && api.get("deployments/demo").is_none()
    })
    .await;
    run.api.remove("daemonsets/demo");
    run.until("daemonsets/demo recreated", |api| {
        api.get("daemonsets/demo").is_some()
    })
    .await;
}
