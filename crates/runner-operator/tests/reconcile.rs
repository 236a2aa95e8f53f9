//! Reconcile against the in-memory API: which requests are made, in which order, and what the
//! cluster holds afterwards.
//!
//! Over 400 lines: one reconcile scenario per test.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{FakeApi, pool};
use kube::runtime::controller::Action;
use runner_api::pool::PythonSandboxPool;
use runner_operator::controller::{self, Context};
use runner_operator::{Error, ErrorKind};
use serde_json::{Value, json};

/// Each test gets its own API and operator context; a reconcile that hangs fails the test.
struct Harness {
    api: FakeApi,
    ctx: Arc<Context>,
}

impl Harness {
    fn new() -> Self {
        let api = FakeApi::start();
        let ctx = api.context();
        Harness { api, ctx }
    }

    /// Stores the pool and returns it as the API server hands it to the operator.
    fn create(&self, pool: PythonSandboxPool) -> PythonSandboxPool {
        self.api.insert_pool(&pool);
        self.api.pool(pool.metadata.name.as_deref().unwrap())
    }

    /// Reconciles `pool` once the operator's cache has seen every change made so far.
    async fn reconcile(&self, pool: &PythonSandboxPool) -> Result<Action, Error> {
        self.api.settle(&self.ctx).await;
        let run = controller::reconcile(Arc::new(pool.clone()), self.ctx.clone());
        tokio::time::timeout(Duration::from_secs(10), run)
            .await
            .expect("reconcile finished")
    }

    /// Reconciles the pool as currently stored, and returns the request log.
    async fn reconcile_stored(&self, name: &str) -> Vec<String> {
        self.api.take_log();
        let pool = self.api.pool(name);
        self.reconcile(&pool).await.expect("reconcile succeeds");
        self.api.take_log()
    }

    fn condition(&self, name: &str, type_: &str) -> (String, String) {
        let pool = self.api.pool(name);
        let status = pool.status.expect("status written");
        let c = status
            .conditions
            .iter()
            .find(|c| c.type_ == type_)
            .unwrap_or_else(|| panic!("no {type_} condition"));
        (c.status.clone(), c.reason.clone())
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn first_reconcile_creates_every_child() {
    let h = Harness::new();
    h.create(pool("demo").build());
    h.reconcile_stored("demo").await;
    assert_eq!(
        h.api.keys(),
        strings(&[
            "configmaps/demo-policy",
            "deployments/demo",
            "networkpolicies/demo",
            "pythonsandboxpools/demo",
            "services/demo",
        ])
    );
    let deployment = h.api.get("deployments/demo").unwrap();
    assert_eq!(
        deployment["metadata"]["ownerReferences"][0]["uid"],
        "uid-demo"
    );
    assert_eq!(deployment["spec"]["replicas"], 1);
    let status = h.api.pool("demo").status.unwrap();
    assert_eq!(status.url.as_deref(), Some("http://demo.apps.svc:3000"));
    assert_eq!(status.observed_generation, Some(1));
    assert_eq!(
        status.selector.as_deref(),
        Some("app.kubernetes.io/instance=demo,app.kubernetes.io/name=runner-node")
    );
}

#[tokio::test]
async fn an_unchanged_pool_costs_the_api_server_no_request() {
    let h = Harness::new();
    h.create(pool("demo").replicas(2).build());
    h.reconcile_stored("demo").await;
    let before = h.api.versions();
    // The status write of the first reconcile triggers this second one: every child is read
    // from the cache, none has drifted, the status says the same, so nothing is sent.
    let log = h.reconcile_stored("demo").await;
    assert_eq!(
        log,
        Vec::<String>::new(),
        "no GET, no PATCH, no status write"
    );
    assert_eq!(h.api.versions(), before, "nothing changed");
    assert!(h.api.events().is_empty(), "no Event on success");
    assert_eq!(
        h.ctx.metrics.applies("Deployment"),
        1,
        "applied once, when created"
    );
}

#[tokio::test]
async fn a_child_edited_behind_the_operators_back_is_put_back() {
    let h = Harness::new();
    h.create(pool("demo").replicas(2).build());
    h.reconcile_stored("demo").await;
    let wanted = h.api.get("deployments/demo").unwrap();
    let mut edited = wanted.clone();
    edited["spec"]["template"]["spec"]["containers"][0]["image"] = json!("evil:latest");
    edited["spec"]["replicas"] = json!(9);
    h.api.insert_raw("deployments/demo", edited);
    let mut pdb = h.api.get("poddisruptionbudgets/demo").unwrap();
    pdb["spec"]
        .as_object_mut()
        .unwrap()
        .remove("maxUnavailable");
    h.api.insert_raw("poddisruptionbudgets/demo", pdb);
    // Fields someone else adds are theirs: an annotation on the Service stays, unapplied.
    let mut service = h.api.get("services/demo").unwrap();
    service["metadata"]["annotations"]["team/owner"] = json!("data");
    h.api.insert_raw("services/demo", service);

    let log = h.reconcile_stored("demo").await;
    let deployment = h.api.get("deployments/demo").unwrap();
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        wanted["spec"]["template"]["spec"]["containers"][0]["image"]
    );
    assert_eq!(deployment["spec"]["replicas"], 2);
    let pdb = h.api.get("poddisruptionbudgets/demo").unwrap();
    assert_eq!(pdb["spec"]["maxUnavailable"], 1, "{pdb}");
    assert!(!log.contains(&"PATCH services/demo".to_string()), "{log:?}");
}

#[tokio::test]
async fn deleted_child_is_recreated() {
    let h = Harness::new();
    h.create(pool("demo").build());
    h.reconcile_stored("demo").await;
    h.api.remove("services/demo");
    h.api.remove("networkpolicies/demo");
    h.reconcile_stored("demo").await;
    assert!(h.api.get("services/demo").is_some());
    assert!(h.api.get("networkpolicies/demo").is_some());
}

#[tokio::test]
async fn scale_change_reaches_the_deployment_and_adds_a_pdb() {
    let h = Harness::new();
    let created = h.create(pool("demo").build());
    h.reconcile_stored("demo").await;
    assert!(h.api.get("poddisruptionbudgets/demo").is_none());

    let mut scaled = created.clone();
    scaled.spec.replicas = Some(3);
    h.api.update_pool(&scaled);
    h.reconcile_stored("demo").await;
    assert_eq!(
        h.api.get("deployments/demo").unwrap()["spec"]["replicas"],
        3
    );
    assert!(h.api.get("poddisruptionbudgets/demo").is_some());
    assert_eq!(
        h.api.pool("demo").status.unwrap().observed_generation,
        Some(2)
    );

    // Back to one replica: the PDB goes.
    scaled.spec.replicas = Some(1);
    h.api.update_pool(&scaled);
    let log = h.reconcile_stored("demo").await;
    assert!(
        log.contains(&"DELETE poddisruptionbudgets/demo".to_string()),
        "{log:?}"
    );
    assert!(h.api.get("poddisruptionbudgets/demo").is_none());
}

#[tokio::test]
async fn autoscaling_hands_replicas_to_an_hpa_and_back() {
    let h = Harness::new();
    let created = h.create(pool("demo").autoscaling(2, 6).build());
    h.reconcile_stored("demo").await;
    let deployment = h.api.get("deployments/demo").unwrap();
    assert_eq!(
        deployment["spec"]["replicas"],
        Value::Null,
        "the HPA owns replicas"
    );
    assert_eq!(
        h.api.get("horizontalpodautoscalers/demo").unwrap()["spec"]["maxReplicas"],
        6
    );

    let mut fixed = created;
    fixed.spec.autoscaling = None;
    fixed.spec.replicas = Some(2);
    h.api.update_pool(&fixed);
    let log = h.reconcile_stored("demo").await;
    assert!(
        log.contains(&"DELETE horizontalpodautoscalers/demo".to_string()),
        "{log:?}"
    );
    assert!(h.api.get("horizontalpodautoscalers/demo").is_none());
    assert_eq!(
        h.api.get("deployments/demo").unwrap()["spec"]["replicas"],
        2
    );
}

#[tokio::test]
async fn turning_autoscaling_on_hands_the_replica_count_over() {
    let h = Harness::new();
    let created = h.create(pool("demo").replicas(3).build());
    h.reconcile_stored("demo").await;

    let mut autoscaled = created;
    autoscaled.spec.replicas = None;
    autoscaled.spec.autoscaling = pool("demo").autoscaling(2, 6).build().spec.autoscaling;
    h.api.update_pool(&autoscaled);
    h.reconcile_stored("demo").await;
    assert_eq!(
        h.api.requests("PATCH deployments/demo").len(),
        3,
        "create, hand-over, apply"
    );
    // The first apply is the hand-over: a second manager keeps the current count, so the
    // operator releasing the field does not drop the Deployment to one pod.
    let (query, body) = h.api.requests("PATCH deployments/demo").remove(1);
    assert!(
        query.contains("fieldManager=runner-operator-replicas-handover"),
        "{query}"
    );
    assert!(
        !query.contains("force"),
        "the hand-over never forces: {query}"
    );
    assert_eq!(body["spec"], json!({"replicas": 3}));

    assert!(h.api.get("horizontalpodautoscalers/demo").is_some());

    // Once the operator no longer owns `replicas`, there is nothing to hand over.
    let log = h.reconcile_stored("demo").await;
    assert!(
        !log.contains(&"PATCH deployments/demo".to_string()),
        "{log:?}"
    );
}

#[tokio::test]
async fn switching_to_per_node_replaces_the_deployment() {
    let h = Harness::new();
    let created = h.create(pool("demo").replicas(2).build());
    h.reconcile_stored("demo").await;

    let mut per_node = created;
    per_node.spec.replicas = None;
    per_node.spec.mode = runner_api::pool::PoolMode::PerNode;
    h.api.update_pool(&per_node);
    h.reconcile_stored("demo").await;
    assert!(h.api.get("poddisruptionbudgets/demo").is_none());
    assert!(h.api.get("deployments/demo").is_none());
    assert!(h.api.get("daemonsets/demo").is_some());
    let service = h.api.get("services/demo").unwrap();
    assert_eq!(service["spec"]["internalTrafficPolicy"], "Local");
}

#[tokio::test]
async fn a_same_named_object_the_pool_does_not_own_is_left_alone() {
    let h = Harness::new();
    h.create(pool("demo").build());
    // Someone else's DaemonSet called `demo`, controlled by another owner.
    h.api.insert_raw(
        "daemonsets/demo",
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
               "metadata": {"name": "demo", "namespace": "apps", "uid": "uid-theirs",
                            "ownerReferences": [{"apiVersion": "v1", "kind": "Thing",
                                                 "name": "x", "uid": "uid-someone-else",
                                                 "controller": true}]}}),
    );
    let theirs = h.api.get("daemonsets/demo").unwrap();
    h.reconcile_stored("demo").await;
    assert_eq!(
        h.api.get("daemonsets/demo").unwrap(),
        theirs,
        "left untouched"
    );
}

#[tokio::test]
async fn a_hand_made_object_with_a_childs_name_is_not_taken_over() {
    let h = Harness::new();
    let pool = h.create(pool("demo").build());
    // A team's own Service called `demo`, made with kubectl: no owner, none of our labels.
    h.api.insert_raw(
        "services/demo",
        json!({"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "demo", "namespace": "apps", "uid": "uid-theirs"},
               "spec": {"ports": [{"port": 80}]}}),
    );
    let before = h.api.get("services/demo").unwrap();
    h.api.take_log();
    let error = h.reconcile(&pool).await.unwrap_err();
    assert_eq!(error.reason(), "ChildConflict");
    assert_eq!(
        error.to_string(),
        "Service demo already exists and was not made by runner-operator for this pool; \
         delete or rename it, or rename the pool"
    );
    let log = h.api.take_log();
    assert!(!log.contains(&"PATCH services/demo".to_string()), "{log:?}");
    assert_eq!(
        h.api.get("services/demo").unwrap(),
        before,
        "left untouched"
    );
    assert!(
        h.api.get("deployments/demo").is_none(),
        "no runner starts behind someone else's Service"
    );
    assert_eq!(
        h.condition("demo", "Degraded"),
        ("True".into(), "ChildConflict".into())
    );
    let events = h.api.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["reason"], "ChildConflict");
    // Not a spec problem: retried with backoff, since the operator does not watch the Service.
    let action = controller::error_policy(Arc::new(pool), &error, h.ctx.clone());
    assert_eq!(action, Action::requeue(Duration::from_secs(5)));

    // Once the team removes it, the pool gets its Service.
    h.api.remove("services/demo");
    h.reconcile_stored("demo").await;
    assert_eq!(
        h.api.get("services/demo").unwrap()["metadata"]["ownerReferences"][0]["uid"],
        "uid-demo"
    );
}

#[tokio::test]
async fn a_child_of_an_earlier_pool_of_the_same_name_waits_for_the_garbage_collector() {
    let h = Harness::new();
    let pool = h.create(pool("demo").build());
    h.reconcile_stored("demo").await;
    // The pool is deleted and created again before the garbage collector removed its children.
    let mut old = h.api.get("configmaps/demo-policy").unwrap();
    old["metadata"]["ownerReferences"][0]["uid"] = json!("uid-old-demo");
    h.api.insert_raw("configmaps/demo-policy", old);
    let error = h.reconcile(&pool).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("still belongs to an earlier PythonSandboxPool demo (uid uid-old-demo)"),
        "{error}"
    );
}

#[tokio::test]
async fn an_orphan_the_operator_made_for_the_pool_is_adopted() {
    let h = Harness::new();
    h.create(pool("demo").build());
    h.reconcile_stored("demo").await;
    // `kubectl delete pypool demo --cascade=orphan`, then the pool is created again.
    let mut orphan = h.api.get("deployments/demo").unwrap();
    orphan["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("ownerReferences");
    h.api.insert_raw("deployments/demo", orphan);
    h.reconcile_stored("demo").await;
    assert_eq!(
        h.api.get("deployments/demo").unwrap()["metadata"]["ownerReferences"][0]["uid"],
        "uid-demo"
    );
}

#[tokio::test]
async fn a_missing_data_source_is_named_until_it_appears() {
    let h = Harness::new();
    let pool = h.create(
        pool("demo")
            .config_map_data("reference", "reference-data")
            .pvc_data("models", "model-store")
            .packages_pvc("team-packages", None, &[])
            .build(),
    );
    let action = h.reconcile(&pool).await.expect("children are applied");
    assert_eq!(action, Action::requeue(controller::DATA_SOURCE_RECHECK));
    assert!(
        h.api.get("deployments/demo").is_some(),
        "the pods start as soon as the data exists"
    );
    let status = h.api.pool("demo").status.unwrap();
    let degraded = status
        .conditions
        .iter()
        .find(|c| c.type_ == "Degraded")
        .unwrap();
    assert_eq!(
        (degraded.status.as_str(), degraded.reason.as_str()),
        ("True", "DataSourceMissing")
    );
    assert_eq!(
        degraded.message,
        "not found in the pool's namespace: ConfigMap reference-data (data mount reference), \
         PersistentVolumeClaim model-store (data mount models), PersistentVolumeClaim \
         team-packages (packages); runner pods cannot start until it exists"
    );
    assert_eq!(
        h.condition("demo", "Ready"),
        ("False".into(), "DataSourceMissing".into())
    );
    let events = h.api.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["reason"], "DataSourceMissing");
    assert_eq!(events[0]["type"], "Warning");

    // Looking again while nothing changed repeats no Event.
    h.reconcile_stored("demo").await;
    assert_eq!(h.api.events().len(), 1);

    h.api.insert_raw(
        "configmaps/reference-data",
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "reference-data", "namespace": "apps"}}),
    );
    for claim in ["model-store", "team-packages"] {
        h.api.insert_raw(
            &format!("persistentvolumeclaims/{claim}"),
            json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                   "metadata": {"name": claim, "namespace": "apps"}}),
        );
    }
    let action = h.reconcile(&h.api.pool("demo")).await.unwrap();
    assert_eq!(action, Action::requeue(controller::RESYNC));
    assert_eq!(
        h.condition("demo", "Degraded"),
        ("False".into(), "Reconciled".into())
    );
}

#[tokio::test]
async fn invalid_spec_reports_degraded_and_an_event_and_applies_nothing() {
    let h = Harness::new();
    let pool = h.create(pool("bad").scratch("plenty").build());
    h.api.take_log();
    let action = h
        .reconcile(&pool)
        .await
        .expect("an invalid spec is not retried");
    assert_eq!(action, Action::await_change());
    assert_eq!(
        h.api.take_log(),
        strings(&["PATCH pythonsandboxpools/bad/status", "POST events"])
    );
    assert_eq!(h.api.keys(), strings(&["pythonsandboxpools/bad"]));
    assert_eq!(
        h.condition("bad", "Degraded"),
        ("True".into(), "InvalidSpec".into())
    );
    assert_eq!(
        h.condition("bad", "Ready"),
        ("False".into(), "InvalidSpec".into())
    );
    let events = h.api.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["type"], "Warning");
    assert_eq!(events[0]["reason"], "InvalidSpec");
    assert_eq!(events[0]["regarding"]["name"], "bad");
    let note = events[0]["note"].as_str().unwrap();
    assert!(note.contains("scratch.perRun"), "{note}");
    assert_eq!(h.ctx.metrics.failures(ErrorKind::InvalidSpec), 1);

    // The status write triggers another reconcile of the unchanged pool: it sends nothing
    // and publishes no second Event.
    let before = h.api.versions();
    let pool = h.api.pool("bad");
    h.reconcile(&pool).await.unwrap();
    assert_eq!(h.api.take_log(), Vec::<String>::new());
    assert_eq!(h.api.versions(), before);
    assert_eq!(h.api.events().len(), 1);
}

#[tokio::test]
async fn apply_failure_is_degraded_and_retried_with_backoff() {
    let h = Harness::new();
    let pool = h.create(pool("demo").build());
    h.api.fail_once("PATCH deployments/demo", 500);
    let error = h.reconcile(&pool).await.unwrap_err();
    assert_eq!(error.reason(), "ApplyFailed");
    assert!(
        error.to_string().contains("apply Deployment demo"),
        "{error}"
    );
    assert_eq!(
        h.condition("demo", "Degraded"),
        ("True".into(), "ApplyFailed".into())
    );
    assert_eq!(h.api.events().len(), 1);

    let pool = Arc::new(h.api.pool("demo"));
    let first = controller::error_policy(pool.clone(), &error, h.ctx.clone());
    let second = controller::error_policy(pool.clone(), &error, h.ctx.clone());
    assert_eq!(first, Action::requeue(Duration::from_secs(5)));
    assert_eq!(second, Action::requeue(Duration::from_secs(10)));
    assert_eq!(h.ctx.metrics.failures(ErrorKind::Kube), 2);

    // The next reconcile succeeds, clears Degraded and resets the backoff.
    h.reconcile_stored("demo").await;
    assert_eq!(
        h.condition("demo", "Degraded"),
        ("False".into(), "Reconciled".into())
    );
    let third = controller::error_policy(pool, &error, h.ctx.clone());
    assert_eq!(third, Action::requeue(Duration::from_secs(5)));
}

#[tokio::test]
async fn conditions_move_from_progressing_to_ready() {
    let h = Harness::new();
    h.create(pool("demo").replicas(2).build());
    h.reconcile_stored("demo").await;
    assert_eq!(
        h.condition("demo", "Ready"),
        ("False".into(), "ReplicasNotReady".into())
    );
    assert_eq!(
        h.condition("demo", "Progressing"),
        ("True".into(), "RollingOut".into())
    );

    // The Deployment controller and kubelet bring both pods up.
    h.api.set_status(
        "deployments/demo",
        json!({"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 2,
               "availableReplicas": 2}),
    );
    h.reconcile_stored("demo").await;
    assert_eq!(
        h.condition("demo", "Ready"),
        ("True".into(), "AllReplicasReady".into())
    );
    assert_eq!(
        h.condition("demo", "Progressing"),
        ("False".into(), "Complete".into())
    );
    let status = h.api.pool("demo").status.unwrap();
    assert_eq!((status.replicas, status.ready_replicas), (2, 2));

    // Steady state: reconciling again writes nothing new.
    let before = h.api.versions();
    h.reconcile_stored("demo").await;
    assert_eq!(h.api.versions(), before);
}

/// The RBAC permission a logged request needs: (resource, verb).
fn permission(entry: &str) -> (String, &'static str) {
    let (method, path) = entry.split_once(' ').unwrap();
    let mut parts = path.split('/');
    let kind = parts.next().unwrap();
    let _name = parts.next();
    let resource = match parts.next() {
        Some(sub) => format!("{kind}/{sub}"),
        None => kind.to_string(),
    };
    let verb = match method {
        "GET" => "get",
        "PATCH" => "patch",
        "DELETE" => "delete",
        "POST" => "create",
        "PUT" => "update",
        other => panic!("unexpected method {other}"),
    };
    (resource, verb)
}

#[tokio::test]
async fn every_request_is_allowed_by_the_documented_rbac() {
    let h = Harness::new();
    let created = h.create(pool("demo").replicas(3).build());
    let mut log = h.reconcile_stored("demo").await;
    let mut next = created;
    next.spec.replicas = None;
    next.spec.autoscaling = pool("demo").autoscaling(2, 4).build().spec.autoscaling;
    h.api.update_pool(&next);
    log.extend(h.reconcile_stored("demo").await);
    next.spec.autoscaling = None;
    next.spec.mode = runner_api::pool::PoolMode::PerNode;
    h.api.update_pool(&next);
    log.extend(h.reconcile_stored("demo").await);
    h.create(pool("bad").scratch("plenty").build());
    h.api.take_log();
    h.reconcile(&h.api.pool("bad")).await.unwrap();
    log.extend(h.api.take_log());
    h.create(
        pool("data")
            .config_map_data("reference", "reference-data")
            .pvc_data("models", "model-store")
            .build(),
    );
    h.reconcile(&h.api.pool("data")).await.unwrap();
    log.extend(h.api.take_log());

    let rules = runner_operator::rbac::cluster_role().rules.unwrap();
    for entry in &log {
        let (resource, verb) = permission(entry);
        assert!(
            runner_operator::rbac::allows(&rules, &resource, verb),
            "{entry} needs {verb} on {resource}, which the ClusterRole lacks"
        );
        // Server-side apply of a new object is authorised as a create too.
        if verb == "patch" && !resource.ends_with("/status") && resource != "events" {
            assert!(
                runner_operator::rbac::allows(&rules, &resource, "create"),
                "{entry}"
            );
        }
    }
    for kind in [
        "persistentvolumeclaims",
        "deployments",
        "daemonsets",
        "poddisruptionbudgets",
        "horizontalpodautoscalers",
    ] {
        assert!(
            log.iter().any(|e| e.contains(kind)),
            "scenario misses {kind}"
        );
    }
    assert!(!runner_operator::rbac::allows(&rules, "secrets", "get"));
    assert!(!runner_operator::rbac::allows(&rules, "pods", "get"));
    assert!(!runner_operator::rbac::allows(
        &rules,
        "pods/exec",
        "create"
    ));
}
