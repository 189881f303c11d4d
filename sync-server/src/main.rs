//! `lifepath-server`: reads the configuration, sets up logging and runs the server.

use std::io::IsTerminal;

use clap::Parser;
use lifepath_sync_server::config::{Command, Config, Flags};

/// mimalloc instead of glibc's malloc: a request allocates and frees many small buffers across
/// threads, where glibc's allocator took about an eighth of the server's time under load
/// (issue 12, `perf`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Before the configuration: the default connection cap is read off the raised limit.
    lifepath_sync_server::serve::raise_file_limit();
    let flags = Flags::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("LIFEPATH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Colour only on a terminal: a log redirected to a file or a collector stays plain text.
    let ansi = std::io::stdout().is_terminal();
    if flags.log_format == "json" {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .json()
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(ansi)
            .init();
    }
    let command = flags.command.clone();
    let config = match Config::from_flags(flags) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("lifepath-server: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    if let Some(Command::Admin { action }) = command {
        return match lifepath_sync_server::admin_command(config, action).await {
            Ok(line) => {
                println!("{line}");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("lifepath-server admin: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    match lifepath_sync_server::run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("lifepath-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
