//! Who calls: the tenants whose bearer tokens the run endpoints accept (runner-api's
//! [`TenantsFile`]: `--auth-tokens-file`, re-read when it changes; or one `--auth-token`, the
//! tenant `default`).
//!
//! Only SHA-256 digests of the tokens are kept, and a request's token is compared with every
//! one of them, without stopping at a match: the time an answer takes says nothing about which
//! token, or how much of one, a caller guessed.

use std::collections::BTreeMap;
use std::sync::Arc;

use runner_api::tenants::{Quotas, TenantsFile};

/// The tenants in force: each token's digest and its tenant's name, and each tenant's quotas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenants {
    tokens: Vec<([u8; 32], Arc<str>)>,
    quotas: BTreeMap<Arc<str>, Quotas>,
}

impl Tenants {
    /// The tenants of a checked file.
    pub fn new(file: &TenantsFile) -> Self {
        let tokens = file.tenants.iter().flat_map(|(name, tenant)| {
            let name: Arc<str> = Arc::from(name.as_str());
            tenant
                .tokens
                .iter()
                .map(move |token| (digest(token), name.clone()))
        });
        let quotas = file
            .tenants
            .iter()
            .map(|(name, tenant)| (Arc::from(name.as_str()), tenant.quotas));
        Tenants {
            tokens: tokens.collect(),
            quotas: quotas.collect(),
        }
    }

    /// The quotas of `tenant` (none for a tenant the file no longer names).
    pub fn quotas(&self, tenant: &str) -> Quotas {
        self.quotas.get(tenant).copied().unwrap_or_default()
    }

    /// The tenant whose token `authorization` (`Bearer <token>`) carries, if any.
    pub fn caller(&self, authorization: Option<&str>) -> Option<Arc<str>> {
        let token = authorization?.strip_prefix("Bearer ")?.trim();
        let presented = digest(token);
        let mut found = None;
        for (known, name) in &self.tokens {
            if *known == presented {
                found = Some(name.clone());
            }
        }
        found
    }
}

fn digest(token: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_tenant_and_nothing_else_passes() {
        let text = "tenants:\n  a:\n    tokens: [aaaaaaaaaaaaaaaa-1, aaaaaaaaaaaaaaaa-2]\n    quotas: {concurrent_runs: 2}\n  b:\n    tokens: [bbbbbbbbbbbbbbbb-1]\n";
        let tenants = Tenants::new(&TenantsFile::from_yaml(text).unwrap());
        assert_eq!(tenants.quotas("a").concurrent_runs, Some(2));
        assert!(tenants.quotas("b").is_unlimited());
        assert!(tenants.quotas("gone").is_unlimited());
        let caller = |header: &str| tenants.caller(Some(header)).map(|t| t.to_string());
        assert_eq!(caller("Bearer aaaaaaaaaaaaaaaa-2").as_deref(), Some("a"));
        assert_eq!(caller("Bearer  bbbbbbbbbbbbbbbb-1 ").as_deref(), Some("b"));
        for refused in [
            "Bearer aaaaaaaaaaaaaaaa",
            "aaaaaaaaaaaaaaaa-1",
            "Basic aaaaaaaaaaaaaaaa-1",
            "Bearer ",
        ] {
            assert_eq!(caller(refused), None, "{refused}");
        }
        assert_eq!(tenants.caller(None), None);
    }
}
