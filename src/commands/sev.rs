//! `inc sev`: raise the severity, or set the final one.

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::{reach, timeline};
use crate::model::Severity;

/// Raise the severity (it only goes up during an incident), or set the final one with --final
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  inc sev 1\n  inc sev 3 --final")]
pub struct Args {
    /// 1..5 or SEV-1..SEV-5
    pub severity: Severity,
    /// Set the final severity (may be lower), usually at or after resolve
    #[arg(long = "final")]
    pub is_final: bool,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let inc = ctx.current_incident()?;
    ctx.gate(&reach::timeline(ctx, &inc))?;
    let changed = timeline::severity(ctx, inc, args.severity, args.is_final).await?;
    crate::render::timeline::changed(ctx, &changed)
}
