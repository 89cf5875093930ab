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
pub struct TimelineArgs {
    /// Incident id
    pub id: Option<String>,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    render::status::data(ctx, &status::show(ctx, args.id).await?)
}

pub async fn timeline(ctx: &Ctx, args: TimelineArgs) -> CliResult {
    render::status::data(ctx, &status::timeline(ctx, args.id).await?)
}
