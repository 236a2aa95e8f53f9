//! Which stored objects a pool may write over or delete: pure, so every case is tested without
//! a cluster.
//!
//! Server-side apply with `force` takes over whatever object has the name it applies. Without a
//! check, a pool called `web` would silently take over (and later garbage-collect) a
//! Deployment `web` that a team made by hand. So before applying a child the operator reads
//! the stored object, if any, and claims it only when it is the pool's own or an orphan the
//! operator made for a pool of that name (left behind by `kubectl delete --cascade=orphan`).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use runner_api::pool::PythonSandboxPool;

use crate::FIELD_MANAGER;
use crate::resources::labels;

/// Whether `existing` names `pool` as its controller.
pub fn controlled_by(existing: &ObjectMeta, pool: &PythonSandboxPool) -> bool {
    existing
        .owner_references
        .iter()
        .flatten()
        .any(|o| o.controller == Some(true) && Some(&o.uid) == pool.metadata.uid.as_ref())
}

/// Whether `pool` may apply over `existing`, a stored object with the name of one of its
/// children. `Err` says who holds it instead, for the pool's status.
pub fn claim(existing: &ObjectMeta, pool: &PythonSandboxPool) -> Result<(), String> {
    if controlled_by(existing, pool) {
        return Ok(());
    }
    let controller = existing
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true));
    if let Some(owner) = controller {
        let previous =
            owner.kind == "PythonSandboxPool" && Some(&owner.name) == pool.metadata.name.as_ref();
        return Err(if previous {
            // A pool deleted and created again: the old children go once the garbage
            // collector gets to them, and the retry then succeeds.
            format!(
                "still belongs to an earlier PythonSandboxPool {} (uid {}) that the garbage \
                 collector has not removed yet",
                owner.name, owner.uid
            )
        } else {
            format!("is controlled by {} {}", owner.kind, owner.name)
        });
    }
    let label = |key: &str| existing.labels.as_ref().and_then(|l| l.get(key));
    let ours = label(labels::MANAGED_BY).map(String::as_str) == Some(FIELD_MANAGER)
        && label(labels::INSTANCE) == pool.metadata.name.as_ref();
    if ours {
        Ok(())
    } else {
        Err("was not made by runner-operator for this pool".into())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
    use runner_api::pool::PythonSandboxPoolSpec;

    use super::*;

    fn pool() -> PythonSandboxPool {
        let mut pool = PythonSandboxPool::new("web", PythonSandboxPoolSpec::default());
        pool.metadata.uid = Some("uid-web".into());
        pool
    }

    fn owned_by(kind: &str, name: &str, uid: &str) -> ObjectMeta {
        ObjectMeta {
            owner_references: Some(vec![OwnerReference {
                api_version: "v1".into(),
                kind: kind.into(),
                name: name.into(),
                uid: uid.into(),
                controller: Some(true),
                ..OwnerReference::default()
            }]),
            ..ObjectMeta::default()
        }
    }

    fn labelled(pairs: &[(&str, &str)]) -> ObjectMeta {
        let labels: BTreeMap<_, _> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ObjectMeta {
            labels: Some(labels),
            ..ObjectMeta::default()
        }
    }

    #[test]
    fn the_pools_own_children_are_claimed() {
        assert_eq!(
            claim(&owned_by("PythonSandboxPool", "web", "uid-web"), &pool()),
            Ok(())
        );
    }

    #[test]
    fn an_object_someone_else_controls_is_not() {
        let err = claim(&owned_by("Application", "shop", "uid-x"), &pool()).unwrap_err();
        assert_eq!(err, "is controlled by Application shop");
    }

    #[test]
    fn a_previous_pool_of_the_same_name_is_named_as_such() {
        let err = claim(&owned_by("PythonSandboxPool", "web", "uid-old"), &pool()).unwrap_err();
        assert!(
            err.contains("earlier PythonSandboxPool web (uid uid-old)"),
            "{err}"
        );
    }

    #[test]
    fn a_hand_made_object_is_not_claimed() {
        let err = claim(&ObjectMeta::default(), &pool()).unwrap_err();
        assert_eq!(err, "was not made by runner-operator for this pool");
        // The operator's label alone is not enough: it must be this pool's.
        let other = labelled(&[
            (labels::MANAGED_BY, FIELD_MANAGER),
            (labels::INSTANCE, "api"),
        ]);
        assert!(claim(&other, &pool()).is_err());
    }

    #[test]
    fn an_orphan_the_operator_made_for_this_pool_is_adopted() {
        let orphan = labelled(&[
            (labels::MANAGED_BY, FIELD_MANAGER),
            (labels::INSTANCE, "web"),
        ]);
        assert_eq!(claim(&orphan, &pool()), Ok(()));
    }
}
