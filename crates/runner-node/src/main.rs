//! `runner-node` binary: parse flags, set up logging, serve (or precompile).

use clap::Parser;
use runner_node::config::{Command, LogFormat};
use runner_node::{Config, Server, shutdown};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Before the server's arguments (a probe needs no --python-dir) and before logging: a
    // probe prints one line and nothing else.
    if let Some(probe) = runner_node::probe::from_args(std::env::args_os()) {
        let args = probe.unwrap_or_else(|usage| usage.exit());
        match runner_node::probe::probe(&args).await {
            Ok(line) => println!("{line}"),
            Err(reason) => {
                eprintln!("{reason}");
                std::process::exit(1);
            }
        }
        return Ok(());
    }
    let config = Config::parse();
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,wasmtime=warn,cranelift=warn"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match config.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
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
    Ok(())
}
