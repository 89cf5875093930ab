use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match inc::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(inc::usage_error(e)),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    ExitCode::from(runtime.block_on(inc::run(cli)))
}
