//! The controller: watches pools and their children, applies what [`resources`] builds, writes
//! status, and backs off on failure.
//!
//! `reconcile` is deliberately short; every decision it acts on is made in [`resources`] and
//! [`status`].

use std::collections::HashMap;
use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use k8s_openapi::Resource as _;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, Preconditions};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::watcher;
use kube::{Client, Resource, ResourceExt};
use runner_api::pool::{PythonSandboxPool, PythonSandboxPoolStatus};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpListener;
use tracing::{info, warn};

use crate::admin;
use crate::cache::{self, Cache, Cached};
use crate::lease::LeaseLock;
use crate::metrics::Metrics;
use crate::resources::{self, Settings, Workload};
use crate::status::{self, MissingSource, Observed};
use crate::{Error, FIELD_MANAGER, Result};
use crate::{drift, ownership};

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

/// How the controller runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Operator-wide settings for the builders.
    pub settings: Settings,
    /// Watch only this namespace; all namespaces when `None`.
    pub namespace: Option<String>,
    /// Address of the admin port (`/health`, `/metrics`).
    pub admin_addr: SocketAddr,
    /// Leader election; `None` runs without (one replica only, or local development).
    pub lease: Option<LeaseOptions>,
    /// The sidecar webhook, served by every replica; `None` serves none.
    pub webhook: Option<crate::webhook_server::WebhookOptions>,
}

/// Where the leader-election Lease lives and who this replica is.
#[derive(Clone, Debug)]
pub struct LeaseOptions {
    /// Namespace of the Lease (the operator's own).
    pub namespace: String,
    /// Name of the Lease.
    pub name: String,
    /// This replica's identity (its pod name).
    pub identity: String,
}

/// Runs the controller until SIGTERM or Ctrl-C.
pub async fn run(client: Client, options: Options) -> Result<()> {
    let Options {
        settings,
        namespace,
        admin_addr,
        lease,
        webhook,
    } = options;
    let pools: Api<PythonSandboxPool> = scoped(&client, namespace.as_deref());
    // Fail fast with a clear message when the CRD is missing or RBAC forbids listing pools.
    pools
        .list(&ListParams::default().limit(1))
        .await
        .map_err(Error::kube(
            "list PythonSandboxPools (is the CRD installed? `runner-operator crd | kubectl apply -f -`)",
        ))?;
    let listener = TcpListener::bind(admin_addr)
        .await
        .map_err(|source| Error::Listen {
            addr: admin_addr,
            source,
        })?;

    let reporter = Reporter {
        controller: FIELD_MANAGER.into(),
        instance: std::env::var("POD_NAME").ok(),
    };
    let ns = namespace.as_deref();
    let (cache, watches) = cache::watch(&client, ns);
    let ctx = Arc::new(Context::new(client.clone(), settings, reporter, cache));
    // Health is served while waiting for the Lease too: a standby replica is healthy.
    let admin = tokio::spawn(admin::serve(listener, ctx.metrics.clone()));
    // Every replica answers the webhook, leader or standby: the Service picks any ready one.
    let webhook = match webhook {
        Some(options) => Some(crate::webhook_server::start(client.clone(), options).await?),
        None => None,
    };

    let (lost_tx, lost_rx) = tokio::sync::oneshot::channel::<()>();
    let holder = match lease {
        Some(lease) => {
            let lock = LeaseLock::new(
                client.clone(),
                &lease.namespace,
                &lease.name,
                &lease.identity,
            );
            info!(lease = %lease.name, identity = %lease.identity, "waiting for leadership");
            lock.acquire().await?;
            info!("leading");
            Some(tokio::spawn(async move {
                lock.hold().await;
                let _ = lost_tx.send(());
            }))
        }
        None => None,
    };
    let lost = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let lost_flag = lost.clone();
    let leadership_lost = async move {
        if lost_rx.await.is_ok() {
            lost_flag.store(true, std::sync::atomic::Ordering::SeqCst);
        } else {
            // No leader election: never fires.
            std::future::pending::<()>().await;
        }
    };
    info!(namespace = ns.unwrap_or("<all>"), "controller starting");
    watches
        .attach(Controller::new(
            pools,
            watcher::Config::default().any_semantic(),
        ))
        .shutdown_on_signal()
        .graceful_shutdown_on(leadership_lost)
        .run(reconcile, error_policy, ctx)
        .for_each(|result| async move {
            match result {
                Ok((pool, _)) => tracing::debug!(pool = %pool, "reconciled"),
                Err(error) => warn!(%error, "controller"),
            }
        })
        .await;
    admin.abort();
    if let Some(webhook) = webhook {
        webhook.abort();
    }
    if let Some(holder) = holder {
        holder.abort();
    }
    if lost.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(Error::LeadershipLost);
    }
    info!("controller stopped");
    Ok(())
}

fn scoped<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: Resource<Scope = kube::core::NamespaceResourceScope, DynamicType = ()>,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
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

/// Field manager that briefly co-owns a Deployment's `replicas` while autoscaling is turned on.
pub const HANDOVER_MANAGER: &str = "runner-operator-replicas-handover";

/// Before the operator stops applying `replicas` (autoscaling on), makes sure the field does
/// not go with it: when the operator still owns it, a second manager applies the current
/// count, so releasing the operator's ownership keeps the value instead of dropping the
/// Deployment to one pod. The HPA's first scale then takes the field over for good.
async fn hand_replicas_over(api: &Api<Deployment>, existing: &Deployment) -> Result<()> {
    let name = existing.name_any();
    let action = || format!("hand replicas of Deployment {name} over to the autoscaler");
    let owned_by_operator = existing
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .any(|entry| {
            entry.manager.as_deref() == Some(FIELD_MANAGER)
                && entry.operation.as_deref() == Some("Apply")
                && entry
                    .fields_v1
                    .as_ref()
                    .is_some_and(|f| !f.0["f:spec"]["f:replicas"].is_null())
        });
    let replicas = existing.spec.as_ref().and_then(|s| s.replicas);
    let (true, Some(replicas)) = (owned_by_operator, replicas) else {
        return Ok(());
    };
    let patch = serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {"replicas": replicas},
    });
    api.patch(
        &name,
        &PatchParams::apply(HANDOVER_MANAGER),
        &Patch::Apply(&patch),
    )
    .await
    .map_err(Error::kube(action()))?;
    Ok(())
}

/// Writes one pool's children: reads them from the cache, applies what drifted, deletes what
/// the spec no longer wants.
struct Writer<'a> {
    ctx: &'a Context,
    namespace: &'a str,
    pool: &'a PythonSandboxPool,
}

/// What a child kind must be for the [`Writer`].
trait Child:
    Cached + Resource<Scope = kube::core::NamespaceResourceScope> + Debug + Serialize + DeserializeOwned
{
}

impl<K> Child for K where
    K: Cached
        + Resource<Scope = kube::core::NamespaceResourceScope>
        + Debug
        + Serialize
        + DeserializeOwned
{
}

impl Writer<'_> {
    fn api<K: Child>(&self) -> Api<K> {
        Api::namespaced(self.ctx.client.clone(), self.namespace)
    }

    /// Applies `object` unless the stored child already holds it (see [`drift`]).
    async fn apply<K: Child>(&self, object: &K) -> Result<K> {
        let name = object.meta().name.clone().unwrap_or_default();
        let existing = self.stored::<K>(&name).await?;
        self.apply_over(object, existing.as_deref()).await
    }

    /// Applies `object` over `existing` (as [`Writer::stored`] returned it) unless `existing`
    /// already holds it; the object as stored either way.
    async fn apply_over<K: Child>(&self, object: &K, existing: Option<&K>) -> Result<K> {
        let desired = drift::stamp(object.clone());
        match existing {
            Some(existing) if !drift::drifted(&desired, existing) => Ok(existing.clone()),
            _ => {
                let applied = server_side_apply(&self.api(), &desired).await?;
                self.ctx.metrics.applied(<K as k8s_openapi::Resource>::KIND);
                Ok(applied)
            }
        }
    }

    /// The stored child `name`, if any, once made sure the pool may write over it (else
    /// [`Error::NotOwned`], see [`ownership::claim`]). Read from the cache; a child the cache
    /// does not hold is read from the API server, since it may exist without the operator's
    /// labels or be newer than the cache.
    async fn stored<K: Child>(&self, name: &str) -> Result<Option<Arc<K>>> {
        let kind = K::kind(&()).to_string();
        let existing = match self.ctx.cache.get::<K>(self.namespace, name) {
            Some(cached) => Some(cached),
            None => self
                .api::<K>()
                .get_opt(name)
                .await
                .map_err(Error::kube(format!("read {kind} {name}")))?
                .map(Arc::new),
        };
        if let Some(existing) = &existing {
            ownership::claim(existing.meta(), self.pool).map_err(|holder| Error::NotOwned {
                kind,
                name: name.to_string(),
                holder,
            })?;
        }
        Ok(existing)
    }

    /// Deletes the child `name` of kind `K` if the cache holds it and this pool controls it;
    /// an object of that name that belongs to someone else is left alone.
    async fn remove<K: Child>(&self, name: &str) -> Result<()> {
        let Some(existing) = self.ctx.cache.get::<K>(self.namespace, name) else {
            return Ok(());
        };
        if !ownership::controlled_by(existing.meta(), self.pool) {
            return Ok(());
        }
        let action = || format!("delete {} {name}", K::kind(&()));
        // The uid precondition makes sure a same-named object created meanwhile is not deleted.
        let params = DeleteParams {
            preconditions: Some(Preconditions {
                uid: existing.uid(),
                resource_version: None,
            }),
            ..DeleteParams::background()
        };
        match self.api::<K>().delete(name, &params).await {
            Ok(_) => {
                info!(pool = %key(self.pool), kind = K::kind(&()).as_ref(), "deleted child the spec no longer wants");
                Ok(())
            }
            // Already gone: the cache had not seen the deletion yet.
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
            Err(e) => Err(Error::kube(action())(e)),
        }
    }
}

/// Server-side apply under [`FIELD_MANAGER`], forced: the operator is the one authority over
/// the fields it sets.
async fn server_side_apply<K>(api: &Api<K>, object: &K) -> Result<K>
where
    K: Resource<DynamicType = ()> + Clone + Debug + Serialize + DeserializeOwned,
{
    let name = object.meta().name.clone().unwrap_or_default();
    let params = PatchParams::apply(FIELD_MANAGER).force();
    api.patch(&name, &params, &Patch::Apply(object))
        .await
        .map_err(Error::kube(format!("apply {} {name}", K::kind(&()))))
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

fn key(pool: &PythonSandboxPool) -> String {
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
