//! `inc`: the major-incident process from the shell. The binary is `src/main.rs`; the command
//! tree and its dispatch are in [`cli`].

pub mod cli;
pub mod commands;
pub mod config;
pub mod ctx;
pub mod deliver;
pub mod error;
pub mod flows;
pub mod generate;
pub mod identity;
pub mod io;
pub mod journal;
pub mod messages;
pub mod model;
pub mod outbox;
pub mod postmortem;
pub mod prompt;
pub mod providers;
pub mod render;

use clap::CommandFactory;

/// The clap command, for the generators and tests.
pub fn command() -> clap::Command {
    cli::Cli::command()
}

/// A command line clap refused: its message on stderr (and, with `--json`, one JSON error
/// document on stdout, so scripts always get a document); `--help` and `--version` exit 0.
pub fn usage_error(e: clap::Error) -> u8 {
    use clap::error::ErrorKind as K;
    if matches!(
        e.kind(),
        K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand
    ) && e.exit_code() == 0
    {
        let _ = e.print();
        return 0;
    }
    if std::env::args().any(|a| a == "--json") {
        let message = e.render().to_string();
        let first = message
            .lines()
            .next()
            .unwrap_or("")
            .trim_start_matches("error: ")
            .to_string();
        println!(
            "{}",
            serde_json::json!({ "error": { "message": first, "exit_code": 2, "hints": [] } })
        );
    }
    let _ = e.print();
    2
}

/// Runs a parsed command line and returns the process exit code.
pub async fn run(cli: cli::Cli) -> u8 {
    let ctx = ctx::Ctx::new(cli.global, config::Env::from_process());
    render::progress::install(&ctx);
    let result = cli::dispatch(&ctx, cli.command).await;
    render::warnings(&ctx);
    match result {
        Ok(()) => 0,
        Err(e) => {
            if !e.message.is_empty() {
                if ctx.io.json {
                    ctx.io.json_doc(&serde_json::json!({
                        "error": { "message": e.message, "exit_code": e.kind.code(), "hints": e.hints }
                    }));
                }
                eprintln!("{} {}", ctx.io.paint("error:", io::Style::Fail), e.message);
                for h in &e.hints {
                    eprintln!("{} {h}", ctx.io.paint("hint:", io::Style::Dim));
                }
            }
            e.kind.code()
        }
    }
}
