//! Writes one pool's children: reads the stored ones from the controller's cache, applies
//! those that drifted from what the pool wants (see [`drift`]), deletes those it no longer
//! wants, and hands a Deployment's replica count over to an autoscaler.

use std::fmt::Debug;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, DeleteParams, Patch, PatchParams, Preconditions};
use kube::{Resource, ResourceExt};
use runner_api::pool::PythonSandboxPool;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::info;

use super::Context;
use crate::cache::Cached;
use crate::{Error, FIELD_MANAGER, Result, drift, ownership};

/// Field manager that briefly co-owns a Deployment's `replicas` while autoscaling is turned on.
pub const HANDOVER_MANAGER: &str = "runner-operator-replicas-handover";

/// Before the operator stops applying `replicas` (autoscaling on), makes sure the field does
/// not go with it: when the operator still owns it, a second manager applies the current
/// count, so releasing the operator's ownership keeps the value instead of dropping the
/// Deployment to one pod. The HPA's first scale then takes the field over for good.
pub(crate) async fn hand_replicas_over(api: &Api<Deployment>, existing: &Deployment) -> Result<()> {
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
pub(crate) struct Writer<'a> {
    pub(crate) ctx: &'a Context,
    pub(crate) namespace: &'a str,
    pub(crate) pool: &'a PythonSandboxPool,
}

/// What a child kind must be for the [`Writer`].
pub(crate) trait Child:
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
    pub(crate) fn api<K: Child>(&self) -> Api<K> {
        Api::namespaced(self.ctx.client.clone(), self.namespace)
    }

    /// Applies `object` unless the stored child already holds it (see [`drift`]).
    pub(crate) async fn apply<K: Child>(&self, object: &K) -> Result<K> {
        let name = object.meta().name.clone().unwrap_or_default();
        let existing = self.stored::<K>(&name).await?;
        self.apply_over(object, existing.as_deref()).await
    }

    /// Applies `object` over `existing` (as [`Writer::stored`] returned it) unless `existing`
    /// already holds it; the object as stored either way.
    pub(crate) async fn apply_over<K: Child>(&self, object: &K, existing: Option<&K>) -> Result<K> {
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
    pub(crate) async fn stored<K: Child>(&self, name: &str) -> Result<Option<Arc<K>>> {
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
    pub(crate) async fn remove<K: Child>(&self, name: &str) -> Result<()> {
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
                info!(pool = %super::key(self.pool), kind = K::kind(&()).as_ref(), "deleted child the spec no longer wants");
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
