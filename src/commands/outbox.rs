//! `inc outbox`: deliveries that could not be delivered yet.

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::flows::outbox as flow;
use crate::render::outbox as render;

/// Messages that could not be delivered, kept until delivered or dropped
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// List what is waiting
    List,
    /// Try to deliver again (all, or the given ids); delivered entries leave the outbox
    Retry {
        /// Outbox ids [default: all]
        ids: Vec<String>,
    },
    /// Give up on entries for good
    Drop {
        /// Outbox ids
        #[arg(required_unless_present = "all")]
        ids: Vec<String>,
        /// Drop every entry (asks on a terminal unless --yes)
        #[arg(long, conflicts_with = "ids")]
        all: bool,
    },
}

pub async fn run(ctx: &Ctx, cmd: Command) -> CliResult {
    match cmd {
        Command::List => render::list(ctx, &flow::list(ctx)?),
        Command::Retry { ids } => {
            // Entries whose provider has no secret cannot go: 78 when that is all of them.
            let mut reach: Vec<String> = Vec::new();
            for e in flow::list(ctx)?.outbox {
                if (ids.is_empty() || ids.contains(&e.id)) && !reach.contains(&e.delivery.provider)
                {
                    reach.push(e.delivery.provider);
                }
            }
            ctx.gate(&reach)?;
            render::retried(ctx, &flow::retry(ctx, &ids).await?)
        }
        Command::Drop { ids, all } => {
            let ids = if all { flow::ids(ctx)? } else { ids };
            if all && !ctx.global.yes && !ctx.dry_run() {
                confirm_all(ctx, ids.len())?;
            }
            render::dropped(ctx, &flow::drop(ctx, ids)?)
        }
    }
}

/// `--all` asks on a terminal; a script must say `--yes`.
fn confirm_all(ctx: &Ctx, n: usize) -> CliResult {
    let Some(p) = ctx.prompter() else {
        return Err(CliError::usage(
            "--all drops every undelivered message: add --yes to confirm",
        ));
    };
    let question = format!("Drop all {n} undelivered messages for good?");
    if !p.confirm(&question, false)? {
        return Err(CliError::cancelled());
    }
    Ok(())
}
