//! Leader election through a `coordination.k8s.io/v1` Lease, so two operator replicas are
//! safe: only the holder reconciles; the other waits and takes over when the holder stops
//! renewing.
//!
//! The decision (create, renew, take over, wait) is a pure function of the Lease as read; the
//! write uses the Lease's `resourceVersion`, so of two candidates racing for an expired Lease
//! exactly one wins and the other sees a conflict.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::Client;
use kube::api::{Api, PostParams};

use crate::{Error, Result};

/// How long a Lease stays valid without a renewal.
pub const LEASE_DURATION: Duration = Duration::from_secs(15);
/// How often the holder renews (well inside [`LEASE_DURATION`]) and a candidate retries.
pub const RENEW_PERIOD: Duration = Duration::from_secs(5);

/// What a candidate does with the Lease it read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// No Lease exists: create it, holding it.
    Create,
    /// The candidate holds it: renew it.
    Renew,
    /// Someone else held it and let it expire (or it has no holder): take it over.
    TakeOver,
    /// Someone else holds a live Lease: wait.
    Wait,
}

/// Decides what `identity` does with `lease` at `now`.
pub fn decide(lease: Option<&Lease>, identity: &str, now: Timestamp) -> Decision {
    let Some(lease) = lease else {
        return Decision::Create;
    };
    let spec = lease.spec.clone().unwrap_or_default();
    match spec.holder_identity.as_deref() {
        None | Some("") => Decision::TakeOver,
        Some(holder) if holder == identity => Decision::Renew,
        Some(_) => {
            let duration = i64::from(spec.lease_duration_seconds.unwrap_or(0));
            let expires = spec
                .renew_time
                .or(spec.acquire_time)
                .map(|t| t.0 + SignedDuration::from_secs(duration));
            match expires {
                Some(expires) if expires > now => Decision::Wait,
                _ => Decision::TakeOver,
            }
        }
    }
}

/// One candidate for one Lease.
#[derive(Clone)]
pub struct LeaseLock {
    api: Api<Lease>,
    name: String,
    identity: String,
}

impl LeaseLock {
    /// A candidate called `identity` (its pod name) for the Lease `namespace/name`.
    pub fn new(client: Client, namespace: &str, name: &str, identity: &str) -> Self {
        LeaseLock {
            api: Api::namespaced(client, namespace),
            name: name.to_string(),
            identity: identity.to_string(),
        }
    }

    /// One round: reads the Lease and acquires or renews it if it may. Returns whether this
    /// candidate holds the Lease now; losing a race is `Ok(false)`, not an error.
    pub async fn try_acquire(&self, now: Timestamp) -> Result<bool> {
        let action = || format!("leader election on Lease {}", self.name);
        let current = self
            .api
            .get_opt(&self.name)
            .await
            .map_err(Error::kube(action()))?;
        let decision = decide(current.as_ref(), &self.identity, now);
        let spec = |previous: Option<&LeaseSpec>, transition: bool| {
            let previous = previous.cloned().unwrap_or_default();
            LeaseSpec {
                holder_identity: Some(self.identity.clone()),
                lease_duration_seconds: Some(LEASE_DURATION.as_secs() as i32),
                acquire_time: if transition {
                    Some(MicroTime(now))
                } else {
                    previous.acquire_time
                },
                renew_time: Some(MicroTime(now)),
                lease_transitions: Some(
                    previous.lease_transitions.unwrap_or(0) + i32::from(transition),
                ),
                ..LeaseSpec::default()
            }
        };
        let result = match (decision, current) {
            (Decision::Wait, _) => return Ok(false),
            (Decision::Create, _) => {
                let lease = Lease {
                    metadata: ObjectMeta {
                        name: Some(self.name.clone()),
                        ..ObjectMeta::default()
                    },
                    spec: Some(LeaseSpec {
                        lease_transitions: Some(0),
                        ..spec(None, true)
                    }),
                };
                self.api.create(&PostParams::default(), &lease).await
            }
            (Decision::Renew | Decision::TakeOver, Some(mut lease)) => {
                let transition = decision == Decision::TakeOver;
                lease.spec = Some(spec(lease.spec.as_ref(), transition));
                // `replace` sends the resourceVersion read above: a concurrent writer makes
                // this a 409 instead of a silent double leader.
                self.api
                    .replace(&self.name, &PostParams::default(), &lease)
                    .await
            }
            (Decision::Renew | Decision::TakeOver, None) => return Ok(false),
        };
        match result {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
            Err(error) => Err(Error::kube(action())(error)),
        }
    }

    /// Waits until this candidate holds the Lease.
    pub async fn acquire(&self) -> Result<()> {
        loop {
            match self.try_acquire(Timestamp::now()).await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "leader election"),
            }
            tokio::time::sleep(RENEW_PERIOD).await;
        }
    }

    /// Renews the Lease until a renewal fails for longer than the Lease lasts (another
    /// replica may then lead), and returns then.
    pub async fn hold(&self) {
        let mut last_renewal = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(RENEW_PERIOD).await;
            match self.try_acquire(Timestamp::now()).await {
                Ok(true) => last_renewal = tokio::time::Instant::now(),
                Ok(false) => {
                    tracing::error!("leadership lost to another replica");
                    return;
                }
                Err(error) => tracing::warn!(%error, "could not renew the Lease"),
            }
            if last_renewal.elapsed() >= LEASE_DURATION {
                tracing::error!("leadership lapsed: the Lease was not renewed in time");
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(holder: Option<&str>, renewed: i64) -> Lease {
        Lease {
            metadata: ObjectMeta::default(),
            spec: Some(LeaseSpec {
                holder_identity: holder.map(str::to_string),
                lease_duration_seconds: Some(15),
                renew_time: Some(MicroTime(Timestamp::from_second(renewed).unwrap())),
                ..LeaseSpec::default()
            }),
        }
    }

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(second).unwrap()
    }

    #[test]
    fn decisions() {
        assert_eq!(decide(None, "a", at(100)), Decision::Create);
        assert_eq!(
            decide(Some(&lease(Some("a"), 90)), "a", at(100)),
            Decision::Renew
        );
        assert_eq!(
            decide(Some(&lease(Some("b"), 90)), "a", at(100)),
            Decision::Wait
        );
        assert_eq!(
            decide(Some(&lease(Some("b"), 80)), "a", at(100)),
            Decision::TakeOver
        );
        assert_eq!(
            decide(Some(&lease(None, 99)), "a", at(100)),
            Decision::TakeOver
        );
    }
}
