//! `inc bot`: answer the room's own commands (`!ic page`, `!status`, `!status stalk`, ...) in
//! the configured rooms and every incident room, until SIGTERM or SIGINT; `inc bot manifest`:
//! the Slack app to create for it.

use crate::ctx::Ctx;
use crate::error::CliResult;

/// Answer `!ic page`, `!status`, `!status stalk`, `!note`, `!todo`, `!sev`, `!role` in the rooms
#[derive(clap::Args, Debug)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  inc bot\n  inc bot -v\n  inc bot manifest > inc-slack-app.yaml\n\n\
inc bot runs in the foreground until SIGTERM or SIGINT (then the commands in flight finish, and it \
exits 0 within 5 s). It dials out (Matrix /sync, Slack Socket Mode) and listens on no port. It \
answers in every room of [bot] rooms and every incident room, in the command's thread, for the \
sender: `!ic page` is `inc page-ic`, `!status` is `inc status`, `!note` is `inc note`... Several \
bots (replicas with their own INC_STATE_DIR and the same accounts) answer each command once. One \
line per command on stderr; -v for more; --json adds one JSON line per command on stdout."
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Sub>,
}

#[derive(clap::Subcommand, Debug)]
pub enum Sub {
    Manifest(ManifestArgs),
}

/// Print the Slack app manifest for inc bot (Socket Mode on, the bot scopes and events, with why)
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Create the app from it as your team's own internal app: api.slack.com/apps > \
Create New App > From a manifest. Then make an app-level token with connections:write \
($SLACK_APP_TOKEN) and install the app for the bot token ($SLACK_BOT_TOKEN)."
)]
pub struct ManifestArgs {
    /// The app's name in Slack
    #[arg(long, default_value = "inc", value_name = "NAME")]
    pub name: String,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    if let Some(Sub::Manifest(m)) = args.command {
        let manifest = crate::providers::slack_socket::manifest(&m.name);
        return crate::render::bot::manifest(ctx, &manifest);
    }
    let stopped = crate::flows::bot::run(ctx, |step| crate::render::bot::step(ctx, step)).await?;
    crate::render::bot::stopped(ctx, &stopped);
    Ok(())
}
