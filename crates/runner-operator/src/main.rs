//! `runner-operator`: wiring only. See the library for what it does.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use runner_operator::controller;
use runner_operator::resources::Settings;
use tracing_subscriber::EnvFilter;

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
    Run(RunArgs),
    /// Print the PythonSandboxPool CustomResourceDefinition as YAML.
    Crd,
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
        Some(Command::Run(args)) => args,
        None => cli.run,
    };

    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    if args.log_format == "json" {
        logs.json().init();
    } else {
        logs.init();
    }

    let client = kube::Client::try_default()
        .await
        .context("no Kubernetes configuration (in-cluster service account or kubeconfig)")?;
    let settings = Settings {
        default_image: args.runner_image,
    };
    controller::run(client, settings, args.namespace).await?;
    Ok(())
}
