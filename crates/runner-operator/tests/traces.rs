//! Reconcile spans reach an OTLP receiver on loopback, carrying the pool's name and namespace.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{FakeApi, pool};
use runner_operator::controller;
use runner_telemetry::Traces;
use runner_telemetry::receiver::Receiver;
use tracing_subscriber::layer::SubscriberExt;

// Multi-threaded: the exporter sends on the runtime while this test waits for it to flush.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_spans_carry_the_pools_name_and_namespace() {
    let receiver = Receiver::start().await;
    let provider = Traces::to(&receiver.endpoint())
        .provider("runner-operator", tokio::runtime::Handle::current())
        .expect("an exporter");
    let subscriber =
        tracing_subscriber::registry().with(runner_telemetry::layer(&provider, "runner-operator"));
    let api = FakeApi::start();
    let ctx = api.context();
    api.insert_pool(&pool("demo").build());
    {
        // This test's future runs on this thread, so its spans reach the subscriber.
        let _default = tracing::subscriber::set_default(subscriber);
        let run = controller::reconcile(Arc::new(api.pool("demo")), ctx);
        tokio::time::timeout(Duration::from_secs(10), run)
            .await
            .expect("reconcile finished")
            .expect("reconciles");
    }
    let flush = provider.clone();
    tokio::task::spawn_blocking(move || flush.force_flush())
        .await
        .unwrap()
        .expect("spans exported");

    let trace = receiver
        .wait_for(Duration::from_secs(10), |s| s.name == "reconcile")
        .await;
    let span = trace.iter().find(|s| s.name == "reconcile").unwrap();
    assert_eq!(span.attributes["pool.name"], "demo");
    assert_eq!(span.attributes["pool.namespace"], "apps");
    assert_eq!(span.resource["service.name"], "runner-operator");
    // Only the operator's own spans are exported, not the kube client's.
    assert!(trace.iter().all(|s| s.name == "reconcile"), "{trace:#?}");
    let _ = tokio::task::spawn_blocking(move || provider.shutdown()).await;
}
