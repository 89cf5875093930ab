//! `inc status`: the incident at a glance, once or `--watch`ing for changes.

use std::time::Duration;

use crate::config::parse_duration;
use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::{status, watch};
use crate::render;

/// The incident at a glance: severity, roles, elapsed time, TODOs and what is due
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  inc status\n  inc status --watch --interval 15s\n  inc status --watch --json | jq ."
)]
pub struct Args {
    /// Re-check every interval and print only what changed (Ctrl-C stops)
    #[arg(long)]
    pub watch: bool,
    /// Time between checks, e.g. 30s, 2m [default: [cadence] status_interval, 30s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub interval: Option<Duration>,
    /// With --watch: post each change to the incident room ("stalk" mode)
    #[arg(long, requires = "watch")]
    pub post: bool,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let req = status::Request {
        interval: args.interval,
        post: args.post,
    };
    if args.post {
        // The stalk's posts need a room it can post in.
        let inc = ctx.current_incident()?;
        ctx.gate(&crate::flows::reach::rooms(ctx, &inc))?;
    }
    let outcome = status::load(ctx, &req).await?;
    if !args.watch {
        return render::status::data(ctx, &outcome);
    }
    render::status::watch_start(ctx, &outcome);
    let req = watch::Request {
        first: &outcome.glance,
        interval: outcome.interval,
        post: args.post,
    };
    let end = watch::run(ctx, req, |step| render::status::watch_step(ctx, step)).await?;
    render::status::watch_end(ctx, end)
}

/// `inc` alone: on a terminal with an open incident, the same as `inc status`; otherwise the
/// short help (on stdout, exit 0).
pub async fn bare(ctx: &Ctx) -> CliResult {
    if ctx.io.stdout_tty && status::has_open_current(ctx) {
        let args = Args {
            watch: false,
            interval: None,
            post: false,
        };
        return run(ctx, args).await;
    }
    ctx.io
        .out(crate::command().render_help().to_string().trim_end());
    Ok(())
}
