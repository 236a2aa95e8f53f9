//! Leader election against the in-memory API: one holder at a time, takeover on expiry.

mod common;

use common::FakeApi;
use k8s_openapi::jiff::Timestamp;
use runner_operator::lease::LeaseLock;

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_700_000_000 + second).unwrap()
}

#[tokio::test]
async fn one_holder_at_a_time_and_takeover_after_expiry() {
    let api = FakeApi::start();
    let a = LeaseLock::new(api.client(), "apps", "runner-operator", "pod-a");
    let b = LeaseLock::new(api.client(), "apps", "runner-operator", "pod-b");

    assert!(a.try_acquire(at(0)).await.unwrap(), "a creates the Lease");
    assert!(
        !b.try_acquire(at(1)).await.unwrap(),
        "b waits while a's Lease lives"
    );
    assert!(a.try_acquire(at(5)).await.unwrap(), "a renews");
    assert!(
        !b.try_acquire(at(19)).await.unwrap(),
        "renewed at 5, valid until 20"
    );
    assert!(
        b.try_acquire(at(21)).await.unwrap(),
        "a stopped renewing: b takes over"
    );
    assert!(!a.try_acquire(at(22)).await.unwrap(), "a sees b holding it");

    // Every request is allowed by the leader-election Role.
    let role = runner_operator::rbac::lease_role("apps").rules.unwrap();
    for entry in api.take_log() {
        let verb = match entry.split(' ').next().unwrap() {
            "GET" => "get",
            "POST" => "create",
            "PUT" => "update",
            other => panic!("unexpected {other}"),
        };
        assert!(
            runner_operator::rbac::allows(&role, "leases", verb),
            "{entry}"
        );
    }

    let lease = api.get("leases/runner-operator").unwrap();
    assert_eq!(lease["spec"]["holderIdentity"], "pod-b");
    assert_eq!(lease["spec"]["leaseTransitions"], 1);
    assert_eq!(lease["spec"]["leaseDurationSeconds"], 15);
}

#[tokio::test]
async fn a_lost_race_is_not_an_error() {
    let api = FakeApi::start();
    let a = LeaseLock::new(api.client(), "apps", "runner-operator", "pod-a");
    assert!(a.try_acquire(at(0)).await.unwrap());
    // Another writer updates the Lease between a's read and a's write.
    api.fail_once("PUT leases/runner-operator", 409);
    assert!(!a.try_acquire(at(5)).await.unwrap());
    api.fail_once("PUT leases/runner-operator", 500);
    assert!(
        a.try_acquire(at(6)).await.is_err(),
        "other failures are errors"
    );
    assert!(a.try_acquire(at(7)).await.unwrap());
}
