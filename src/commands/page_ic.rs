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
`inc declare` adopts. The page's key is the IC service's (the IC schedules' for Opsgenie), the \
same on every machine, so running it again, `inc outbox retry` or another responder's page-ic \
reports the open page instead of paging twice; --again pages anew. With both [pagerduty] \
and [opsgenie] configured, it pages through both at the same time.\n\n\
A schedule with nobody on call is a ✘ line and exit 3. A pager whose token is missing is \
skipped (exit 3 beside another pager, else 78: nothing is sent or written). With \
[pagerduty] ic_page = \"service\" the page is one POST on ic_service, with the on-call read \
beside it.\n\n\
When a pager has not confirmed the page within 2 s, or fails sooner, page-ic prints CALL THEM NOW \
at once with each IC's phone number (from the live lookup, else the on-call cache, with its age) \
and keeps retrying the page within [delivery] retry_for; it says so if the page goes out. A page \
that never went out stays in the outbox, and page-ic exits non-zero."
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
        |step| crate::render::paging::step(ctx, step),
    )
    .await?;
    crate::render::paging::page_ic(ctx, &page);
    // The result goes to the incident room too, so nobody there wonders whether an IC is coming.
    let posted = paging::announce(ctx, &page).await?;
    crate::render::report_failures(ctx, &posted);
    page.exit()
}
