//! `inc page TARGET`: page a user, a schedule's on-call or an escalation policy (SMEs, another team).

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::paging::{self, TargetPage};
use crate::render;

/// Page a user, a schedule's on-call or an escalation policy
#[derive(clap::Args, Debug)]
#[command(
    after_help = "TARGET is an email, a user id, `user:ID`, `schedule:ID` or `ep:ID`.\n\n\
With a current incident that has a PagerDuty incident, the target is added as a responder to it; \
otherwise a new PagerDuty incident is opened for the target.\n\n\
As with page-ic, when PagerDuty has not confirmed the page within 2 s, or fails sooner, it prints \
CALL THEM NOW at once with the target's phone number from the on-call cache (`inc oncall` fills \
it) and keeps retrying the page within [delivery] retry_for.\n\nExamples:\n  inc page db-oncall@example.com -m \"Need a DBA on the bridge\"\n  inc page schedule:PDBSCHD\n  inc page ep:PNETWRK"
)]
pub struct Args {
    /// Who to page
    pub target: String,
    /// What they should know
    #[arg(short, long, value_name = "MSG")]
    pub message: Option<String>,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    crate::flows::input::page_target(&args.target, args.message.as_deref())?;
    let req = TargetPage {
        target: args.target,
        message: args.message,
    };
    let paged = paging::page(ctx, &req, |s| render::paging::step(ctx, s)).await?;
    render::paging::page(ctx, &paged)
}
