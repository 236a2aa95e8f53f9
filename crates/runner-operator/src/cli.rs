//! The command line of `runner-operator`: its subcommands and flags (each flag with its
//! environment variable), and what `run`'s flags make of the controller's [`Options`].
//!
//! clap turns doc comments into `--help` text, so the types that only group flags carry none
//! (their flags are documented one by one).
#![allow(missing_docs)]

use clap::{Parser, Subcommand};

use crate::certs::CertSource;
use crate::controller::{LeaseOptions, Options};
use crate::rbac;
use crate::resources::Settings;
use crate::webhook::WebhookConfig;
use crate::webhook_server::WebhookOptions;

/// Reconciles PythonSandboxPool resources into pools of runner-node pods.
#[derive(Debug, Parser)]
#[command(
    name = "runner-operator",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the controller (the default).
    Run(Box<RunArgs>),
    /// Print the PythonSandboxPool CustomResourceDefinition as YAML.
    Crd,
    /// Print the RBAC the operator needs, as YAML: its ClusterRole and leader-election Role,
    /// and the webhook's Role (its Secret) and ClusterRole (its webhook configuration).
    Rbac(RbacArgs),
}

#[derive(Debug, clap::Args)]
pub struct RbacArgs {
    /// Namespace the operator runs in (where its Lease and webhook Secret live).
    #[arg(long, default_value = "runner-operator")]
    pub namespace: String,

    /// Leave out the webhook's rules (the operator runs without `--webhook-addr`).
    #[arg(long)]
    pub no_webhook: bool,

    #[command(flatten)]
    pub webhook: WebhookArgs,
}

/// The sidecar webhook's settings, shared by `run` and `rbac` so the rules name what runs.
#[derive(Debug, clap::Args)]
pub struct WebhookArgs {
    /// The Secret holding the webhook's serving certificate (and the CA, when the operator
    /// makes them): the one Secret its Role may touch.
    #[arg(
        long,
        env = "WEBHOOK_SECRET",
        default_value = "runner-operator-webhook-tls"
    )]
    pub webhook_secret: String,

    /// The webhook's Service: its DNS names go into the serving certificate.
    #[arg(
        long,
        env = "WEBHOOK_SERVICE",
        default_value = "runner-operator-webhook"
    )]
    pub webhook_service: String,

    /// The MutatingWebhookConfiguration whose caBundle the operator keeps current (with
    /// `--webhook-certificates operator`).
    #[arg(
        long,
        env = "WEBHOOK_CONFIGURATION",
        default_value = "runner-operator-webhook"
    )]
    pub webhook_configuration: String,

    /// Who makes the webhook's certificates: `operator` (its own CA, renewed in the Secret,
    /// caBundle patched) or `external` (cert-manager fills the Secret and the caBundle; the
    /// operator only reads the Secret).
    #[arg(
        long,
        env = "WEBHOOK_CERTIFICATES",
        value_enum,
        default_value_t = CertSource::Operator
    )]
    pub webhook_certificates: CertSource,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Image of runner-node for pools that name none.
    #[arg(
        long,
        env = "RUNNER_IMAGE",
        default_value = concat!("ghcr.io/python-sandbox/runner-node:", env!("CARGO_PKG_VERSION"))
    )]
    pub runner_image: String,

    /// Image of runner-node for pools of the scientific runtime that name none.
    #[arg(
        long,
        env = "RUNNER_SCIENTIFIC_IMAGE",
        default_value = concat!("ghcr.io/python-sandbox/runner-node:", env!("CARGO_PKG_VERSION"), "-scientific")
    )]
    pub scientific_image: String,

    /// Watch only this namespace; all namespaces when not set.
    #[arg(long, env = "WATCH_NAMESPACE")]
    pub namespace: Option<String>,

    /// Address of the admin port: `GET /health` and `GET /metrics`.
    #[arg(long, env = "ADMIN_ADDR", default_value = "0.0.0.0:8080")]
    pub admin_addr: std::net::SocketAddr,

    /// Namespace of the leader-election Lease (the operator's own, e.g. from the downward API).
    /// Not set: no leader election, so run one replica only.
    #[arg(long, env = "POD_NAMESPACE")]
    pub lease_namespace: Option<String>,

    /// Name of the leader-election Lease.
    #[arg(long, env = "LEASE_NAME", default_value = "runner-operator")]
    pub lease_name: String,

    /// This replica's identity in the Lease; the pod name in a cluster.
    #[arg(long, env = "POD_NAME", default_value = "runner-operator-local")]
    pub identity: String,

    /// Serve the sidecar webhook (`POST /mutate`, TLS) on this address; not set: no webhook.
    /// Needs POD_NAMESPACE (where its certificate Secret lives).
    #[arg(long, env = "WEBHOOK_ADDR")]
    pub webhook_addr: Option<std::net::SocketAddr>,

    #[command(flatten)]
    pub webhook: WebhookArgs,

    /// Namespaces whose pods are never injected, besides kube-system, kube-public,
    /// kube-node-lease and the operator's own (comma-separated).
    #[arg(long, env = "WEBHOOK_EXCLUDE_NAMESPACES", value_delimiter = ',')]
    pub webhook_exclude_namespaces: Vec<String>,

    /// Log format: `json` (one object per line, for log collectors) or `text`.
    #[arg(long, env = "LOG_FORMAT", default_value = "json", value_parser = ["json", "text"])]
    pub log_format: String,
}

impl RbacArgs {
    /// The webhook the RBAC is for; `None` with `--no-webhook`.
    pub fn webhook(&self) -> Option<rbac::Webhook> {
        (!self.no_webhook).then(|| rbac::Webhook {
            secret: self.webhook.webhook_secret.clone(),
            configuration: self.webhook.webhook_configuration.clone(),
            certificates: self.webhook.webhook_certificates,
        })
    }
}

impl RunArgs {
    /// The controller's options: the images, the namespace watched, the admin port, leader
    /// election when the Lease's namespace is known, and the webhook when it has an address
    /// (which then needs that namespace too, for its Secret).
    pub fn options(self) -> Result<Options, String> {
        let settings = Settings {
            default_image: self.runner_image,
            scientific_image: self.scientific_image,
        };
        let webhook = match self.webhook_addr {
            None => None,
            Some(addr) => {
                let namespace = self.lease_namespace.clone().ok_or(
                    "--webhook-addr needs POD_NAMESPACE (--lease-namespace): the namespace of \
                     the webhook's Secret",
                )?;
                let mut config = WebhookConfig::new(settings.clone(), Some(&namespace));
                config
                    .excluded_namespaces
                    .extend(self.webhook_exclude_namespaces);
                Some(WebhookOptions {
                    addr,
                    namespace,
                    secret: self.webhook.webhook_secret,
                    service: self.webhook.webhook_service,
                    configuration: self.webhook.webhook_configuration,
                    certificates: self.webhook.webhook_certificates,
                    config,
                })
            }
        };
        Ok(Options {
            settings,
            namespace: self.namespace,
            admin_addr: self.admin_addr,
            lease: self.lease_namespace.map(|namespace| LeaseOptions {
                namespace,
                name: self.lease_name,
                identity: self.identity,
            }),
            webhook,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_args(args: &[&str]) -> RunArgs {
        let cli = Cli::try_parse_from(["runner-operator", "run"].iter().chain(args))
            .expect("valid flags");
        match cli.command {
            Some(Command::Run(args)) => *args,
            other => panic!("not run: {other:?}"),
        }
    }

    #[test]
    fn the_defaults_watch_everything_with_no_lease_and_no_webhook() {
        let options = run_args(&[]).options().unwrap();
        assert_eq!(options.namespace, None);
        assert!(options.lease.is_none() && options.webhook.is_none());
        let version = env!("CARGO_PKG_VERSION");
        assert!(
            options
                .settings
                .default_image
                .ends_with(&format!(":{version}"))
        );
        assert!(
            options
                .settings
                .scientific_image
                .ends_with(&format!(":{version}-scientific"))
        );
    }

    #[test]
    fn the_webhook_needs_the_namespace_of_its_secret() {
        let error = run_args(&["--webhook-addr", "0.0.0.0:8443"])
            .options()
            .unwrap_err();
        assert!(error.contains("POD_NAMESPACE"), "{error}");
        let options = run_args(&[
            "--webhook-addr",
            "0.0.0.0:8443",
            "--lease-namespace",
            "ops",
            "--webhook-exclude-namespaces",
            "a,b",
        ])
        .options()
        .unwrap();
        let webhook = options.webhook.expect("a webhook");
        assert_eq!(webhook.namespace, "ops");
        assert!(webhook.config.excluded_namespaces.contains("b"));
        assert_eq!(options.lease.expect("leader election").namespace, "ops");
    }
}
