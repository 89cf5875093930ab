//! `inc comms STAGE [MESSAGE]`: the Customer Liaison's public updates on the status page and
//! the social accounts, each previewed and approved by the IC, never for a security incident
//! unless forced.

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::comms::{self, Stage};
use crate::providers::statuspage::IMPACTS;

/// Post a public update on the status page and the social accounts, previewed for the IC's approval
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Stages follow the public-communication guidelines: `investigating` within 5 \
minutes of the call starting, `identified` once the scope is known (impact, components, regions), \
updates at least every 20 minutes ([cadence] public_update; `inc status` says when the next is due), \
`monitoring` once a fix is out, `resolved` once the IC confirms full recovery. `retract` removes a \
false alarm's post (with a MESSAGE or --close it closes the post with that message instead).

Without MESSAGE the stage's template is used (edit it at the prompt on a terminal). Templates can \
be overridden in [statuspage.templates] (names: investigating, identified, monitoring, resolved, \
retract, long) and may use {title}, {components} and {next_update}.

With a [social] table (X, Mastodon, Bluesky), the same update goes to each account, shortened \
to its limit (X 280 characters, Mastodon 500, Bluesky 300 graphemes) with the status page link \
kept whole; a message that cannot fit even shortened is refused before anything is sent. A \
re-run of the same update posts nothing twice; `retract` deletes what inc posted there.

Every post is previewed and needs a confirmation on a terminal (the IC's approval, one for all \
of them), or --yes in scripts. Security incidents post nothing anywhere until the facts are \
verified: --force.

Examples:
  inc comms investigating --component api=major_outage --impact major
  inc comms identified \"Card payments fail for EU customers; a fix is being deployed.\"
  inc comms monitoring --component api=degraded
  inc comms identified --long
  inc comms resolved --yes
  inc comms retract"
)]
pub struct Args {
    /// The stage of the public incident
    #[arg(value_enum)]
    pub stage: Stage,
    /// The public message [default: the stage's template]; `-` reads stdin
    pub message: Option<String>,
    /// A component's status, NAME=STATUS (NAME from [statuspage] components; STATUS operational,
    /// degraded_performance, partial_outage, major_outage, under_maintenance); repeatable
    #[arg(long = "component", value_name = "NAME=STATUS")]
    pub components: Vec<String>,
    /// The impact shown on the page [default: Statuspage computes it from the components]
    #[arg(long, value_name = "IMPACT", value_parser = IMPACTS)]
    pub impact: Option<String>,
    /// The public incident's name [default: the incident's title]
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Use the long-incident template (an incident running over 2 hours)
    #[arg(long, conflicts_with = "message")]
    pub long: bool,
    /// retract: close the post with the retract template instead of removing it
    #[arg(long)]
    pub close: bool,
    /// Post for a security incident (only once the facts are verified)
    #[arg(long)]
    pub force: bool,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let req = comms::Request {
        stage: args.stage,
        message: args.message,
        components: args.components,
        impact: args.impact,
        title: args.title,
        long: args.long,
        close: args.close,
        force: args.force,
    };
    let mut draft = comms::prepare(ctx, &req)?;
    // The status page is the public record: without its key nothing goes public (78); the
    // note in the incident room is beside it.
    let inc = ctx.current_incident()?;
    if ctx.config()?.values.statuspage.is_some() {
        ctx.gate(&[crate::providers::statuspage::PROVIDER.to_string()])?;
    }
    ctx.gate_beside(&crate::flows::reach::timeline(ctx, &inc))?;
    crate::render::comms::ask_message(ctx, req.message.as_deref(), &mut draft)?;
    comms::settle(ctx, &mut draft)?;
    crate::render::comms::approve(ctx, &draft)?;
    super::dry_run_note(ctx, "journal the public post");
    let posted = comms::post(ctx, draft).await?;
    crate::render::emit(ctx, &posted)
}
