//! The permissions the operator needs, as objects: `runner-operator rbac` prints them, the
//! chart can render them, and the reconcile tests check that every request the operator makes
//! is allowed by them, so the list can neither lag behind the code nor grow beyond it.
//!
//! Four objects: the controller's [`cluster_role`], the leader-election [`lease_role`], and
//! for the sidecar webhook [`webhook_role`] (its one Secret) and [`webhook_cluster_role`] (its
//! one MutatingWebhookConfiguration, cluster-scoped, so a ClusterRole even when the controller
//! watches one namespace). The webhook's rules name their objects (`resourceNames`): the
//! Secret exists before the operator starts (the chart makes it), so no `create` is needed.

use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule, Role};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::certs::CertSource;

/// Name of the ClusterRole and of the Lease Role.
pub const NAME: &str = "runner-operator";
/// Name of the webhook's Role and ClusterRole.
pub const WEBHOOK_NAME: &str = "runner-operator-webhook";

/// What the webhook's rules name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    /// The Secret of its certificates, in the operator's namespace.
    pub secret: String,
    /// The MutatingWebhookConfiguration whose `caBundle` it patches.
    pub configuration: String,
    /// Who makes the certificates: with [`CertSource::External`] the operator only reads the
    /// Secret and leaves the configuration alone.
    pub certificates: CertSource,
}

fn named_rule(group: &str, resource: &str, name: &str, verbs: &[&str]) -> PolicyRule {
    let mut rule = rule(group, &[resource], verbs);
    rule.resource_names = Some(vec![name.into()]);
    rule
}

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
    let named = named_rule("coordination.k8s.io", "leases", NAME, &["get", "update"]);
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

/// The webhook's certificate Secret, in the operator's namespace: `get` to serve it, and
/// `update` to renew it when the operator makes the certificates. Nothing else of Secrets.
pub fn webhook_role(namespace: &str, webhook: &Webhook) -> Role {
    let verbs: &[&str] = match webhook.certificates {
        CertSource::Operator => &["get", "update"],
        CertSource::External => &["get"],
    };
    Role {
        metadata: ObjectMeta {
            name: Some(WEBHOOK_NAME.into()),
            namespace: Some(namespace.into()),
            ..ObjectMeta::default()
        },
        rules: Some(vec![named_rule("", "secrets", &webhook.secret, verbs)]),
    }
}

/// `get` and `patch` of the one MutatingWebhookConfiguration whose `caBundle` the operator
/// keeps current; `None` when cert-manager's CA injector does that.
pub fn webhook_cluster_role(webhook: &Webhook) -> Option<ClusterRole> {
    (webhook.certificates == CertSource::Operator).then(|| ClusterRole {
        metadata: ObjectMeta {
            name: Some(WEBHOOK_NAME.into()),
            ..ObjectMeta::default()
        },
        rules: Some(vec![named_rule(
            "admissionregistration.k8s.io",
            "mutatingwebhookconfigurations",
            &webhook.configuration,
            &["get", "patch"],
        )]),
        aggregation_rule: None,
    })
}

/// Whether `rules` allow `verb` on `resource` (plural, with `/subresource`), in any group,
/// for some object of it (`resourceNames` are not looked at: see [`allows_named`]).
pub fn allows(rules: &[PolicyRule], resource: &str, verb: &str) -> bool {
    rules.iter().any(|rule| {
        rule.verbs.iter().any(|v| v == verb)
            && rule.resources.iter().flatten().any(|r| r == resource)
    })
}

/// Whether `rules` allow `verb` on the object `name` of `resource`: by a rule for every
/// object of it or by one that names it.
pub fn allows_named(rules: &[PolicyRule], resource: &str, name: &str, verb: &str) -> bool {
    rules.iter().any(|rule| {
        rule.verbs.iter().any(|v| v == verb)
            && rule.resources.iter().flatten().any(|r| r == resource)
            && rule
                .resource_names
                .as_ref()
                .filter(|names| !names.is_empty())
                .is_none_or(|names| names.iter().any(|n| n == name))
    })
}
