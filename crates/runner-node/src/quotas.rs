//! Quotas per tenant (runner-api's [`Quotas`], from the tenants file): runs at once, runs per
//! minute, and sessions (counted by [`crate::session::Sessions`], checked with [`sessions`]). Checked before admission: a tenant over a quota is answered 429 `quota_exceeded`
//! at once, holding no run slot and no place in the queue, so the other tenants never wait
//! behind it. What each tenant uses is kept here, apart from the file, so a reload that changes
//! a quota keeps the count of runs in flight.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use runner_api::tenants::Quotas;

/// A quota a request went over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quota {
    /// `concurrent_runs`
    ConcurrentRuns,
    /// `runs_per_minute`
    RunsPerMinute,
    /// `sessions`
    Sessions,
}

impl Quota {
    /// Its name in the tenants file and in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Quota::ConcurrentRuns => "concurrent_runs",
            Quota::RunsPerMinute => "runs_per_minute",
            Quota::Sessions => "sessions",
        }
    }
}

/// Why a request was refused, for its 429.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("tenant {tenant} is over its quotas.{} ({limit}); retry after {}s", quota.as_str(), retry_after.as_secs())]
pub struct Exceeded {
    /// The tenant.
    pub tenant: Arc<str>,
    /// The quota it went over.
    pub quota: Quota,
    /// The quota's value.
    pub limit: u32,
    /// When a retry can succeed (whole seconds, at least one).
    pub retry_after: Duration,
}

/// Refuses a new session of `tenant`, which has `live` already, when its quota is reached.
pub fn sessions(tenant: &Arc<str>, quotas: &Quotas, live: usize) -> Result<(), Exceeded> {
    match quotas.sessions {
        Some(limit) if live >= limit as usize => Err(Exceeded {
            tenant: tenant.clone(),
            quota: Quota::Sessions,
            limit,
            // A session ends when deleted or idle: nothing says when; one second, as for a
            // busy runner.
            retry_after: Duration::from_secs(1),
        }),
        _ => Ok(()),
    }
}

/// What every tenant uses now.
#[derive(Debug, Default)]
pub struct Usage(Mutex<HashMap<Arc<str>, Used>>);

#[derive(Debug)]
struct Used {
    /// Runs executing or waiting for a slot.
    running: u32,
    /// Runs the per-minute bucket holds now (fractional while it refills).
    bucket: f64,
    /// When `bucket` was last brought up to date.
    refilled: Instant,
}

/// A run counted against its tenant's `concurrent_runs` until dropped.
#[derive(Debug)]
pub struct Held {
    usage: Arc<Usage>,
    tenant: Arc<str>,
}

impl Usage {
    /// Counts a new run of `tenant` at `now`, or says which quota it would go over.
    pub fn start(
        self: &Arc<Self>,
        tenant: &Arc<str>,
        quotas: Quotas,
        now: Instant,
    ) -> Result<Held, Exceeded> {
        let mut all = self.0.lock().expect("quota usage");
        let used = all.entry(tenant.clone()).or_insert_with(|| Used {
            running: 0,
            // Full: clamped to the quota (whatever it is by then) at first use.
            bucket: f64::INFINITY,
            refilled: now,
        });
        let exceeded = |quota, limit, retry_after| Exceeded {
            tenant: tenant.clone(),
            quota,
            limit,
            retry_after,
        };
        if let Some(limit) = quotas.concurrent_runs.filter(|l| used.running >= *l) {
            // A slot of its own frees when one of its runs ends; a second is a fair guess.
            return Err(exceeded(
                Quota::ConcurrentRuns,
                limit,
                Duration::from_secs(1),
            ));
        }
        if let Some(per_minute) = quotas.runs_per_minute {
            let capacity = f64::from(per_minute);
            let per_second = capacity / 60.0;
            let refill = now.saturating_duration_since(used.refilled).as_secs_f64() * per_second;
            used.bucket = (used.bucket + refill).min(capacity);
            used.refilled = now;
            if used.bucket < 1.0 {
                let wait = ((1.0 - used.bucket) / per_second).ceil().max(1.0);
                return Err(exceeded(
                    Quota::RunsPerMinute,
                    per_minute,
                    Duration::from_secs(wait as u64),
                ));
            }
            used.bucket -= 1.0;
        }
        used.running += 1;
        Ok(Held {
            usage: self.clone(),
            tenant: tenant.clone(),
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut all = self.usage.0.lock().expect("quota usage");
        if let Some(used) = all.get_mut(&self.tenant) {
            used.running = used.running.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quotas(concurrent_runs: Option<u32>, runs_per_minute: Option<u32>) -> Quotas {
        Quotas {
            concurrent_runs,
            runs_per_minute,
            sessions: None,
        }
    }

    #[test]
    fn a_tenant_keeps_at_most_its_sessions_quota() {
        let tenant: Arc<str> = "a".into();
        let mut limited = quotas(None, None);
        limited.sessions = Some(2);
        assert!(sessions(&tenant, &limited, 1).is_ok());
        let over = sessions(&tenant, &limited, 2).unwrap_err();
        assert_eq!((over.quota, over.limit), (Quota::Sessions, 2));
        assert!(sessions(&tenant, &quotas(None, None), 1000).is_ok());
    }

    #[test]
    fn concurrent_runs_count_until_each_run_ends_and_tenants_are_apart() {
        let usage = Arc::new(Usage::default());
        let (a, b): (Arc<str>, Arc<str>) = ("a".into(), "b".into());
        let two = quotas(Some(2), None);
        let now = Instant::now();
        let first = usage.start(&a, two, now).unwrap();
        let _second = usage.start(&a, two, now).unwrap();
        let refused = usage.start(&a, two, now).unwrap_err();
        assert_eq!(refused.quota, Quota::ConcurrentRuns);
        assert_eq!(refused.retry_after, Duration::from_secs(1));
        assert_eq!(
            refused.to_string(),
            "tenant a is over its quotas.concurrent_runs (2); retry after 1s"
        );
        // Another tenant is not affected.
        let _b = usage.start(&b, two, now).unwrap();
        drop(first);
        assert!(usage.start(&a, two, now).is_ok());
    }

    #[test]
    fn runs_per_minute_is_a_bucket_refilled_over_the_minute() {
        let usage = Arc::new(Usage::default());
        let a: Arc<str> = "a".into();
        let sixty = quotas(None, Some(60));
        let start = Instant::now();
        // A minute's worth at once, then one a second.
        for _ in 0..60 {
            drop(usage.start(&a, sixty, start).unwrap());
        }
        let refused = usage.start(&a, sixty, start).unwrap_err();
        assert_eq!(refused.quota, Quota::RunsPerMinute);
        assert_eq!(refused.retry_after, Duration::from_secs(1));
        let later = start + Duration::from_millis(1500);
        drop(usage.start(&a, sixty, later).unwrap());
        assert!(usage.start(&a, sixty, later).is_err());
        // Slow refills say how long: 2 a minute is one every 30 s.
        let slow = quotas(None, Some(2));
        let b: Arc<str> = "b".into();
        drop(usage.start(&b, slow, start).unwrap());
        drop(usage.start(&b, slow, start).unwrap());
        let wait = usage.start(&b, slow, start).unwrap_err().retry_after;
        assert_eq!(wait, Duration::from_secs(30));
    }

    #[test]
    fn no_quota_means_no_limit() {
        let usage = Arc::new(Usage::default());
        let a: Arc<str> = "a".into();
        let held: Vec<_> = (0..1000)
            .map(|_| usage.start(&a, Quotas::default(), Instant::now()).unwrap())
            .collect();
        assert_eq!(held.len(), 1000);
    }
}
