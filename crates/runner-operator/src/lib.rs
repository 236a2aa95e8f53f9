//! `runner-operator`: turns each `PythonSandboxPool` into a locked-down pool of runner-node pods.
//!
//! ```text
//!  PythonSandboxPool ──watch──▶ reconcile ──▶ resources::desired()   (pure: pool in, objects out)
//!        ▲                         │
//!        │                         ├─▶ cache (watches) ─▶ drift: apply only what changed
//!        │                         ├─▶ server-side apply, one field manager, owner references:
//!        │                         │     ConfigMap (sandbox policy) · Deployment | DaemonSet ·
//!        │                         │     Service · NetworkPolicy · [PodDisruptionBudget] · [HPA]
//!        │                         ├─▶ delete the children the spec no longer wants
//!        └──── status (apply) ◀────┴─▶ status::compute() from what the workload reports
//! ```
//!
//! The builders in [`resources`] and [`status`] hold every decision and need no cluster, so
//! they are tested with golden files; [`controller`] only moves their output to the API server
//! and is tested against an in-memory API (see `tests/`).

pub mod admin;
pub mod cache;
pub mod certs;
pub mod cli;
pub mod controller;
pub mod drift;
pub mod lease;
pub mod metrics;
pub mod ownership;
pub mod policy;
pub mod rbac;
pub mod resources;
pub mod status;
pub mod webhook;
pub mod webhook_server;

use runner_api::pool::PythonSandboxPool;

/// A short hex digest of `bytes` (the first 8 bytes of its SHA-256): what the operator puts on
/// objects to tell one version of what it built from another (the policy on the pod template,
/// the applied object on each child).
pub(crate) fn short_digest(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// An `Api` for kind `K` in `namespace`, or in every namespace when `None`.
pub(crate) fn scoped_api<K>(client: &kube::Client, namespace: Option<&str>) -> kube::Api<K>
where
    K: kube::Resource<Scope = kube::core::NamespaceResourceScope, DynamicType = ()>,
{
    match namespace {
        Some(ns) => kube::Api::namespaced(client.clone(), ns),
        None => kube::Api::all(client.clone()),
    }
}

/// What the operator's HTTP servers (admin port, webhook) accept: headers (and the TLS
/// handshake) within 10 s, since the API server and Prometheus send a request at once, and 256
/// connections, far more than the API server's webhook calls and a few scrapers need.
pub const HTTP_LIMITS: runner_http::Limits = runner_http::Limits {
    header_read_timeout: std::time::Duration::from_secs(10),
    max_connections: 256,
};

/// The field manager of every server-side apply the operator makes, so it owns exactly the
/// fields it sets and a second apply of the same object changes nothing.
pub const FIELD_MANAGER: &str = "runner-operator";

/// Why a reconcile failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The pool cannot be turned into runners as written; nothing is applied until it changes.
    #[error("invalid spec: {0}")]
    InvalidSpec(String),

    /// A request to the Kubernetes API failed (refused, conflict, unreachable).
    #[error("{action}: {source}")]
    Kube {
        /// What the operator was doing, such as `apply Deployment demo`.
        action: String,
        /// The client's error.
        #[source]
        source: kube::Error,
    },

    /// An object with the name of one of the pool's children exists and is not the pool's to
    /// take over (see [`ownership`]); retried with backoff, since the operator does not watch
    /// objects it did not make.
    #[error("{kind} {name} already exists and {holder}; delete or rename it, or rename the pool")]
    NotOwned {
        /// Kind of the object, such as `Deployment`.
        kind: String,
        /// Its name.
        name: String,
        /// Who holds it instead.
        holder: String,
    },

    /// The pool lacks metadata the API server always sets (namespace, uid): it did not come
    /// from the API server.
    #[error("pool has no {0}")]
    MissingMetadata(&'static str),

    /// The admin port could not be opened.
    #[error("listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// Another replica took the Lease, or it could not be renewed in time: this replica stops
    /// so it never reconciles beside a new leader.
    #[error("leadership lost")]
    LeadershipLost,

    /// The webhook's certificates could not be made, read or stored.
    #[error("webhook certificates: {0}")]
    Certificate(String),

    /// An object could not be serialised (a bug in the operator).
    #[error("serialising {what}: {message}")]
    Serialize {
        /// What was being serialised.
        what: &'static str,
        /// The serialiser's message.
        message: String,
    },
}

runner_api::named_enum! {
    /// The kind of an [`Error`]: one per variant, named for metric labels and logs.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum ErrorKind {
        /// [`Error::InvalidSpec`].
        InvalidSpec = "invalid_spec",
        /// [`Error::Kube`].
        Kube = "kube",
        /// [`Error::NotOwned`].
        NotOwned = "not_owned",
        /// [`Error::MissingMetadata`].
        MissingMetadata = "missing_metadata",
        /// [`Error::Serialize`].
        Serialize = "serialize",
        /// [`Error::Listen`].
        Listen = "listen",
        /// [`Error::LeadershipLost`].
        LeadershipLost = "leadership_lost",
        /// [`Error::Certificate`].
        Certificate = "certificate",
    }
}

impl ErrorKind {
    /// Whether a reconcile can end with this kind; the others stop the process instead.
    pub fn fails_a_reconcile(self) -> bool {
        match self {
            ErrorKind::InvalidSpec
            | ErrorKind::Kube
            | ErrorKind::NotOwned
            | ErrorKind::MissingMetadata
            | ErrorKind::Serialize => true,
            ErrorKind::Listen | ErrorKind::LeadershipLost | ErrorKind::Certificate => false,
        }
    }
}

/// The operator's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// What kind of error this is, for metrics and logs.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidSpec(_) => ErrorKind::InvalidSpec,
            Error::Kube { .. } => ErrorKind::Kube,
            Error::NotOwned { .. } => ErrorKind::NotOwned,
            Error::MissingMetadata(_) => ErrorKind::MissingMetadata,
            Error::Serialize { .. } => ErrorKind::Serialize,
            Error::Listen { .. } => ErrorKind::Listen,
            Error::LeadershipLost => ErrorKind::LeadershipLost,
            Error::Certificate(_) => ErrorKind::Certificate,
        }
    }

    /// The `reason` of the `Degraded` condition and the Event that report this error.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::InvalidSpec(_) => "InvalidSpec",
            Error::Kube { .. } => "ApplyFailed",
            Error::NotOwned { .. } => "ChildConflict",
            Error::MissingMetadata(_)
            | Error::Serialize { .. }
            | Error::Listen { .. }
            | Error::LeadershipLost
            | Error::Certificate(_) => "InternalError",
        }
    }

    pub(crate) fn kube(action: impl Into<String>) -> impl FnOnce(kube::Error) -> Error {
        let action = action.into();
        move |source| Error::Kube { action, source }
    }
}

/// The `PythonSandboxPool` CustomResourceDefinition as YAML, as `runner-operator crd` prints it
/// and `crds/pythonsandboxpool.yaml` holds it.
pub fn crd_yaml() -> Result<String> {
    use kube::CustomResourceExt;
    let body =
        serde_saphyr::to_string(&PythonSandboxPool::crd()).map_err(|e| Error::Serialize {
            what: "CustomResourceDefinition",
            message: e.to_string(),
        })?;
    Ok(format!(
        "# Generated by `cargo run -p runner-operator -- crd`; do not edit by hand.\n---\n{body}"
    ))
}

/// The operator's RBAC (see [`rbac`]) as YAML, as `runner-operator rbac` prints it: the
/// webhook's rules too when `webhook` is given.
pub fn rbac_yaml(namespace: &str, webhook: Option<&rbac::Webhook>) -> Result<String> {
    fn doc<T: serde::Serialize>(out: &mut String, object: &T) -> Result<()> {
        let text = serde_saphyr::to_string(object).map_err(|e| Error::Serialize {
            what: "RBAC",
            message: e.to_string(),
        })?;
        out.push_str("---\n");
        out.push_str(&text);
        Ok(())
    }
    let mut out = String::from(
        "# Generated by `runner-operator rbac`: what the operator needs, nothing more.\n",
    );
    doc(&mut out, &rbac::cluster_role())?;
    doc(&mut out, &rbac::lease_role(namespace))?;
    if let Some(webhook) = webhook {
        doc(&mut out, &rbac::webhook_role(namespace, webhook))?;
        if let Some(cluster_role) = rbac::webhook_cluster_role(webhook) {
            doc(&mut out, &cluster_role)?;
        }
    }
    Ok(out)
}
