//! Whether a stored child still holds what the operator would apply: pure, so a reconcile of an
//! unchanged pool sends no request for it.
//!
//! Two checks, both needed:
//! - **The stamp.** Every applied child carries [`APPLIED`], a hash of the object as the
//!   operator built it. A different hash means the desired object changed since the last apply,
//!   including fields it no longer sets (such as `replicas` once an autoscaler owns them),
//!   which no comparison of values could see.
//! - **The values.** Every field the operator sets must still hold its value in the stored
//!   object: someone editing or removing it (`kubectl edit`, another field manager) is drift,
//!   and the next apply takes the field back. Fields others add (defaults, a mutating webhook's
//!   extra container) are theirs and ignored. The API server rewrites quantities in canonical
//!   form (`1024Mi` is stored as `1Gi`), so two quantities of equal value are equal.

use kube::Resource;
use serde::Serialize;
use serde_json::Value;

/// Annotation on every child: the hash of the object the operator last applied.
pub const APPLIED: &str = "sandbox.runner.dev/applied";

/// `object` with its [`APPLIED`] stamp: the hash of `object` as built.
pub fn stamp<K: Resource + Serialize>(mut object: K) -> K {
    let json = serde_json::to_vec(&object).expect("Kubernetes objects serialize");
    let hash = crate::short_digest(&json);
    object
        .meta_mut()
        .annotations
        .get_or_insert_default()
        .insert(APPLIED.to_string(), hash);
    object
}

/// Whether `stored` differs from `desired` (stamped by [`stamp`]) in anything the operator
/// sets, so that `desired` must be applied.
pub fn drifted<K: Resource + Serialize>(desired: &K, stored: &K) -> bool {
    let stamp = |object: &K| {
        object
            .meta()
            .annotations
            .as_ref()
            .and_then(|a| a.get(APPLIED).cloned())
    };
    if stamp(desired) != stamp(stored) {
        return true;
    }
    let to_json = |object: &K| serde_json::to_value(object).expect("Kubernetes objects serialize");
    !holds(&to_json(stored), &to_json(desired))
}

/// Whether `stored` holds every value of `wanted`. Lists hold when `wanted`'s items are held by
/// items of `stored` in the same order (others may add items); an empty value is held by an
/// absent one, since the API server does not store empty lists and maps.
fn holds(stored: &Value, wanted: &Value) -> bool {
    match (stored, wanted) {
        (Value::Object(stored), Value::Object(wanted)) => {
            wanted.iter().all(|(key, value)| match stored.get(key) {
                Some(stored) => holds(stored, value),
                None => is_empty(value),
            })
        }
        (Value::Array(stored), Value::Array(wanted)) => {
            let mut candidates = stored.iter();
            wanted
                .iter()
                .all(|item| candidates.any(|stored| holds(stored, item)))
        }
        (Value::String(stored), Value::String(wanted)) => {
            stored == wanted || same_quantity(stored, wanted)
        }
        (Value::Number(stored), Value::Number(wanted)) => stored.as_f64() == wanted.as_f64(),
        (Value::Null, wanted) => is_empty(wanted),
        (stored, wanted) => stored == wanted,
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

/// Whether two texts are Kubernetes quantities of the same value (`1024Mi` and `1Gi`, `0.5`
/// and `500m`).
fn same_quantity(a: &str, b: &str) -> bool {
    match (quantity(a), quantity(b)) {
        (Some(a), Some(b)) => (a - b).abs() <= f64::EPSILON * a.abs().max(b.abs()) * 4.0,
        _ => false,
    }
}

/// The value of a quantity: a decimal number (exponent allowed) with an optional binary or
/// decimal suffix.
fn quantity(text: &str) -> Option<f64> {
    const SUFFIXES: [(&str, f64); 15] = [
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let (number, scale) = SUFFIXES
        .iter()
        .find_map(|(suffix, scale)| Some((text.strip_suffix(suffix)?, *scale)))
        .unwrap_or((text, 1.0));
    let starts_like_a_number = number
        .trim_start_matches(['+', '-'])
        .starts_with(|c: char| c.is_ascii_digit() || c == '.');
    if !starts_like_a_number || number.contains(['i', 'I', 'n', 'N']) {
        return None; // not "inf" or "NaN", which f64 would parse
    }
    number.parse::<f64>().ok().map(|n| n * scale)
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::ConfigMap;
    use serde_json::json;

    use super::*;

    fn config_map(data: Value) -> ConfigMap {
        serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "demo-policy", "labels": {"app": "runner-node"}},
            "data": data,
        }))
        .unwrap()
    }

    /// `desired` as the API server would store it: stamped, with server fields added.
    fn stored(desired: &ConfigMap) -> ConfigMap {
        let mut stored = desired.clone();
        stored.metadata.resource_version = Some("7".into());
        stored.metadata.uid = Some("uid-1".into());
        stored
    }

    #[test]
    fn the_object_as_applied_has_not_drifted() {
        let desired = stamp(config_map(json!({"policy.yaml": "a"})));
        assert!(!drifted(&desired, &stored(&desired)));
    }

    #[test]
    fn a_change_of_the_desired_object_is_drift_even_when_it_only_removes_a_field() {
        let before = stamp(config_map(json!({"policy.yaml": "a", "extra": "b"})));
        let after = stamp(config_map(json!({"policy.yaml": "a"})));
        assert!(drifted(&after, &stored(&before)));
    }

    #[test]
    fn an_edited_or_removed_field_is_drift_and_an_added_one_is_not() {
        let desired = stamp(config_map(json!({"policy.yaml": "a"})));
        let mut edited = stored(&desired);
        edited
            .data
            .as_mut()
            .unwrap()
            .insert("policy.yaml".into(), "b".into());
        assert!(drifted(&desired, &edited));
        let mut removed = stored(&desired);
        removed.metadata.labels = None;
        assert!(drifted(&desired, &removed));
        let mut added = stored(&desired);
        added
            .data
            .as_mut()
            .unwrap()
            .insert("theirs".into(), "x".into());
        assert!(!drifted(&desired, &added));
    }

    #[test]
    fn lists_hold_their_items_in_order_among_items_others_added() {
        let wanted = json!([{"name": "a"}, {"name": "b"}]);
        assert!(holds(&json!([{"name": "a"}, {"name": "b"}]), &wanted));
        assert!(holds(
            &json!([{"name": "a", "x": 1}, {"name": "injected"}, {"name": "b"}]),
            &wanted
        ));
        assert!(!holds(&json!([{"name": "b"}, {"name": "a"}]), &wanted));
        assert!(!holds(&json!([{"name": "a"}]), &wanted));
    }

    #[test]
    fn empty_values_are_held_by_absent_ones() {
        assert!(holds(&json!({"a": 1}), &json!({"a": 1, "b": [], "c": {}})));
        assert!(!holds(&json!({"a": 1}), &json!({"a": 1, "b": [1]})));
    }

    #[test]
    fn quantities_compare_by_value() {
        assert!(holds(&json!("1Gi"), &json!("1024Mi")));
        assert!(holds(&json!("500m"), &json!("0.5")));
        assert!(holds(&json!("1k"), &json!("1e3")));
        assert!(holds(&json!(2.0), &json!(2)));
        assert!(!holds(&json!("1Gi"), &json!("1G")));
        assert!(!holds(&json!("500m"), &json!("501m")));
        assert!(!holds(&json!("Always"), &json!("IfNotPresent")));
        assert_eq!(quantity("inf"), None);
        assert_eq!(quantity("NaN"), None);
        assert_eq!(quantity("Mi"), None);
        assert_eq!(quantity("1E"), Some(1e18));
    }
}
