//! The tenants file: who may call a runner, each caller a named tenant with one or more bearer
//! tokens (several, so a token can be rotated without a gap). runner-node reads it with
//! `--auth-tokens-file` and re-reads it when it changes; every request is attributed to the
//! tenant whose token it carries, and held to that tenant's quotas.
//!
//! ```yaml
//! tenants:
//!   team-a:
//!     tokens: ["3f9c...", "b71e..."]   # the old and the new during a rotation
//!     quotas:
//!       concurrent_runs: 8             # runs executing or waiting for a slot at once
//!       runs_per_minute: 600           # a bucket of 600 runs, refilled at 10 a second
//!       sessions: 4                    # sessions it keeps at once
//!   batch-jobs:
//!     tokens: ["0d42..."]              # no quotas: only the runner's own limits
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The tenant a single `--auth-token` (or `--auth-token-file`) stands for.
pub const DEFAULT_TENANT: &str = "default";
/// Most tenants one file may name.
pub const MAX_TENANTS: usize = 1024;
/// Most tokens one tenant may hold.
pub const MAX_TOKENS_PER_TENANT: usize = 8;
/// Fewest characters of a token: shorter ones are guessable.
pub const MIN_TOKEN_CHARS: usize = 16;

/// The whole file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantsFile {
    /// Tenants by name (a DNS label: it appears in logs, traces and metric labels).
    pub tenants: BTreeMap<String, Tenant>,
}

/// One tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tenant {
    /// Bearer tokens that identify the tenant; any of them is accepted.
    pub tokens: Vec<String>,
    /// What the tenant may use; a quota left out does not apply.
    #[serde(default, skip_serializing_if = "Quotas::is_unlimited")]
    pub quotas: Quotas,
}

/// A tenant's quotas. Over one, a run request is answered 429 `quota_exceeded` with
/// `Retry-After`, before it takes a slot or a place in the queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quotas {
    /// Most runs of the tenant executing or waiting for a slot at once (1 to 100000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrent_runs: Option<u32>,
    /// Most runs a minute (1 to 1000000): a bucket that holds this many runs, refilled at
    /// a sixtieth of it a second, so a quiet tenant may burst up to a minute's worth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs_per_minute: Option<u32>,
    /// Most sessions of the tenant alive at once (1 to 100000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions: Option<u32>,
}

impl Quotas {
    /// Whether no quota is set.
    pub fn is_unlimited(&self) -> bool {
        *self == Quotas::default()
    }
}

/// Largest `concurrent_runs` quota.
pub const MAX_CONCURRENT_RUNS_QUOTA: u32 = 100_000;
/// Largest `runs_per_minute` quota.
pub const MAX_RUNS_PER_MINUTE_QUOTA: u32 = 1_000_000;
/// Largest `sessions` quota.
pub const MAX_SESSIONS_QUOTA: u32 = 100_000;

/// Why a tenants file was refused; the message names the tenant, never a token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TenantsError(pub String);

impl TenantsFile {
    /// Parses and checks a tenants file (YAML, or JSON).
    pub fn from_yaml(text: &str) -> Result<Self, TenantsError> {
        let file: TenantsFile =
            serde_saphyr::from_str(text).map_err(|e| TenantsError(redacted(&e.to_string())))?;
        file.check()?;
        Ok(file)
    }

    /// One tenant, [`DEFAULT_TENANT`], holding `token`: what a single token means.
    pub fn single(token: &str) -> Self {
        let tenant = Tenant {
            tokens: vec![token.to_string()],
            quotas: Quotas::default(),
        };
        TenantsFile {
            tenants: [(DEFAULT_TENANT.to_string(), tenant)].into(),
        }
    }

    /// Every rule of the file, with what to change.
    pub fn check(&self) -> Result<(), TenantsError> {
        let fail = |message: String| Err(TenantsError(message));
        if self.tenants.is_empty() {
            return fail("tenants is empty: name at least one tenant with a token".into());
        }
        if self.tenants.len() > MAX_TENANTS {
            return fail(format!(
                "{} tenants, at most {MAX_TENANTS}",
                self.tenants.len()
            ));
        }
        let mut owners = BTreeMap::new();
        for (name, tenant) in &self.tenants {
            if !is_dns_label(name) {
                return fail(format!(
                    "tenant {name:?}: a name is a DNS label (lowercase letters, digits and '-', \
                     at most 63)"
                ));
            }
            if tenant.tokens.is_empty() || tenant.tokens.len() > MAX_TOKENS_PER_TENANT {
                return fail(format!(
                    "tenant {name}: {} tokens, from 1 to {MAX_TOKENS_PER_TENANT}",
                    tenant.tokens.len()
                ));
            }
            let quotas = [
                (
                    "concurrent_runs",
                    tenant.quotas.concurrent_runs,
                    MAX_CONCURRENT_RUNS_QUOTA,
                ),
                (
                    "runs_per_minute",
                    tenant.quotas.runs_per_minute,
                    MAX_RUNS_PER_MINUTE_QUOTA,
                ),
                ("sessions", tenant.quotas.sessions, MAX_SESSIONS_QUOTA),
            ];
            for (quota, value, max) in quotas {
                if let Some(value) = value.filter(|v| !(1..=max).contains(v)) {
                    return fail(format!(
                        "tenant {name}: quotas.{quota} is {value}, from 1 to {max} (leave it out \
                         for no quota)"
                    ));
                }
            }
            for (index, token) in tenant.tokens.iter().enumerate() {
                let printable = token.chars().all(|c| c.is_ascii_graphic());
                if token.len() < MIN_TOKEN_CHARS || !printable {
                    return fail(format!(
                        "tenant {name}, token {}: a token is at least {MIN_TOKEN_CHARS} printable \
                         ASCII characters without spaces",
                        index + 1
                    ));
                }
                if let Some(other) = owners.insert(token.as_str(), name) {
                    return fail(format!(
                        "tenant {name}, token {}: the same token is also tenant {other}'s; a \
                         token names one tenant",
                        index + 1
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A parse error fit for a log: its first line (the parser appends the offending source
/// line, which may hold a token), with every quoted value (`invalid type: string "..."`)
/// blanked. Field names, in backticks, stay.
fn redacted(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default();
    let mut out = String::with_capacity(first.len());
    for (index, part) in first.split('"').enumerate() {
        if index > 0 {
            out.push('"');
        }
        out.push_str(if index % 2 == 1 { "…" } else { part });
    }
    out
}

fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "token-of-team-a-0001";
    const B: &str = "token-of-team-b-0001";

    fn refused(text: &str) -> String {
        TenantsFile::from_yaml(text).unwrap_err().0
    }

    #[test]
    fn a_file_names_tenants_with_their_tokens() {
        let text =
            format!("tenants:\n  team-a:\n    tokens: [{A}, {A}-next]\n  b:\n    tokens: [{B}]\n");
        let file = TenantsFile::from_yaml(&text).unwrap();
        assert_eq!(
            file.tenants["team-a"].tokens,
            [A.to_string(), format!("{A}-next")]
        );
        assert_eq!(TenantsFile::single(A).tenants[DEFAULT_TENANT].tokens, [A]);
        assert!(file.tenants["b"].quotas.is_unlimited());
    }

    #[test]
    fn quotas_are_read_and_bounded() {
        let text = format!(
            "tenants:\n  a:\n    tokens: [{A}]\n    quotas: {{concurrent_runs: 4, runs_per_minute: 120, sessions: 2}}\n"
        );
        let quotas = TenantsFile::from_yaml(&text).unwrap().tenants["a"].quotas;
        assert_eq!(quotas.concurrent_runs, Some(4));
        assert_eq!(quotas.runs_per_minute, Some(120));
        assert_eq!(quotas.sessions, Some(2));
        for (quotas, expected) in [
            (
                "{concurrent_runs: 0}",
                "quotas.concurrent_runs is 0, from 1 to 100000",
            ),
            (
                "{runs_per_minute: 1000001}",
                "quotas.runs_per_minute is 1000001",
            ),
            ("{sessions: 0}", "quotas.sessions is 0, from 1 to 100000"),
            ("{session: 3}", "unknown field `session`"),
        ] {
            let text = format!("tenants:\n  a:\n    tokens: [{A}]\n    quotas: {quotas}\n");
            let message = refused(&text);
            assert!(message.contains(expected), "{quotas}: {message}");
        }
    }

    #[test]
    fn the_example_pools_tenants_file_is_accepted() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/pools/tenants.yaml"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let secret = text.split("\n---\n").next().unwrap();
        let secret: serde_json::Value = serde_saphyr::from_str(secret).unwrap();
        let file = secret["stringData"]["tenants.yaml"].as_str().unwrap();
        let tenants = TenantsFile::from_yaml(file).unwrap().tenants;
        assert_eq!(tenants.keys().collect::<Vec<_>>(), ["batch-jobs", "team-a"]);
        assert_eq!(tenants["team-a"].tokens.len(), 2);
        assert_eq!(tenants["batch-jobs"].quotas.concurrent_runs, Some(8));
    }

    #[test]
    fn bad_files_are_refused_naming_the_tenant_and_never_the_token() {
        for (text, expected) in [
            ("tenants: {}".to_string(), "tenants is empty".to_string()),
            (
                format!("tenants:\n  Team:\n    tokens: [{A}]"),
                "tenant \"Team\": a name is a DNS label".into(),
            ),
            (
                "tenants:\n  a:\n    tokens: []".into(),
                "tenant a: 0 tokens".into(),
            ),
            (
                "tenants:\n  a:\n    tokens: [short]".into(),
                "tenant a, token 1: a token is at least 16".into(),
            ),
            (
                format!("tenants:\n  a:\n    tokens: [{A}]\n  b:\n    tokens: [{A}]"),
                "tenant b, token 1: the same token is also tenant a's".into(),
            ),
            (
                format!("tenants:\n  a:\n    token: [{A}]"),
                "unknown field `token`".into(),
            ),
            (
                format!("tenants:\n  a:\n    tokens: \"{A}\""),
                "line 3".into(),
            ),
        ] {
            let message = refused(&text);
            assert!(message.contains(&expected), "{text}: {message}");
            assert!(!message.contains(A), "{message}");
        }
    }
}
