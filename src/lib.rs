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

use std::ffi::OsString;

use clap::CommandFactory;

/// The clap command, for the generators and tests.
pub fn command() -> clap::Command {
    cli::Cli::command()
}

/// Parses a command line (as the OS gave it: arguments need not be UTF-8). Bad usage or bad
/// input has been reported when this returns `Err(exit code)`: clap's refusals, an argument
/// that is not UTF-8, or one holding a terminal escape or another control character.
///
/// Only the part of the command tree the line names is built ([`cli::narrow`]): a line it
/// refuses, or one asking for help, is parsed again through the whole tree, so every message
/// and help text is the whole tree's.
pub fn parse_args(args: Vec<OsString>) -> Result<cli::Cli, u8> {
    use clap::FromArgMatches;
    if let Some(mut cmd) = cli::narrow(&args) {
        match cmd.try_get_matches_from_mut(&args) {
            Ok(mut m) if control_in_args(&cmd, &m).is_none() => {
                // In place (`from_arg_matches` would parse a clone of the matches).
                if let Ok(parsed) = cli::Cli::from_arg_matches_mut(&mut m) {
                    // Freed at exit anyway: dropping the tree and the matches costs more than
                    // building them.
                    std::mem::forget(cmd);
                    std::mem::forget(m);
                    return Ok(parsed);
                }
            }
            Err(e) if e.kind() == clap::error::ErrorKind::DisplayVersion => {
                // The same words as the whole tree's (`inc 0.1.0`); exit 0.
                let _ = e.print();
                return Err(0);
            }
            _ => {}
        }
    }
    let json = args.iter().any(|a| a == "--json");
    let mut cmd = command();
    let matches = match cmd.try_get_matches_from_mut(&args) {
        Ok(m) => m,
        Err(e) if e.kind() == clap::error::ErrorKind::InvalidUtf8 => {
            let (n, arg) = args
                .iter()
                .enumerate()
                .skip(1)
                .find(|(_, a)| a.to_str().is_none())
                .map(|(n, a)| (n, format!("{a:?}")))
                .unwrap_or((0, String::new()));
            return Err(bad_input(
                &format!(
                    "argument {n} ({arg}) is not valid UTF-8: inc takes text arguments as UTF-8"
                ),
                json,
            ));
        }
        Err(e) => return Err(usage_error(e, json)),
    };
    if let Some(message) = control_in_args(&cmd, &matches) {
        return Err(bad_input(&message, json));
    }
    cli::Cli::from_arg_matches(&matches).map_err(|e| usage_error(e, json))
}

/// The first argument value holding a control character, as a message naming the argument.
fn control_in_args(cmd: &clap::Command, m: &clap::ArgMatches) -> Option<String> {
    for id in m.ids() {
        let Ok(Some(values)) = m.try_get_raw(id.as_str()) else {
            continue;
        };
        for value in values {
            let Some((at, c)) = value.to_str().and_then(io::find_control) else {
                continue;
            };
            let arg = cmd.get_arguments().find(|a| a.get_id() == id);
            let name = match arg {
                Some(a) if a.get_long().is_some() => format!("--{}", a.get_long().unwrap_or("")),
                Some(a) => a
                    .get_value_names()
                    .and_then(|v| v.first())
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| id.as_str().to_uppercase()),
                None => id.as_str().to_uppercase(),
            };
            return Some(format!(
                "{name} holds a control character ({}) at character {at}: \
                 inc refuses terminal escapes and control characters in arguments",
                io::describe_control(c)
            ));
        }
    }
    let (name, sub) = m.subcommand()?;
    control_in_args(cmd.find_subcommand(name)?, sub)
}

/// Bad input found before any command ran: one line on stderr (and the `--json` error
/// document), exit 2.
fn bad_input(message: &str, json: bool) -> u8 {
    if json {
        println!(
            "{}",
            serde_json::json!({ "error": { "message": message, "exit_code": 2, "hints": [] } })
        );
    }
    eprintln!("error: {message}");
    2
}

/// A command line clap refused: its message on stderr (and, with `--json`, one JSON error
/// document on stdout, so scripts always get a document); `--help` and `--version` exit 0.
pub fn usage_error(e: clap::Error, json: bool) -> u8 {
    use clap::error::ErrorKind as K;
    if matches!(
        e.kind(),
        K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand
    ) && e.exit_code() == 0
    {
        let _ = e.print();
        return 0;
    }
    if json {
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

/// Runs a command until it ends, or until Ctrl-C while it waits on a provider: then the command
/// is dropped (nothing more goes out), and what was sent, what was not and what is not
/// confirmed is reported, kept in the outbox and journaled; exit 130. Before the first wait
/// Ctrl-C ends the process as usual (a prompt answers it itself: see `prompt.rs`).
async fn until_interrupted(ctx: &ctx::Ctx, command: Option<cli::Command>) -> error::CliResult {
    let mut work = Box::pin(cli::dispatch(ctx, command));
    let finished = tokio::select! {
        biased;
        r = &mut work => Some(r),
        () = ctx.interrupt() => None,
    };
    match finished {
        Some(r) => r,
        None => {
            // Dropped first: its waits end (the spinner with them) and nothing more is sent.
            drop(work);
            render::outbox::interrupted(ctx, &ctx.interrupted())
        }
    }
}

/// Runs a parsed command line and returns the process exit code. Only commands that may talk
/// to a provider or wait get the async runtime; the local ones (`init`, `list`, `completions`,
/// `man`) start nothing but themselves.
pub fn run(cli: cli::Cli) -> u8 {
    let ctx = ctx::Ctx::new(cli.global, config::Env::from_process());
    render::progress::install(&ctx);
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime")
    };
    let result = match cli.command.map(|c| cli::dispatch_local(&ctx, c)) {
        Some(Ok(done)) => done,
        Some(Err(command)) => runtime().block_on(until_interrupted(&ctx, Some(*command))),
        None => runtime().block_on(until_interrupted(&ctx, None)),
    };
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
