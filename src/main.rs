use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = inc::cli::Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    ExitCode::from(runtime.block_on(inc::run(cli)))
}
