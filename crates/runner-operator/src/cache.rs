//! The operator's view of the children it made: one reflector store per kind, filled by the
//! same watches that wake the controller when a child changes.
//!
//! A reconcile reads the stored children here instead of sending a GET per child, and applies
//! only those that [`drift`](crate::drift) says changed, so a pool that needs nothing costs the
//! API server nothing. The watches see only objects with the operator's `managed-by` label; a
//! child missing from the cache may still exist without it (or the cache may not have caught up
//! yet), so the controller reads it from the API server before it writes one.
//!
//! Feeding the controller from these watches needs kube's `owns_stream`, still behind its
//! `unstable-runtime` feature: the one way to share a watch between the controller's triggers
//! and a store without watching every kind twice.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Service};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{Controller, WatchStreamExt, watcher};
use kube::{Api, Client, Resource, ResourceExt};
use runner_api::pool::PythonSandboxPool;

use crate::FIELD_MANAGER;
use crate::resources::labels;

/// A kind of child the cache holds.
pub trait Cached:
    Resource<DynamicType = ()> + k8s_openapi::Resource + Clone + Sized + 'static
{
    /// This kind's store in `cache`.
    fn store(cache: &Cache) -> &Store<Self>;
}

/// A change of a child, as the controller's trigger wants it.
type Changes<K> = BoxStream<'static, Result<K, watcher::Error>>;

macro_rules! children {
    ($($field:ident: $kind:ty),* $(,)?) => {
        /// The stored children, one store per kind.
        #[derive(Clone)]
        pub struct Cache {
            $($field: Store<$kind>,)*
        }

        /// The watches that fill a [`Cache`]; they do nothing until polled, by
        /// [`Watches::attach`] or [`Watches::drive`].
        pub struct Watches {
            $($field: Changes<$kind>,)*
        }

        /// The kind of every child, such as `Deployment`.
        pub const KINDS: [&str; [$(stringify!($field)),*].len()] =
            [$(<$kind as k8s_openapi::Resource>::KIND,)*];

        $(impl Cached for $kind {
            fn store(cache: &Cache) -> &Store<Self> {
                &cache.$field
            }
        })*

        /// Watches the children the operator made in `namespace` (all when `None`).
        pub fn watch(client: &Client, namespace: Option<&str>) -> (Cache, Watches) {
            $(let $field = reflect::<$kind>(client, namespace);)*
            let cache = Cache { $($field: $field.0,)* };
            let watches = Watches { $($field: $field.1,)* };
            (cache, watches)
        }

        impl Watches {
            /// Makes every watch a trigger of `controller`, which then polls them.
            pub fn attach(
                self,
                controller: Controller<PythonSandboxPool>,
            ) -> Controller<PythonSandboxPool> {
                controller $(.owns_stream(self.$field))*
            }

            /// Polls every watch until all end (never, unless the client goes): the cache
            /// without a controller, for tests.
            pub async fn drive(self) {
                let all: Vec<BoxStream<'static, ()>> =
                    vec![$(self.$field.map(|_| ()).boxed(),)*];
                futures_util::stream::select_all(all).collect::<()>().await
            }
        }

        impl Cache {
            /// `kind/name` → resourceVersion of every cached child (the plural kind, as in an
            /// API path), so tests can wait until the cache has seen a change.
            pub fn versions(&self) -> BTreeMap<String, String> {
                let mut versions = BTreeMap::new();
                $(versions.extend(entries(&self.$field));)*
                versions
            }
        }
    };
}

children! {
    config_maps: ConfigMap,
    deployments: Deployment,
    daemon_sets: DaemonSet,
    services: Service,
    network_policies: NetworkPolicy,
    pod_disruption_budgets: PodDisruptionBudget,
    autoscalers: HorizontalPodAutoscaler,
}

impl Cache {
    /// The cached child `name` of kind `K` in `namespace`.
    pub fn get<K: Cached>(&self, namespace: &str, name: &str) -> Option<Arc<K>> {
        K::store(self).get(&ObjectRef::new(name).within(namespace))
    }
}

/// A store of kind `K` and the watch that fills it, limited to objects the operator made.
fn reflect<K>(client: &Client, namespace: Option<&str>) -> (Store<K>, Changes<K>)
where
    K: Resource<Scope = kube::core::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned
        + Send
        + Sync
        + 'static,
{
    let api: Api<K> = crate::scoped_api(client, namespace);
    let made_by_operator =
        watcher::Config::default().labels(&format!("{}={FIELD_MANAGER}", labels::MANAGED_BY));
    let (reader, writer) = reflector::store();
    let changes = reflector::reflector(writer, watcher(api, made_by_operator))
        .touched_objects()
        .boxed();
    (reader, changes)
}

fn entries<K: Cached>(store: &Store<K>) -> impl Iterator<Item = (String, String)> + use<K> {
    store.state().into_iter().map(|object| {
        let key = format!("{}/{}", K::plural(&()), object.name_any());
        (key, object.resource_version().unwrap_or_default())
    })
}
