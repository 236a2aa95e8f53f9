//! The sandbox policy of a pool: what the operator writes into the pool's ConfigMap for
//! runner-node to read (`--policy-file`).

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use runner_api::pod as layout;
use runner_api::policy::{
    DEFAULT_SCRATCH_QUOTA_BYTES, DataMountPolicy, PolicyLimits, SandboxPolicy,
};
use runner_api::pool::PythonSandboxPoolSpec;

use crate::{Error, Result};

/// The policy a pool's runners enforce, validated the way runner-node validates it, so a pool
/// the node would refuse never reaches a pod.
pub fn from_spec(spec: &PythonSandboxPoolSpec) -> Result<SandboxPolicy> {
    let l = &spec.limits;
    let scratch_quota_bytes = match &spec.scratch {
        Some(scratch) => parse_bytes(&scratch.per_run)
            .map_err(|e| Error::InvalidSpec(format!("scratch.perRun: {e}")))?,
        None => DEFAULT_SCRATCH_QUOTA_BYTES,
    };
    let policy = SandboxPolicy {
        limits: PolicyLimits {
            timeout_ms: l.timeout_ms,
            max_timeout_ms: l.max_timeout_ms,
            max_cpu_limit_ms: l.max_cpu_limit_ms,
            memory_mb: l
                .memory_mb
                .unwrap_or_else(|| spec.runtime.default_memory_mb()),
            max_memory_mb: l.max_memory_mb,
            max_output_bytes: l.max_output_bytes,
            max_output_files: l.max_output_files,
            max_output_files_bytes: l.max_output_files_bytes,
            max_concurrent_runs: l.max_concurrent_runs,
        },
        allowed_env: spec.allowed_env.clone(),
        data_mounts: spec
            .data_mounts
            .iter()
            .map(|m| DataMountPolicy::new(&m.name, layout::data_dir(&m.name)))
            .collect(),
        scratch_quota_bytes,
    };
    policy
        .validate()
        .map_err(|e| Error::InvalidSpec(e.0.clone()))?;
    Ok(policy)
}

/// The policy file as the ConfigMap holds it.
pub fn to_yaml(policy: &SandboxPolicy) -> Result<String> {
    serde_saphyr::to_string(policy).map_err(|e| Error::Serialize {
        what: "sandbox policy",
        message: e.to_string(),
    })
}

/// A short digest of the policy file, put on the pod template so a policy change rolls the
/// pods (runner-node also reloads the file, but a rollout makes the change observable and
/// safe to roll back).
pub fn hash(policy_yaml: &str) -> String {
    crate::short_digest(policy_yaml.as_bytes())
}

/// A byte count from a Kubernetes quantity (`64Mi`, `1G`, `1.5Gi`, `1048576`), rounded up to a
/// whole byte.
pub fn parse_bytes(quantity: &Quantity) -> Result<u64, String> {
    let text = quantity.0.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let multiplier: u128 = match suffix {
        "" => 1,
        "k" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        "T" => 1_000_000_000_000,
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "Ti" => 1 << 40,
        _ => {
            return Err(format!(
                "{text:?} is not a byte quantity (a number with an optional suffix k, M, G, T, \
                 Ki, Mi, Gi or Ti)"
            ));
        }
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') || fraction.len() > 9 {
        return Err(format!("{text:?} is not a byte quantity"));
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .map_err(|_| format!("{text:?} is too large"))?
    };
    let scale = 10u128.pow(fraction.len() as u32);
    let fraction: u128 = if fraction.is_empty() {
        0
    } else {
        fraction
            .parse()
            .map_err(|_| format!("{text:?} is not a byte quantity"))?
    };
    let bytes = whole
        .checked_mul(multiplier)
        .and_then(|w| w.checked_add((fraction * multiplier).div_ceil(scale)))
        .and_then(|b| u64::try_from(b).ok())
        .ok_or_else(|| format!("{text:?} is too large"))?;
    if bytes == 0 {
        return Err(format!("{text:?} must be more than zero bytes"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(text: &str) -> Result<u64, String> {
        parse_bytes(&Quantity(text.into()))
    }

    #[test]
    fn quantities_parse_to_bytes() {
        assert_eq!(bytes("1048576"), Ok(1 << 20));
        assert_eq!(bytes("64Mi"), Ok(64 << 20));
        assert_eq!(bytes("1G"), Ok(1_000_000_000));
        assert_eq!(bytes("1.5Gi"), Ok(3 << 29));
        assert_eq!(bytes("0.5k"), Ok(500));
        assert_eq!(bytes(".5Ki"), Ok(512));
    }

    #[test]
    fn bad_quantities_are_refused_with_the_text() {
        for bad in [
            "",
            "Mi",
            "-1Mi",
            "1m",
            "1.2.3",
            "12XB",
            "0",
            "0Mi",
            "99999999999Ti",
        ] {
            let err = bytes(bad).unwrap_err();
            assert!(err.contains(&format!("{bad:?}")), "{bad}: {err}");
        }
    }

    #[test]
    fn hash_is_short_and_stable() {
        assert_eq!(hash("a"), hash("a"));
        assert_ne!(hash("a"), hash("b"));
        assert_eq!(hash("a").len(), 16);
    }
}
