//! `runner-node` binary: parse flags, set up logging, serve.

use clap::Parser;
use runner_node::{Config, Server, shutdown};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,wasmtime=warn,cranelift=warn".into()),
        )
        .init();
    let config = Config::parse();
    let server = Server::bind(config).await?;
    tracing::info!(addr = %server.local_addr(), "runner-node listening");
    server.run(shutdown::signal()).await;
    Ok(())
}
