//! The permissions the operator needs, as objects: `runner-operator rbac` prints them, the
//! chart can render them, and the reconcile tests check that every request the operator makes
//! is allowed by them, so the list can neither lag behind the code nor grow beyond it.

use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule, Role};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// Name of the ClusterRole and of the Lease Role.
pub const NAME: &str = "runner-operator";

fn rule(group: &str, resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        api_groups: Some(vec![group.to_string()]),
        resources: Some(resources.iter().map(|r| r.to_string()).collect()),
        verbs: verbs.iter().map(|v| v.to_string()).collect(),
        ..PolicyRule::default()
    }
}

/// Cluster-wide permissions (bind with a RoleBinding instead to confine the operator to the
/// namespace it watches). No pods, no exec, no Secrets, no CRD writes.
pub fn cluster_role() -> ClusterRole {
    // Server-side apply of an object that does not exist yet is authorised as a create.
    let children = ["get", "list", "watch", "create", "patch", "delete"];
    ClusterRole {
        metadata: ObjectMeta {
            name: Some(NAME.into()),
            ..ObjectMeta::default()
        },
        rules: Some(vec![
            rule(
                "sandbox.runner.dev",
                &["pythonsandboxpools"],
                &["get", "list", "watch"],
            ),
            rule(
                "sandbox.runner.dev",
                &["pythonsandboxpools/status"],
                &["get", "patch"],
            ),
            rule("", &["configmaps", "services"], &children),
            // Only to name a data mount's missing claim in the pool's status.
            rule("", &["persistentvolumeclaims"], &["get"]),
            rule("apps", &["deployments", "daemonsets"], &children),
            rule("networking.k8s.io", &["networkpolicies"], &children),
            rule("policy", &["poddisruptionbudgets"], &children),
            rule("autoscaling", &["horizontalpodautoscalers"], &children),
            rule("events.k8s.io", &["events"], &["create", "patch"]),
        ]),
        aggregation_rule: None,
    }
}

/// Leader election, in the operator's own namespace only. `create` cannot be limited by
/// name (the object does not exist yet); `get` and `update` are, to the one Lease.
pub fn lease_role(namespace: &str) -> Role {
    let mut named = rule("coordination.k8s.io", &["leases"], &["get", "update"]);
    named.resource_names = Some(vec![NAME.into()]);
    Role {
        metadata: ObjectMeta {
            name: Some(NAME.into()),
            namespace: Some(namespace.into()),
            ..ObjectMeta::default()
        },
        rules: Some(vec![
            named,
            rule("coordination.k8s.io", &["leases"], &["create"]),
        ]),
    }
}

/// Whether `rules` allow `verb` on `resource` (plural, with `/subresource`), in any group.
pub fn allows(rules: &[PolicyRule], resource: &str, verb: &str) -> bool {
    rules.iter().any(|rule| {
        rule.verbs.iter().any(|v| v == verb)
            && rule.resources.iter().flatten().any(|r| r == resource)
    })
}
