//! `inc role` and `inc handover`.

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::{reach, timeline};
use crate::model::Role;

/// Assign a role: ic, deputy, scribe, cl (customer liaison), il (internal liaison), sme
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  inc role scribe ann@example.com\n  inc role sme db-oncall@example.com"
)]
pub struct Args {
    #[arg(value_enum)]
    pub role: Role,
    /// Who (an email, a handle, or `me`)
    pub user: String,
}

/// Hand command to a new Incident Commander (the IC holds no other role)
#[derive(clap::Args, Debug)]
pub struct HandoverArgs {
    /// The new IC (an email, a handle, or `me`)
    pub user: String,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    if args.role == Role::Ic {
        return handover(ctx, HandoverArgs { user: args.user }).await;
    }
    let inc = ctx.current_incident()?;
    let person = super::person(ctx, &args.user, "USER")?;
    ctx.gate(&reach::timeline(ctx, &inc))?;
    let changed = timeline::role(ctx, inc, args.role, person).await?;
    crate::render::timeline::changed(ctx, &changed)
}

pub async fn handover(ctx: &Ctx, args: HandoverArgs) -> CliResult {
    let inc = ctx.current_incident()?;
    let person = super::person(ctx, &args.user, "USER")?;
    ctx.gate(&reach::timeline(ctx, &inc))?;
    let changed = timeline::handover(ctx, inc, person).await?;
    crate::render::timeline::changed(ctx, &changed)
}
