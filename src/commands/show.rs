//! `inc show` and `inc timeline`.

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::status;
use crate::render;

/// Show one incident [default: the current one]
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Incident id
    pub id: Option<String>,
}

/// Show an incident's timeline in UTC [default: the current incident]
#[derive(clap::Args, Debug)]
#[command(
    after_help = "The timeline shows what people read: notes, roles, severity, pages and \
acknowledgements, the pager's log, exec and public updates. --all adds each provider's delivery \
records (channels and rooms by name), the places published for other responders, and the \
`status --watch --post` posts; --json always has every event."
)]
pub struct TimelineArgs {
    /// Incident id
    pub id: Option<String>,
    /// Also every provider's delivery records, linked places and watch posts
    #[arg(long)]
    pub all: bool,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    render::status::data(ctx, &status::show(ctx, args.id).await?)
}

pub async fn timeline(ctx: &Ctx, args: TimelineArgs) -> CliResult {
    render::status::data(ctx, &status::timeline(ctx, args.id, args.all).await?)
}
