//! The controller: watches pools and their children, applies what [`resources`] builds, writes
//! status, and backs off on failure.
//!
//! `reconcile` is deliberately short; every decision it acts on is made in [`resources`] and
//! [`status`]. This module reconciles one pool and backs off; `writer` writes its children
//! (cache reads, drift, apply, delete, the replica hand-over); `run` runs the whole (watches,
//! leader election, admin port, webhook).
//!
//! Over 400 lines with its unit tests; the code itself is under 370.

mod run;
mod writer;

pub use run::{LeaseOptions, Options, run};
use writer::{Writer, hand_replicas_over};

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::Resource as _;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::{Client, Resource, ResourceExt};
use runner_api::pool::{PythonSandboxPool, PythonSandboxPoolStatus};
use tracing::warn;

use crate::cache::Cache;
use crate::metrics::Metrics;
use crate::resources::{self, Settings, Workload};
use crate::status::{self, MissingSource, Observed};
use crate::{Error, FIELD_MANAGER, Result};

/// How often an unchanged, healthy pool is looked at again; watches on the children catch
/// every real change sooner, this only bounds drift nobody reported.
pub const RESYNC: Duration = Duration::from_secs(300);

/// How often a pool whose data source (ConfigMap, PVC) is missing looks again: the operator
/// does not watch objects it did not make, so it polls until the source appears.
pub const DATA_SOURCE_RECHECK: Duration = Duration::from_secs(30);

/// First retry delay after a failure; it doubles per consecutive failure of the same pool.
pub const BACKOFF_BASE: Duration = Duration::from_secs(5);
/// Longest retry delay.
pub const BACKOFF_MAX: Duration = Duration::from_secs(300);

/// What every reconcile shares.
pub struct Context {
    /// Kubernetes client.
    pub client: Client,
    /// Publishes Events on pools.
    pub recorder: Recorder,
    /// Operator-wide settings for the builders.
    pub settings: Settings,
    /// Reconcile counters, shared with the admin port.
    pub metrics: Arc<Metrics>,
    /// The children as the watches last saw them.
    pub cache: Cache,
    /// Consecutive failures per pool, for the backoff.
    failures: Mutex<Failures>,
}

impl Context {
    /// A context whose Events are reported as `reporter` and whose children are read from
    /// `cache`.
    pub fn new(client: Client, settings: Settings, reporter: Reporter, cache: Cache) -> Self {
        Context {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            settings,
            metrics: Arc::default(),
            cache,
            failures: Mutex::default(),
        }
    }

    fn failures(&self) -> std::sync::MutexGuard<'_, Failures> {
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Brings a pool's children and status in line with its spec.
///
/// An invalid spec is not an error of the operator: it is reported (status `Degraded`, a
/// Warning Event) and the pool waits for its next change instead of being retried. Any other
/// failure is reported the same way and returned, so [`error_policy`] retries it with backoff.
#[tracing::instrument(name = "reconcile", skip_all, fields(
    pool.name = %pool.name_any(),
    pool.namespace = pool.namespace().as_deref().unwrap_or_default(),
))]
pub async fn reconcile(pool: Arc<PythonSandboxPool>, ctx: Arc<Context>) -> Result<Action> {
    let _timer = ctx.metrics.reconcile();
    let key = key(&pool);
    match apply_children(&pool, &ctx).await {
        Ok((observed, missing)) => {
            let status = status::reconciled(&pool, observed, &missing, Timestamp::now());
            write_status(&pool, &ctx, status).await?;
            ctx.failures().clear(&pool_id(&pool));
            if missing.is_empty() {
                return Ok(Action::requeue(RESYNC));
            }
            let note = status::missing_message(&missing);
            warn!(pool = %key, %note, "data source missing");
            warn_once(&pool, &ctx, status::DATA_SOURCE_MISSING, &note).await;
            Ok(Action::requeue(DATA_SOURCE_RECHECK))
        }
        Err(error) => {
            report(&pool, &ctx, &error).await;
            if let Error::InvalidSpec(_) = error {
                ctx.metrics.failure(error.kind());
                Ok(Action::await_change())
            } else {
                Err(error)
            }
        }
    }
}

/// Logs and counts a failed reconcile and retries it after an exponential backoff: 5 s,
/// 10 s, 20 s ... up to 5 min, per pool, reset by a success.
pub fn error_policy(pool: Arc<PythonSandboxPool>, error: &Error, ctx: Arc<Context>) -> Action {
    ctx.metrics.failure(error.kind());
    let attempt = ctx.failures().record(&pool_id(&pool), Instant::now());
    let delay = backoff(attempt);
    warn!(pool = %key(&pool), %error, attempt, retry_in = ?delay, "reconcile failed");
    Action::requeue(delay)
}

/// Consecutive failed reconciles per pool, by UID: a pool deleted and made again under the same
/// name starts over. A success clears a pool's count; the count of a pool that stopped failing
/// without a success (deleted, or changed into an invalid spec, which is not retried) is
/// forgotten once it has not failed for [`FORGET_FAILURES_AFTER`], so the map holds only pools
/// failing now.
#[derive(Debug, Default)]
struct Failures(HashMap<String, (u32, Instant)>);

/// How long a failure count outlives its last failure: twice the longest retry delay, so a
/// pool still failing is always retried before its count could be forgotten.
pub const FORGET_FAILURES_AFTER: Duration = BACKOFF_MAX.saturating_mul(2);

impl Failures {
    /// Counts a failure of pool `id` at `now` and returns its consecutive count (1-based).
    fn record(&mut self, id: &str, now: Instant) -> u32 {
        self.0
            .retain(|_, (_, last)| now.saturating_duration_since(*last) < FORGET_FAILURES_AFTER);
        let (count, last) = self.0.entry(id.to_owned()).or_insert((0, now));
        *count = count.saturating_add(1);
        *last = now;
        *count
    }

    /// Forgets pool `id`'s failures (it reconciled).
    fn clear(&mut self, id: &str) {
        self.0.remove(id);
    }

    /// Pools with a failure count.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// A pool's identity for [`Failures`]: its UID (its `namespace/name` before the API server has
/// given it one).
fn pool_id(pool: &PythonSandboxPool) -> String {
    pool.uid().unwrap_or_else(|| key(pool))
}

/// The delay before retry number `attempt` (1-based).
pub fn backoff(attempt: u32) -> Duration {
    let factor = 1u32 << attempt.saturating_sub(1).min(16);
    BACKOFF_BASE.saturating_mul(factor).min(BACKOFF_MAX)
}

/// Applies every child the pool wants and deletes the ones it no longer wants, then names the
/// data sources that do not exist. The NetworkPolicy goes first, so no runner pod ever exists
/// unfenced.
async fn apply_children(
    pool: &PythonSandboxPool,
    ctx: &Context,
) -> Result<(Observed, Vec<MissingSource>)> {
    let namespace = pool
        .namespace()
        .ok_or(Error::MissingMetadata("namespace"))?;
    let children = resources::desired(pool, &ctx.settings)?;
    let name = pool.name_any();
    let writer = Writer {
        ctx,
        namespace: &namespace,
        pool,
    };

    writer.apply(&children.config_map).await?;
    writer.apply(&children.network_policy).await?;
    writer.apply(&children.service).await?;
    let observed = match &children.workload {
        Workload::Deployment(deployment) => {
            let existing = writer.stored::<Deployment>(&name).await?;
            if let (Some(existing), Some(_)) = (&existing, &children.hpa) {
                hand_replicas_over(&writer.api(), existing).await?;
            }
            let applied = writer
                .apply_over(deployment.as_ref(), existing.as_deref())
                .await?;
            writer.remove::<DaemonSet>(&name).await?;
            Observed::deployment(&applied)
        }
        Workload::DaemonSet(daemon_set) => {
            let applied = writer.apply(daemon_set.as_ref()).await?;
            writer.remove::<Deployment>(&name).await?;
            Observed::daemon_set(&applied)
        }
    };
    match &children.pdb {
        Some(pdb) => drop(writer.apply(pdb).await?),
        None => writer.remove::<PodDisruptionBudget>(&name).await?,
    }
    match &children.hpa {
        Some(hpa) => drop(writer.apply(hpa).await?),
        None => writer.remove::<HorizontalPodAutoscaler>(&name).await?,
    }
    let missing = missing_sources(pool, &ctx.client, &namespace).await?;
    Ok((observed, missing))
}

/// The pool's data mounts and packages whose ConfigMap or PersistentVolumeClaim does not
/// exist: the pods cannot start without them, and the status says which. (An image volume's
/// image cannot be checked before a pod pulls it.)
async fn missing_sources(
    pool: &PythonSandboxPool,
    client: &Client,
    namespace: &str,
) -> Result<Vec<MissingSource>> {
    let data = pool.spec.data_mounts.iter().filter_map(|mount| {
        let used_by = format!("data mount {}", mount.name);
        match (&mount.config_map, &mount.persistent_volume_claim) {
            (Some(config_map), _) => Some((ConfigMap::KIND, &config_map.name, used_by)),
            (None, Some(claim)) => Some((PersistentVolumeClaim::KIND, &claim.claim_name, used_by)),
            (None, None) => None,
        }
    });
    let packages = pool.spec.packages.iter().filter_map(|packages| {
        let claim = packages.persistent_volume_claim.as_ref()?;
        Some((
            PersistentVolumeClaim::KIND,
            &claim.claim_name,
            "packages".to_string(),
        ))
    });
    let mut missing = Vec::new();
    for (kind, source, used_by) in data.chain(packages) {
        let action = || format!("read {kind} {source} of {used_by}");
        let found = if kind == ConfigMap::KIND {
            Api::<ConfigMap>::namespaced(client.clone(), namespace)
                .get_metadata_opt(source)
                .await
                .map(|o| o.is_some())
        } else {
            Api::<PersistentVolumeClaim>::namespaced(client.clone(), namespace)
                .get_metadata_opt(source)
                .await
                .map(|o| o.is_some())
        }
        .map_err(Error::kube(action()))?;
        if !found {
            missing.push(MissingSource {
                kind,
                name: source.clone(),
                used_by,
            });
        }
    }
    Ok(missing)
}

/// Writes the pool's status, unless the pool already reports exactly that.
async fn write_status(
    pool: &PythonSandboxPool,
    ctx: &Context,
    status: PythonSandboxPoolStatus,
) -> Result<()> {
    if pool.status.as_ref() == Some(&status) {
        return Ok(());
    }
    let namespace = pool
        .namespace()
        .ok_or(Error::MissingMetadata("namespace"))?;
    let name = pool.name_any();
    let api: Api<PythonSandboxPool> = Api::namespaced(ctx.client.clone(), &namespace);
    let patch = serde_json::json!({
        "apiVersion": PythonSandboxPool::api_version(&()),
        "kind": PythonSandboxPool::kind(&()),
        "status": status,
    });
    let params = PatchParams::apply(FIELD_MANAGER).force();
    api.patch_status(&name, &params, &Patch::Apply(&patch))
        .await
        .map_err(Error::kube(format!(
            "write status of PythonSandboxPool {name}"
        )))?;
    Ok(())
}

/// Tells the pool's owner what went wrong: the `Degraded` condition and a Warning Event. Both
/// are best effort; the reconcile error itself is what drives the retry.
async fn report(pool: &PythonSandboxPool, ctx: &Context, error: &Error) {
    warn!(pool = %key(pool), %error, "reconcile failed");
    let status = status::failed(pool, error, Timestamp::now());
    if let Err(e) = write_status(pool, ctx, status).await {
        warn!(pool = %key(pool), error = %e, "could not write status");
    }
    warn_once(pool, ctx, error.reason(), &error.to_string()).await;
}

/// Publishes a Warning Event on the pool, unless the pool's status (as it was before this
/// reconcile) already reports the same reason and message. The operator's own status write
/// triggers one more reconcile of the pool; an Event per reconcile would repeat what the pool
/// already says. Publish only news.
async fn warn_once(pool: &PythonSandboxPool, ctx: &Context, reason: &str, note: &str) {
    if status::reports(pool, reason, note) {
        return;
    }
    let event = Event {
        type_: EventType::Warning,
        reason: reason.into(),
        note: Some(truncate(note, 1000)),
        action: "Reconcile".into(),
        secondary: None,
    };
    if let Err(e) = ctx.recorder.publish(&event, &pool.object_ref(&())).await {
        warn!(pool = %key(pool), error = %e, "could not publish event");
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

pub(crate) fn key(pool: &PythonSandboxPool) -> String {
    format!(
        "{}/{}",
        pool.namespace().unwrap_or_default(),
        pool.name_any()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(backoff(1), Duration::from_secs(5));
        assert_eq!(backoff(2), Duration::from_secs(10));
        assert_eq!(backoff(4), Duration::from_secs(40));
        assert_eq!(backoff(7), Duration::from_secs(300));
        assert_eq!(backoff(u32::MAX), Duration::from_secs(300));
    }

    #[test]
    fn failures_count_per_pool_and_are_forgotten_when_a_pool_stops_failing() {
        let start = Instant::now();
        let mut failures = Failures::default();
        assert_eq!(failures.record("uid-a", start), 1);
        assert_eq!(failures.record("uid-a", start + BACKOFF_BASE), 2);
        assert_eq!(failures.record("uid-b", start + BACKOFF_BASE), 1);
        failures.clear("uid-b");
        assert_eq!(failures.len(), 1);
        // A pool retried at the longest delay keeps counting.
        let mut now = start + BACKOFF_BASE;
        for attempt in 3..=6 {
            now += BACKOFF_MAX;
            assert_eq!(failures.record("uid-a", now), attempt);
        }
        // uid-a was deleted after its last failure: another pool's failure long after drops it.
        now += FORGET_FAILURES_AFTER;
        assert_eq!(failures.record("uid-c", now), 1);
        assert_eq!(failures.len(), 1);
        assert_eq!(
            failures.record("uid-a", now),
            1,
            "a pool forgotten starts over"
        );
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("ééé", 3), "é…");
    }
}
