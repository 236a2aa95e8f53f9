//! `runner-operator`: wiring only. The flags are in [`runner_operator::cli`], what they make
//! of the controller's options too; the library does the rest.

use anyhow::Context as _;
use clap::Parser;
use runner_operator::cli::{Cli, Command};
use runner_operator::controller;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::Crd) => {
            print!("{}", runner_operator::crd_yaml()?);
            return Ok(());
        }
        Some(Command::Rbac(args)) => {
            let webhook = args.webhook();
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
        audit: false,
    })?;
    let options = args.options().map_err(anyhow::Error::msg)?;
    let client = kube::Client::try_default()
        .await
        .context("no Kubernetes configuration (in-cluster service account or kubeconfig)")?;
    let result = controller::run(client, options).await;
    telemetry.shutdown().await;
    Ok(result?)
}
