//! `inc notify-exec`: the executive summary, with `@here`, and a PagerDuty status update.

use serde_json::json;

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::flows::room::ExecUpdate;
use crate::model::EventKind;
use crate::providers::pagerduty;

/// Brief executives: summary, actions, impact and ETA to the exec channel with @here
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Fields come from the flags, from --file (lines `Summary: ...`, `Actions: ...`, \
`Impact: ...`, `ETA: ...`; `-` reads stdin), or are asked one by one on a terminal, with a preview to confirm.\n\n\
Examples:\n  inc notify-exec --summary \"SEV-1: checkout down, bad deploy\" --actions \"rolling back\" --impact \"EU customers cannot pay\" --eta \"20 min\"\n  inc notify-exec --file update.txt --yes"
)]
pub struct Args {
    /// Current state: severity and suspected cause
    #[arg(long)]
    pub summary: Option<String>,
    /// Actions in progress
    #[arg(long)]
    pub actions: Option<String>,
    /// Customer impact
    #[arg(long)]
    pub impact: Option<String>,
    /// Expected time to recovery
    #[arg(long)]
    pub eta: Option<String>,
    /// Read the fields from a file (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub file: Option<String>,
    /// Post even when the incident is a security incident and the exec channel is not private
    #[arg(long)]
    pub force: bool,
}

fn parse_file(text: &str) -> ExecUpdate {
    let mut u = ExecUpdate::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim().to_string();
        match k.trim().to_ascii_lowercase().as_str() {
            "summary" | "state" | "current state" => u.summary = v,
            "actions" | "action" => u.actions = v,
            "impact" | "customer impact" => u.impact = v,
            "eta" | "expected" => u.eta = v,
            _ => {}
        }
    }
    u
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let inc = ctx.current_incident()?;
    let mut u = match &args.file {
        Some(f) if f == "-" => parse_file(&ctx.io.read_stdin()?),
        Some(f) => parse_file(
            &std::fs::read_to_string(f).map_err(|e| CliError::usage(format!("--file {f}: {e}")))?,
        ),
        None => ExecUpdate::default(),
    };
    for (slot, flag) in [
        (&mut u.summary, &args.summary),
        (&mut u.actions, &args.actions),
        (&mut u.impact, &args.impact),
        (&mut u.eta, &args.eta),
    ] {
        if let Some(v) = flag {
            *slot = v.trim().to_string();
        }
    }
    let prompter = ctx.prompter();
    if let Some(p) = &prompter {
        let labels = [
            "Current state (SEV and cause)",
            "Actions in progress",
            "Customer impact",
            "Expected time to recovery",
        ];
        let slots = [&mut u.summary, &mut u.actions, &mut u.impact, &mut u.eta];
        for (slot, label) in slots.into_iter().zip(labels) {
            if slot.is_empty() {
                *slot = p.input(label, Some(""))?.trim().to_string();
            }
        }
    }
    if u.summary.is_empty() {
        return Err(CliError::usage(
            "missing --summary (the current state: severity and cause)",
        ));
    }
    for (k, v) in u.fields() {
        if v.chars().count() > 3_000 {
            return Err(CliError::usage(format!(
                "{k} is longer than 3,000 characters"
            )));
        }
    }
    if let Some(p) = &prompter
        && !ctx.global.yes
    {
        ctx.io.say(&u.text(&inc));
        if !p.confirm("Send this executive update?", true)? {
            return Err(CliError::cancelled());
        }
    }
    let config = ctx.config()?;
    if inc.security
        && !args.force
        && let Some(channel) = config
            .values
            .slack
            .as_ref()
            .and_then(|s| s.exec_channel.clone())
    {
        let private = ctx.slack()?.is_private(&channel).await.map_err(|e| {
            CliError::failed(format!("cannot tell whether {channel} is private: {e}"))
        })?;
        if !private {
            return Err(CliError::usage(format!(
                "{} is a security incident and {channel} is not private: not posted",
                inc.id
            ))
            .hint("use a private exec channel, or --force after checking who can read it"));
        }
    }
    if inc.security
        && !args.force
        && let Some(room) = config
            .values
            .matrix
            .as_ref()
            .and_then(|m| m.exec_room.clone())
    {
        let private =
            ctx.matrix()?.is_private(&room).await.map_err(|e| {
                CliError::failed(format!("cannot tell whether {room} is private: {e}"))
            })?;
        if !private {
            return Err(CliError::usage(format!(
                "{} is a security incident and {room} is not private: not posted",
                inc.id
            ))
            .hint("use a private exec room, or --force after checking who can read it"));
        }
    }
    let key = format!("inc-{}-{}-exec", inc.id, inc.events.len());
    let mut deliveries = crate::flows::room::exec_posts(ctx, &inc, &u, &key);
    if inc.security && !args.force {
        // inc cannot tell who reads a webhook's channel: a security update stays off them.
        let before = deliveries.len();
        deliveries.retain(|d| !matches!(d.provider.as_str(), "teams" | "mattermost" | "discord"));
        if deliveries.len() < before {
            ctx.io.warn("security incident: not posted to the chat webhooks (their readers are unknown); --force posts there too");
        }
    }
    if ctx.has_pagerduty()
        && let Some(pd_id) = crate::flows::pd_incident(&inc)
    {
        deliveries.push(pagerduty::status_update(
            pd_id,
            &u.text(&inc),
            format!("{key}-pd"),
            Some(&inc.id),
        ));
        let teams = config
            .values
            .pagerduty
            .as_ref()
            .and_then(|p| p.stakeholders.get(&format!("sev{}", inc.severity.number())))
            .cloned()
            .unwrap_or_default();
        if inc.severity.is_major() && !teams.is_empty() {
            deliveries.push(pagerduty::add_subscribers(
                pd_id,
                &teams,
                format!("inc-{}-subscribers-sev{}", inc.id, inc.severity.number()),
                Some(&inc.id),
            ));
        }
    }
    let results = ctx.deliver(deliveries).await?;
    if results.is_empty() || results.iter().any(|r| r.ok) {
        ctx.record(
            &inc.id,
            EventKind::ExecUpdate {
                summary: u.summary.clone(),
            },
        )?;
    }
    let msgs = if crate::flows::room::configured(ctx) {
        Vec::new()
    } else {
        vec![u.text(&inc)]
    };
    crate::render::finish(
        ctx,
        &[],
        json!({ "incident": inc.id, "update": u }),
        &msgs,
        results,
    )
}
