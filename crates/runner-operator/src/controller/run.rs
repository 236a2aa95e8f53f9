//! The running controller: the watches on pools and their children, leader election, the
//! admin port and the webhook, until a signal or a lost Lease stops it.

use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::StreamExt;
use kube::Client;
use kube::api::{Api, ListParams};
use kube::runtime::controller::Controller;
use kube::runtime::events::Reporter;
use kube::runtime::watcher;
use runner_api::pool::PythonSandboxPool;
use tokio::net::TcpListener;
use tracing::{info, warn};

use super::{Context, error_policy, reconcile};
use crate::admin;
use crate::cache;
use crate::lease::LeaseLock;
use crate::resources::Settings;
use crate::{Error, FIELD_MANAGER, Result};

/// How the controller runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Operator-wide settings for the builders.
    pub settings: Settings,
    /// Watch only this namespace; all namespaces when `None`.
    pub namespace: Option<String>,
    /// Address of the admin port (`/health`, `/metrics`).
    pub admin_addr: SocketAddr,
    /// Leader election; `None` runs without (one replica only, or local development).
    pub lease: Option<LeaseOptions>,
    /// The sidecar webhook, served by every replica; `None` serves none.
    pub webhook: Option<crate::webhook_server::WebhookOptions>,
}

/// Where the leader-election Lease lives and who this replica is.
#[derive(Clone, Debug)]
pub struct LeaseOptions {
    /// Namespace of the Lease (the operator's own).
    pub namespace: String,
    /// Name of the Lease.
    pub name: String,
    /// This replica's identity (its pod name).
    pub identity: String,
}

/// Runs the controller until SIGTERM or Ctrl-C.
pub async fn run(client: Client, options: Options) -> Result<()> {
    let Options {
        settings,
        namespace,
        admin_addr,
        lease,
        webhook,
    } = options;
    let pools: Api<PythonSandboxPool> = crate::scoped_api(&client, namespace.as_deref());
    // Fail fast with a clear message when the CRD is missing or RBAC forbids listing pools.
    pools
        .list(&ListParams::default().limit(1))
        .await
        .map_err(Error::kube(
            "list PythonSandboxPools (is the CRD installed? `runner-operator crd | kubectl apply -f -`)",
        ))?;
    let listener = TcpListener::bind(admin_addr)
        .await
        .map_err(|source| Error::Listen {
            addr: admin_addr,
            source,
        })?;

    let reporter = Reporter {
        controller: FIELD_MANAGER.into(),
        instance: std::env::var("POD_NAME").ok(),
    };
    let ns = namespace.as_deref();
    let (cache, watches) = cache::watch(&client, ns);
    let ctx = Arc::new(Context::new(client.clone(), settings, reporter, cache));
    // Health is served while waiting for the Lease too: a standby replica is healthy.
    let admin = tokio::spawn(admin::serve(listener, ctx.metrics.clone()));
    // Every replica answers the webhook, leader or standby: the Service picks any ready one.
    let webhook = match webhook {
        Some(options) => {
            let metrics = ctx.metrics.clone();
            Some(crate::webhook_server::start(client.clone(), options, metrics).await?)
        }
        None => None,
    };

    let (lost_tx, lost_rx) = tokio::sync::oneshot::channel::<()>();
    let holder = match lease {
        Some(lease) => {
            let lock = LeaseLock::new(
                client.clone(),
                &lease.namespace,
                &lease.name,
                &lease.identity,
            );
            info!(lease = %lease.name, identity = %lease.identity, "waiting for leadership");
            lock.acquire().await?;
            info!("leading");
            Some(tokio::spawn(async move {
                lock.hold().await;
                let _ = lost_tx.send(());
            }))
        }
        None => None,
    };
    let lost = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let lost_flag = lost.clone();
    let leadership_lost = async move {
        if lost_rx.await.is_ok() {
            lost_flag.store(true, std::sync::atomic::Ordering::SeqCst);
        } else {
            // No leader election: never fires.
            std::future::pending::<()>().await;
        }
    };
    info!(namespace = ns.unwrap_or("<all>"), "controller starting");
    watches
        .attach(Controller::new(
            pools,
            watcher::Config::default().any_semantic(),
        ))
        .shutdown_on_signal()
        .graceful_shutdown_on(leadership_lost)
        .run(reconcile, error_policy, ctx)
        .for_each(|result| async move {
            match result {
                Ok((pool, _)) => tracing::debug!(pool = %pool, "reconciled"),
                Err(error) => warn!(%error, "controller"),
            }
        })
        .await;
    admin.abort();
    if let Some(webhook) = webhook {
        webhook.abort();
    }
    if let Some(holder) = holder {
        holder.abort();
    }
    if lost.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(Error::LeadershipLost);
    }
    info!("controller stopped");
    Ok(())
}
