//! `inc oncall`: who is on call now, with how to reach them, from every configured pager
//! (PagerDuty, Opsgenie).

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::paging::{self, OnCallQuery};

/// Who is on call now (the IC rotation with --ic, else every schedule), with contact methods
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  inc oncall --ic\n  inc oncall --who ann@example.com --json")]
pub struct Args {
    /// Only the Incident Commander schedules (`ic_schedules` of [pagerduty] / [opsgenie]): primary, backup, shadows
    #[arg(long)]
    pub ic: bool,
    /// Only this person (email, name or user id)
    #[arg(long, value_name = "USER")]
    pub who: Option<String>,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let q = OnCallQuery {
        ic: args.ic,
        who: args.who,
    };
    let list = paging::on_call(ctx, &q).await?;
    crate::render::paging::on_call(ctx, &list);
    list.exit()
}
