//! A pool's status, computed from what its workload reports: pure, so every condition change
//! is tested without a cluster.
//!
//! Over 400 lines with its unit tests; the code itself is under 300.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use runner_api::pool::{PythonSandboxPool, PythonSandboxPoolStatus, condition};

use crate::Error;
use crate::resources;

/// What the workload says about its pods.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    /// Pods wanted.
    pub desired: i32,
    /// Pods ready to serve.
    pub ready: i32,
    /// Pods running the current template.
    pub updated: i32,
    /// The workload controller has seen the latest template and no old pod is left.
    pub rolled_out: bool,
}

impl Observed {
    /// From a Deployment as the API server returned it.
    pub fn deployment(deployment: &Deployment) -> Self {
        let desired = deployment
            .spec
            .as_ref()
            .and_then(|s| s.replicas)
            .unwrap_or(1);
        let status = deployment.status.clone().unwrap_or_default();
        let seen = status.observed_generation >= deployment.metadata.generation;
        let updated = status.updated_replicas.unwrap_or(0);
        let total = status.replicas.unwrap_or(0);
        Observed {
            desired,
            ready: status.ready_replicas.unwrap_or(0),
            updated,
            rolled_out: seen && updated >= desired && total == updated,
        }
    }

    /// From a DaemonSet as the API server returned it.
    pub fn daemon_set(daemon_set: &DaemonSet) -> Self {
        let status = daemon_set.status.clone().unwrap_or_default();
        let seen = status.observed_generation >= daemon_set.metadata.generation;
        let desired = status.desired_number_scheduled;
        let updated = status.updated_number_scheduled.unwrap_or(0);
        Observed {
            desired,
            ready: status.number_ready,
            updated,
            rolled_out: seen && updated >= desired,
        }
    }
}

/// `reason` of the conditions and the Event when a data mount's source does not exist.
pub const DATA_SOURCE_MISSING: &str = "DataSourceMissing";

/// A data mount's (or the packages') source that is not in the pool's namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingSource {
    /// `ConfigMap` or `PersistentVolumeClaim`.
    pub kind: &'static str,
    /// Name of the missing object.
    pub name: String,
    /// What in the pool names it: `data mount <name>` or `packages`.
    pub used_by: String,
}

/// What the status and the Event say about missing data sources.
pub fn missing_message(missing: &[MissingSource]) -> String {
    let list: Vec<String> = missing
        .iter()
        .map(|m| format!("{} {} ({})", m.kind, m.name, m.used_by))
        .collect();
    format!(
        "not found in the pool's namespace: {}; runner pods cannot start until it exists",
        list.join(", ")
    )
}

/// The status after a successful reconcile. Children are applied even when a data source is
/// `missing`: the pods start as soon as it appears, and `Degraded` names it until then.
pub fn reconciled(
    pool: &PythonSandboxPool,
    observed: Observed,
    missing: &[MissingSource],
    now: Timestamp,
) -> PythonSandboxPoolStatus {
    let previous = pool.status.clone().unwrap_or_default();
    let name = pool.metadata.name.clone().unwrap_or_default();
    let namespace = pool.metadata.namespace.clone().unwrap_or_default();
    let generation = pool.metadata.generation;
    let Observed {
        desired,
        ready,
        updated,
        rolled_out,
    } = observed;

    let mut conditions = previous.conditions;
    let (ready_status, ready_reason, ready_message) = if desired == 0 {
        (
            false,
            "NoReplicas",
            "no runner pod is wanted (replicas 0, or no node is eligible)".to_string(),
        )
    } else if ready >= desired && rolled_out {
        (
            true,
            "AllReplicasReady",
            format!("{ready} of {desired} runner pods ready"),
        )
    } else if !missing.is_empty() {
        (
            false,
            DATA_SOURCE_MISSING,
            format!(
                "{ready} of {desired} runner pods ready; see the Degraded condition for the \
                 missing data source"
            ),
        )
    } else {
        (
            false,
            "ReplicasNotReady",
            format!("{ready} of {desired} runner pods ready"),
        )
    };
    set(
        &mut conditions,
        condition::READY,
        ready_status,
        ready_reason,
        ready_message,
        generation,
        now,
    );

    let progressing = !rolled_out || ready < desired;
    let (reason, message) = if progressing {
        (
            "RollingOut",
            format!("{updated} of {desired} runner pods updated, {ready} ready"),
        )
    } else {
        (
            "Complete",
            "every runner pod runs the current spec".to_string(),
        )
    };
    set(
        &mut conditions,
        condition::PROGRESSING,
        progressing,
        reason,
        message,
        generation,
        now,
    );
    let (degraded, reason, message) = if missing.is_empty() {
        (
            false,
            "Reconciled",
            "every child object is applied".to_string(),
        )
    } else {
        (true, DATA_SOURCE_MISSING, missing_message(missing))
    };
    set(
        &mut conditions,
        condition::DEGRADED,
        degraded,
        reason,
        message,
        generation,
        now,
    );

    PythonSandboxPoolStatus {
        observed_generation: generation,
        replicas: desired,
        ready_replicas: ready,
        selector: Some(resources::selector_string(&name)),
        url: Some(resources::url(&name, &namespace)),
        conditions,
    }
}

/// The status after a failed reconcile: `Degraded` says why; the counts stay as last observed.
pub fn failed(pool: &PythonSandboxPool, error: &Error, now: Timestamp) -> PythonSandboxPoolStatus {
    let mut status = pool.status.clone().unwrap_or_default();
    let generation = pool.metadata.generation;
    status.observed_generation = generation;
    set(
        &mut status.conditions,
        condition::DEGRADED,
        true,
        error.reason(),
        error.to_string(),
        generation,
        now,
    );
    if let Error::InvalidSpec(_) = error {
        // Nothing of this spec was applied, so nothing of it serves.
        set(
            &mut status.conditions,
            condition::READY,
            false,
            error.reason(),
            "the spec is invalid; see the Degraded condition".to_string(),
            generation,
            now,
        );
    }
    if !status
        .conditions
        .iter()
        .any(|c| c.type_ == condition::READY)
    {
        set(
            &mut status.conditions,
            condition::READY,
            false,
            error.reason(),
            "the pool has not been reconciled yet".to_string(),
            generation,
            now,
        );
    }
    status
}

/// Whether the pool's status already reports a problem for its current generation: `Degraded`
/// with the same reason and message.
pub fn reports(pool: &PythonSandboxPool, reason: &str, message: &str) -> bool {
    let Some(status) = pool.status.as_ref() else {
        return false;
    };
    status.conditions.iter().any(|c| {
        c.type_ == condition::DEGRADED
            && c.status == "True"
            && c.reason == reason
            && c.message == message
            && c.observed_generation == pool.metadata.generation
    })
}

/// Sets one condition, keeping its `lastTransitionTime` when its status did not change: an
/// unchanged pool then writes an unchanged status, and the status write is a no-op.
fn set(
    conditions: &mut Vec<Condition>,
    type_: &str,
    status: bool,
    reason: &str,
    message: String,
    generation: Option<i64>,
    now: Timestamp,
) {
    let status = if status { "True" } else { "False" }.to_string();
    let last_transition_time = conditions
        .iter()
        .find(|c| c.type_ == type_ && c.status == status)
        .map(|c| c.last_transition_time.clone())
        .unwrap_or(Time(now));
    let condition = Condition {
        type_: type_.to_string(),
        status,
        reason: reason.to_string(),
        message,
        observed_generation: generation,
        last_transition_time,
    };
    match conditions.iter_mut().find(|c| c.type_ == type_) {
        Some(existing) => *existing = condition,
        None => conditions.push(condition),
    }
    // A fixed order keeps the written status byte-for-byte stable.
    conditions.sort_by_key(|c| order(&c.type_));
}

fn order(type_: &str) -> u8 {
    match type_ {
        condition::READY => 0,
        condition::PROGRESSING => 1,
        condition::DEGRADED => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use runner_api::pool::PythonSandboxPoolSpec;

    fn pool() -> PythonSandboxPool {
        let mut pool = PythonSandboxPool::new("demo", PythonSandboxPoolSpec::default());
        pool.metadata.namespace = Some("ns".into());
        pool.metadata.generation = Some(2);
        pool
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).unwrap()
    }

    fn get<'a>(status: &'a PythonSandboxPoolStatus, type_: &str) -> &'a Condition {
        status.conditions.iter().find(|c| c.type_ == type_).unwrap()
    }

    #[test]
    fn progressing_then_ready() {
        let mut pool = pool();
        let rolling = Observed {
            desired: 3,
            ready: 1,
            updated: 3,
            rolled_out: true,
        };
        let status = reconciled(&pool, rolling, &[], at(10));
        assert_eq!(get(&status, "Ready").status, "False");
        assert_eq!(get(&status, "Ready").message, "1 of 3 runner pods ready");
        assert_eq!(get(&status, "Progressing").status, "True");
        assert_eq!(get(&status, "Degraded").status, "False");
        assert_eq!(status.url.as_deref(), Some("http://demo.ns.svc:3000"));
        assert_eq!(status.observed_generation, Some(2));
        let types: Vec<_> = status.conditions.iter().map(|c| c.type_.as_str()).collect();
        assert_eq!(types, ["Ready", "Progressing", "Degraded"]);

        pool.status = Some(status);
        let done = Observed {
            desired: 3,
            ready: 3,
            updated: 3,
            rolled_out: true,
        };
        let status = reconciled(&pool, done, &[], at(20));
        assert_eq!(get(&status, "Ready").status, "True");
        assert_eq!(get(&status, "Ready").last_transition_time, Time(at(20)));
        assert_eq!(get(&status, "Progressing").status, "False");
        // Degraded stayed False: its transition time is the first one.
        assert_eq!(get(&status, "Degraded").last_transition_time, Time(at(10)));

        // The same observation again yields the same status: the write is a no-op.
        pool.status = Some(status.clone());
        assert_eq!(reconciled(&pool, done, &[], at(30)), status);
    }

    #[test]
    fn invalid_spec_is_degraded_and_not_ready() {
        let status = failed(&pool(), &Error::InvalidSpec("bad".into()), at(5));
        assert_eq!(get(&status, "Degraded").status, "True");
        assert_eq!(get(&status, "Degraded").reason, "InvalidSpec");
        assert_eq!(get(&status, "Degraded").message, "invalid spec: bad");
        assert_eq!(get(&status, "Ready").status, "False");
    }

    #[test]
    fn a_reported_failure_is_recognised_until_the_spec_changes() {
        let mut pool = pool();
        let error = Error::InvalidSpec("bad".into());
        let reported = |pool: &PythonSandboxPool, error: &Error| {
            reports(pool, error.reason(), &error.to_string())
        };
        assert!(!reported(&pool, &error));
        pool.status = Some(failed(&pool, &error, at(5)));
        assert!(reported(&pool, &error));
        assert!(!reported(&pool, &Error::InvalidSpec("other".into())));
        pool.metadata.generation = Some(3);
        assert!(!reported(&pool, &error));
    }

    #[test]
    fn a_missing_data_source_is_named_until_it_appears() {
        let mut pool = pool();
        let missing = [MissingSource {
            kind: "ConfigMap",
            name: "reference-data".into(),
            used_by: "data mount ref".into(),
        }];
        let waiting = Observed {
            desired: 2,
            ready: 0,
            updated: 2,
            rolled_out: false,
        };
        let status = reconciled(&pool, waiting, &missing, at(1));
        let degraded = get(&status, "Degraded");
        assert_eq!(degraded.status, "True");
        assert_eq!(degraded.reason, DATA_SOURCE_MISSING);
        assert_eq!(
            degraded.message,
            "not found in the pool's namespace: ConfigMap reference-data (data mount ref); \
             runner pods cannot start until it exists"
        );
        assert_eq!(get(&status, "Ready").reason, DATA_SOURCE_MISSING);
        assert!(!reports(
            &pool,
            DATA_SOURCE_MISSING,
            &missing_message(&missing)
        ));
        pool.status = Some(status);
        assert!(reports(
            &pool,
            DATA_SOURCE_MISSING,
            &missing_message(&missing)
        ));

        let started = Observed {
            ready: 2,
            rolled_out: true,
            ..waiting
        };
        let status = reconciled(&pool, started, &[], at(2));
        assert_eq!(get(&status, "Degraded").status, "False");
        assert_eq!(get(&status, "Ready").status, "True");
    }

    #[test]
    fn scaled_to_zero_is_not_ready() {
        let zero = Observed {
            desired: 0,
            ready: 0,
            updated: 0,
            rolled_out: true,
        };
        let status = reconciled(&pool(), zero, &[], at(1));
        assert_eq!(get(&status, "Ready").reason, "NoReplicas");
    }
}
