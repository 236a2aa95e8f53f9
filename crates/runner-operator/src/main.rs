//! `runner-operator`: wiring only. See the library for what it does.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use runner_operator::certs::CertSource;
use runner_operator::resources::Settings;
use runner_operator::webhook::WebhookConfig;
use runner_operator::webhook_server::WebhookOptions;
use runner_operator::{controller, rbac};

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
    /// Print the RBAC the operator needs, as YAML: its ClusterRole and leader-election Role,
    /// and the webhook's Role (its Secret) and ClusterRole (its webhook configuration).
    Rbac(RbacArgs),
}

#[derive(Debug, clap::Args)]
struct RbacArgs {
    /// Namespace the operator runs in (where its Lease and webhook Secret live).
    #[arg(long, default_value = "runner-operator")]
    namespace: String,

    /// Leave out the webhook's rules (the operator runs without `--webhook-addr`).
    #[arg(long)]
    no_webhook: bool,

    #[command(flatten)]
    webhook: WebhookArgs,
}

/// The sidecar webhook's settings, shared by `run` and `rbac` so the rules name what runs.
#[derive(Debug, clap::Args)]
struct WebhookArgs {
    /// The Secret holding the webhook's serving certificate (and the CA, when the operator
    /// makes them): the one Secret its Role may touch.
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

    /// The MutatingWebhookConfiguration whose caBundle the operator keeps current (with
    /// `--webhook-certificates operator`).
    #[arg(
        long,
        env = "WEBHOOK_CONFIGURATION",
        default_value = "runner-operator-webhook"
    )]
    webhook_configuration: String,

    /// Who makes the webhook's certificates: `operator` (its own CA, renewed in the Secret,
    /// caBundle patched) or `external` (cert-manager fills the Secret and the caBundle; the
    /// operator only reads the Secret).
    #[arg(
        long,
        env = "WEBHOOK_CERTIFICATES",
        value_enum,
        default_value_t = CertSource::Operator
    )]
    webhook_certificates: CertSource,
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

    /// Image of runner-node for pools of the scientific runtime that name none.
    #[arg(
        long,
        env = "RUNNER_SCIENTIFIC_IMAGE",
        default_value = concat!("ghcr.io/python-sandbox/runner-node:", env!("CARGO_PKG_VERSION"), "-scientific")
    )]
    scientific_image: String,

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

    #[command(flatten)]
    webhook: WebhookArgs,

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
        Some(Command::Rbac(args)) => {
            let webhook = (!args.no_webhook).then_some(rbac::Webhook {
                secret: args.webhook.webhook_secret,
                configuration: args.webhook.webhook_configuration,
                certificates: args.webhook.webhook_certificates,
            });
            print!(
                "{}",
                runner_operator::rbac_yaml(&args.namespace, webhook.as_ref())?
            );
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
        scientific_image: args.scientific_image,
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
                secret: args.webhook.webhook_secret,
                service: args.webhook.webhook_service,
                configuration: args.webhook.webhook_configuration,
                certificates: args.webhook.webhook_certificates,
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
