//! `inc attach`: join an incident another responder started.

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::flows::attach::{self, Ref};
use crate::model::Role;

/// Join an incident another responder started: build the local view from the shared record
#[derive(clap::Args, Debug)]
#[command(
    after_help = "REF is a PagerDuty incident (id, #number or URL), a Slack channel \
(#name, id or URL), a Matrix room (!id:server, #alias:server or matrix.to URL) or an inc \
incident id. Without REF on a terminal, choose from the open incidents the configured \
providers know.\n\nExamples:\n  inc attach '#inc-261130-checkout-errors' --as scribe\n  \
inc attach https://acme.pagerduty.com/incidents/Q1W2E3R4\n  inc attach 261130-1141-iba6"
)]
pub struct Args {
    /// The incident: a PagerDuty incident, Slack channel, Matrix room or inc id
    pub reference: Option<String>,
    /// Take a role on joining (deputy, scribe, cl, il, sme)
    #[arg(long = "as", value_enum, value_name = "ROLE")]
    pub role: Option<Role>,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    if args.role == Some(Role::Ic) {
        return Err(CliError::usage(
            "--as ic: take command with `inc handover me` once attached",
        ));
    }
    let r = match &args.reference {
        Some(raw) => attach::parse_ref(raw).map_err(CliError::usage)?,
        None => choose(ctx).await?,
    };
    ctx.gate(&crate::flows::reach::attach(&r))?;
    let attached = attach::attach(ctx, &r).await?;
    let role = match args.role {
        Some(role) if !ctx.dry_run() => {
            let me = ctx.me();
            Some(attach::claim(ctx, &attached.incident, role, &me).await?)
        }
        _ => None,
    };
    crate::render::attach::attached(ctx, &attached, role.as_ref())
}

/// Without REF: a list to choose from on a terminal; a script must name the incident.
async fn choose(ctx: &Ctx) -> CliResult<Ref> {
    let Some(p) = ctx.prompter() else {
        return Err(CliError::usage(
            "missing REF: name the incident (a PagerDuty incident, Slack channel, Matrix room or inc id)",
        ));
    };
    let list = attach::candidates(ctx).await?;
    crate::render::warnings(ctx);
    if list.is_empty() {
        return Err(
            CliError::no_incident("no open incident found in the configured providers")
                .hint("name one: inc attach REF"),
        );
    }
    let items: Vec<String> = list
        .iter()
        .map(|c| format!("{}  ({})", c.title, c.reference.describe()))
        .collect();
    let i = p.select("Attach to which incident?", &items, 0)?;
    Ok(list[i].reference.clone())
}
