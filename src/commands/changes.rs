//! `inc changes`: what changed on the affected services before the incident began.

use std::time::Duration;

use crate::config::parse_duration;
use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::changes::{self, Request};
use crate::render;

/// What changed before the incident began: deploys, releases, change events, newest first
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  inc changes\n  inc changes --since 24h --service checkout\n  inc changes --cite 1\n  inc changes --json | jq '.changes[0]'\n\n\
Sources, each when configured ([changes] in the config): GitHub deployments (with their latest \
status) and releases of each service's repositories, PagerDuty change events of its PagerDuty \
service, and the messages of the [changes] announcements rooms that name a service. The \
services are the incident's affected services (`inc declare --service`, `inc service add`), \
else every service of [changes.services]."
)]
pub struct Args {
    /// How long before the incident began to look, e.g. 4h, 24h [default: [changes] window, 4h]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub since: Option<Duration>,
    /// Only this service (a name of [changes.services])
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// Record change N (as last listed) as a suspected cause: the timeline, the incident room and the post-mortem's contributing factors
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub cite: Option<u64>,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let config = ctx.config()?;
    let service = match &args.service {
        Some(s) => changes::check_services(config, std::slice::from_ref(s), "--service")?
            .into_iter()
            .next(),
        None => None,
    };
    let req = Request {
        since: args.since,
        service,
    };
    match args.cite {
        Some(n) => {
            let cited = changes::cite(ctx, &req, n as usize).await?;
            render::emit(ctx, &cited)
        }
        None => render::changes::list(ctx, &changes::list(ctx, &req).await?),
    }
}
