//! `runner-operator`: wiring only. See the library for what it does.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use runner_operator::controller;
use runner_operator::resources::Settings;
use runner_operator::webhook::WebhookConfig;
use runner_operator::webhook_server::WebhookOptions;

/// Reconciles PythonSandboxPool resources into pools of runner-node pods.
#[derive(Debug, Parser)]
#[command(
    name = "runner-operator",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the controller (the default).
    Run(Box<RunArgs>),
    /// Print the PythonSandboxPool CustomResourceDefinition as YAML.
    Crd,
    /// Print the ClusterRole and the leader-election Role the operator needs, as YAML.
    Rbac {
        /// Namespace the operator runs in (where its Lease lives).
        #[arg(long, default_value = "runner-operator")]
        namespace: String,
    },
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Image of runner-node for pools that name none.
    #[arg(
        long,
        env = "RUNNER_IMAGE",
        default_value = concat!("ghcr.io/python-sandbox/runner-node:", env!("CARGO_PKG_VERSION"))
    )]
    runner_image: String,

    /// Watch only this namespace; all namespaces when not set.
    #[arg(long, env = "WATCH_NAMESPACE")]
    namespace: Option<String>,

    /// Address of the admin port: `GET /health` and `GET /metrics`.
    #[arg(long, env = "ADMIN_ADDR", default_value = "0.0.0.0:8080")]
    admin_addr: std::net::SocketAddr,

    /// Namespace of the leader-election Lease (the operator's own, e.g. from the downward API).
    /// Not set: no leader election, so run one replica only.
    #[arg(long, env = "POD_NAMESPACE")]
    lease_namespace: Option<String>,

    /// Name of the leader-election Lease.
    #[arg(long, env = "LEASE_NAME", default_value = "runner-operator")]
    lease_name: String,

    /// This replica's identity in the Lease; the pod name in a cluster.
    #[arg(long, env = "POD_NAME", default_value = "runner-operator-local")]
    identity: String,

    /// Serve the sidecar webhook (`POST /mutate`, TLS) on this address; not set: no webhook.
    /// Needs POD_NAMESPACE (where its certificate Secret lives).
    #[arg(long, env = "WEBHOOK_ADDR")]
    webhook_addr: Option<std::net::SocketAddr>,

    /// The Secret holding the webhook's CA and serving certificate (made and renewed by the
    /// operator; the one Secret its Role may touch).
    #[arg(
        long,
        env = "WEBHOOK_SECRET",
        default_value = "runner-operator-webhook-tls"
    )]
    webhook_secret: String,

    /// The webhook's Service: its DNS names go into the serving certificate.
    #[arg(
        long,
        env = "WEBHOOK_SERVICE",
        default_value = "runner-operator-webhook"
    )]
    webhook_service: String,

    /// MutatingWebhookConfiguration whose caBundle the operator keeps current. Not set: leave
    /// the caBundle to someone else (cert-manager's CA injector).
    #[arg(long, env = "WEBHOOK_CONFIGURATION")]
    webhook_configuration: Option<String>,

    /// Namespaces whose pods are never injected, besides kube-system, kube-public,
    /// kube-node-lease and the operator's own (comma-separated).
    #[arg(long, env = "WEBHOOK_EXCLUDE_NAMESPACES", value_delimiter = ',')]
    webhook_exclude_namespaces: Vec<String>,

    /// Log format: `json` (one object per line, for log collectors) or `text`.
    #[arg(long, env = "LOG_FORMAT", default_value = "json", value_parser = ["json", "text"])]
    log_format: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::Crd) => {
            print!("{}", runner_operator::crd_yaml()?);
            return Ok(());
        }
        Some(Command::Rbac { namespace }) => {
            print!("{}", runner_operator::rbac_yaml(&namespace)?);
            return Ok(());
        }
        Some(Command::Run(args)) => *args,
        None => cli.run,
    };

    let telemetry = runner_telemetry::init(runner_telemetry::Options {
        service: "runner-operator",
        default_log_filter: "info",
        json: args.log_format == "json",
    })?;

    let client = kube::Client::try_default()
        .await
        .context("no Kubernetes configuration (in-cluster service account or kubeconfig)")?;
    let settings = Settings {
        default_image: args.runner_image,
    };
    let webhook = match args.webhook_addr {
        None => None,
        Some(addr) => {
            let namespace = args
                .lease_namespace
                .clone()
                .context("--webhook-addr needs POD_NAMESPACE (--lease-namespace): the namespace of the webhook's Secret")?;
            let mut config = WebhookConfig::new(settings.clone(), Some(&namespace));
            config
                .excluded_namespaces
                .extend(args.webhook_exclude_namespaces);
            Some(WebhookOptions {
                addr,
                namespace,
                secret: args.webhook_secret,
                service: args.webhook_service,
                configuration: args.webhook_configuration,
                config,
            })
        }
    };
    let options = controller::Options {
        settings,
        namespace: args.namespace,
        admin_addr: args.admin_addr,
        lease: args
            .lease_namespace
            .map(|namespace| controller::LeaseOptions {
                namespace,
                name: args.lease_name,
                identity: args.identity,
            }),
        webhook,
    };
    let result = controller::run(client, options).await;
    telemetry.shutdown().await;
    Ok(result?)
}
