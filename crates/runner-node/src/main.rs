//! `runner-node` binary: parse flags, set up logs and traces, serve (or precompile).

use clap::Parser;
use runner_node::config::Command;
use runner_node::{Config, Server, shutdown, telemetry};

fn main() -> anyhow::Result<()> {
    // Before the server's arguments (a probe needs no --python-dir) and before logging: a
    // probe prints one line and nothing else.
    if let Some(probe) = runner_node::probe::from_args(std::env::args_os()) {
        let args = probe.unwrap_or_else(|usage| usage.exit());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        match runtime.block_on(runner_node::probe::probe(&args)) {
            Ok(line) => println!("{line}"),
            Err(reason) => {
                eprintln!("{reason}");
                std::process::exit(1);
            }
        }
        return Ok(());
    }
    let config = Config::parse();
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = config.worker_threads {
        runtime.worker_threads(usize::from(threads));
    }
    runtime.enable_all().build()?.block_on(serve(config))
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let telemetry = telemetry::init(config.log_format, config.audit_log)?;
    if let Some(Command::Precompile { output }) = &config.command {
        let written = runner_node::precompile(config.clone(), output.clone()).await?;
        tracing::info!(path = %output.display(), key = %written.key, bytes = written.bytes,
            "wrote the compiled interpreter snapshot");
        return Ok(());
    }
    let server = Server::bind(config).await?;
    let admin = server.admin_addr().map(|addr| addr.to_string());
    let workers = tokio::runtime::Handle::current().metrics().num_workers();
    tracing::info!(addr = %server.local_addr(), admin, workers, "runner-node listening");
    server.run(shutdown::signal()).await;
    telemetry.shutdown().await;
    Ok(())
}
