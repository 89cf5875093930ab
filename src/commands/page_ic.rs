//! `inc page-ic`: page the primary AND the backup Incident Commander (and shadows) at once,
//! through every configured pager (PagerDuty, Opsgenie) concurrently.

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::paging::{self, IcPage};

/// Page the primary and backup Incident Commanders (and shadows) at the same time
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  inc page-ic\n  inc page-ic -m \"Checkout is down for all EU customers\"\n\n\
page-ic never prompts. With no incident declared yet it opens one in state `paging`, which \
`inc declare` adopts. The page carries a key stable for the incident, so running it again (or \
`inc outbox retry`) reports the open page instead of paging twice; --again pages anew. With both [pagerduty] \
and [opsgenie] configured, it pages through both at the same time."
)]
pub struct Args {
    /// What the ICs should know [default: the current incident's title, else "Incident Commander needed"]
    #[arg(short, long, value_name = "MSG")]
    pub message: Option<String>,
    /// Page anew even though the incident's IC page is still open
    #[arg(long)]
    pub again: bool,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let page = paging::page_ic(
        ctx,
        &IcPage {
            message: args.message,
            again: args.again,
        },
    )
    .await?;
    crate::render::paging::page_ic(ctx, &page);
    // The result goes to the incident room too, so nobody there wonders whether an IC is coming.
    let posted = paging::announce(ctx, &page).await?;
    crate::render::report_failures(ctx, &posted);
    page.exit()
}
