//! `inc bot`: answer the room's own commands (`!ic page`, `!status`, `!status stalk`, ...) in
//! the configured rooms and every incident room, until SIGTERM or SIGINT.

use crate::ctx::Ctx;
use crate::error::CliResult;

/// Answer `!ic page`, `!status`, `!status stalk`, `!note`, `!todo`, `!sev`, `!role` in the rooms
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  inc bot\n  inc bot -v\n\n\
inc bot runs in the foreground until SIGTERM or SIGINT (then the commands in flight finish, and it \
exits 0 within 5 s). It dials out (Matrix /sync, Slack Socket Mode) and listens on no port. It \
answers in every room of [bot] rooms and every incident room, in the command's thread, for the \
sender: `!ic page` is `inc page-ic`, `!status` is `inc status`, `!note` is `inc note`... Several \
bots (replicas with their own INC_STATE_DIR and the same account) answer each command once. One \
line per command on stderr; -v for more; --json adds one JSON line per command on stdout.")]
pub struct Args {}

pub async fn run(ctx: &Ctx, _args: Args) -> CliResult {
    let stopped = crate::flows::bot::run(ctx, |step| crate::render::bot::step(ctx, step)).await?;
    crate::render::bot::stopped(ctx, &stopped);
    Ok(())
}
