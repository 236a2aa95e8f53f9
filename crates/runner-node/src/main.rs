//! `runner-node` binary: parse flags, set up logs and traces, serve (or precompile).

use clap::Parser;
use runner_node::config::Command;
use runner_node::{Config, Server, shutdown, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let telemetry = telemetry::init(config.log_format)?;
    if let Some(Command::Precompile { output }) = &config.command {
        let written = runner_node::precompile(config.clone(), output.clone()).await?;
        tracing::info!(path = %output.display(), key = %written.key, bytes = written.bytes,
            "wrote the compiled interpreter snapshot");
        return Ok(());
    }
    let server = Server::bind(config).await?;
    let admin = server.admin_addr().map(|addr| addr.to_string());
    tracing::info!(addr = %server.local_addr(), admin, "runner-node listening");
    server.run(shutdown::signal()).await;
    telemetry.shutdown().await;
    Ok(())
}
