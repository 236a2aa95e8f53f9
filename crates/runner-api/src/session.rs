//! The sessions contract (`/v1/sessions`): an interpreter kept between runs, so what one run
//! defines (globals, imports, open files, `/work`) is there for the next, like the cells of a
//! notebook.
//!
//! A run in a session is sent to `POST /v1/sessions/{id}/run` as a [`crate::RunRequest`]
//! (without `env` and `memory_mb`, which are the session's) and answered with a
//! [`crate::RunResponse`]; when that run ended the session, its `session_ended` says why.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::run::FileContent;

/// A request to start a session (`POST /v1/sessions`); every field is optional, and an empty
/// body starts a session with the server's defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    /// Linear-memory limit of the session's interpreter in MiB, for its whole life; at most the
    /// server's maximum. The session holds it from the runner's memory budget while it lives.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::run::whole_number"
    )]
    #[schemars(range(min = 1))]
    pub memory_mb: Option<u64>,
    /// Environment variables of every run of the session; only names the policy allows.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Files in the session's `/work` from the start, as a run's `files`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, FileContent>,
    /// Seconds without a run after which the session ends; at most the server's maximum.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::run::whole_number"
    )]
    #[schemars(range(min = 1))]
    pub idle_timeout_s: Option<u64>,
}

/// A session as the server describes it: the answer to `POST /v1/sessions` (201) and
/// `GET /v1/sessions/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SessionInfo {
    /// The session's id: 16 random bytes, base64url. Knowing it is not enough to use it when
    /// the server has auth: a session answers only its own tenant.
    pub id: String,
    /// Where the session is served: send its runs here (`{url}/run`). A session lives in the
    /// memory of one runner, so behind a load balancer this is that runner's own address.
    pub url: String,
    /// Whether the session's interpreter is in memory now.
    pub state: SessionState,
    /// Whether a run of the session is executing now (a second one is refused, 409).
    pub running: bool,
    /// Runs the session has executed.
    pub runs: u64,
    /// Linear memory of the session's interpreter after its last run, in bytes.
    pub memory_bytes: u64,
    /// The session's memory limit, in MiB.
    pub memory_mb: u64,
    /// Seconds without a run after which the session ends.
    pub idle_timeout_s: u64,
    /// When the session was created (RFC 3339, UTC).
    pub created_at: String,
    /// When its last run ended, or when it was created (RFC 3339, UTC).
    pub last_used_at: String,
    /// When the session ends unless a run comes first: the sooner of its idle timeout and its
    /// lifetime (RFC 3339, UTC).
    pub expires_at: String,
}

crate::named_enum! {
    /// Where a session's state is.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum SessionState {
        /// In the runner's memory, ready for its next run.
        Live = "live",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_request_is_a_session_with_the_defaults() {
        let request: SessionRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(request, SessionRequest::default());
        let err = serde_json::from_str::<SessionRequest>(r#"{"idle_timeout": 5}"#).unwrap_err();
        assert!(
            err.to_string().contains("unknown field `idle_timeout`"),
            "{err}"
        );
        let request: SessionRequest =
            serde_json::from_str(r#"{"memory_mb": 64.0, "idle_timeout_s": 30}"#).unwrap();
        assert_eq!(
            (request.memory_mb, request.idle_timeout_s),
            (Some(64), Some(30))
        );
    }

    #[test]
    fn state_names_match_the_wire() {
        for state in SessionState::ALL {
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
    }
}
