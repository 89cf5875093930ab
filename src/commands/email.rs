//! `inc email`: the internal email about an incident (after the call, or after the post-mortem
//! meeting) with the post-mortem link, over SMTP.

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::email::{self as flow, Request};
use crate::postmortem::After;
use crate::render;

/// Send the internal email about the incident, with the post-mortem link, over SMTP
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  inc email\n  inc email --to eng-all@example.com,support@example.com\n  inc email --after meeting\n\nSecurity incidents: the subject is only \"Attorney Work Project\", and recipients outside the\nsender's domain are refused (inc cannot encrypt mail) unless --force.\n\nDrills: the email goes only to [drill] email_to (else to nobody, shown as --dry-run shows it)."
)]
pub struct Args {
    /// Recipients, repeated or comma-separated [default: [email] to]
    #[arg(long, value_name = "ADDR", value_delimiter = ',')]
    pub to: Vec<String>,
    /// Which email: right after the call, or with the results after the post-mortem meeting
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = After::Call)]
    pub after: After,
    /// Send a security incident's email outside the sender's domain anyway
    #[arg(long)]
    pub force: bool,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let req = Request {
        to: args.to,
        after: args.after,
        force: args.force,
    };
    // Addresses and config first: bad input never waits for a sync.
    let checked = req.check(ctx)?;
    // The email needs only SMTP: without its password, 78 before anything else.
    ctx.gate(&[crate::providers::email::PROVIDER.to_string()])?;
    let prepared = flow::prepare(ctx, checked).await?;
    // The warnings about the post-mortem link come before what the sending says.
    render::warnings(ctx);
    let sent = flow::send(ctx, prepared).await?;
    render::emit(ctx, &sent)
}
