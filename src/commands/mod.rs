//! One thin module per subcommand: parse, call shared code, render.

pub mod attach;
pub mod bot;
pub mod changes;
pub mod comms;
pub mod completions;
pub mod declare;
pub mod doctor;
pub mod email;
pub mod init;
pub mod list;
pub mod man;
pub mod note;
pub mod notify_exec;
pub mod oncall;
pub mod outbox;
pub mod page;
pub mod page_ic;
pub mod postmortem;
pub mod resolve;
pub mod role;
pub mod service;
pub mod sev;
pub mod show;
pub mod status;
pub mod sync;

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};

/// The text of a note or TODO: the argument, or stdin for `-`; 1..=10,000 characters.
pub(crate) fn text_arg(ctx: &Ctx, text: &str, what: &str) -> CliResult<String> {
    let text = if text == "-" {
        ctx.io.read_stdin()?
    } else {
        text.to_string()
    };
    let text = text.trim().to_string();
    let n = text.chars().count();
    if n == 0 {
        return Err(CliError::usage(format!("{what} is empty")));
    }
    if n > 10_000 {
        return Err(CliError::usage(format!(
            "{what} is {n} characters; the limit is 10,000"
        )));
    }
    Ok(text)
}

/// A person as given (`me` is whoever runs inc), checked before anything is sent
/// ([`crate::flows::input::person`]).
pub(crate) fn person(ctx: &Ctx, given: &str, flag: &str) -> CliResult<String> {
    crate::flows::input::person(ctx, given, flag)
}

/// Refuses to change an incident under `--dry-run` without saying so first.
pub(crate) fn dry_run_note(ctx: &Ctx, what: &str) {
    if ctx.dry_run() {
        ctx.io
            .status(&format!("dry run: would {what}; nothing written"));
    }
}
