//! The executive summary (`inc notify-exec`): checked, posted with `@here` to the exec channel
//! (kept off channels anyone may read during a security incident), and sent to PagerDuty as a
//! status update.

use serde::Serialize;

use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::{CliError, CliResult};
use crate::model::{EventKind, Incident};
use crate::providers::pagerduty;

pub use super::room::ExecUpdate;

/// The fields of an update file: lines `Summary: ...`, `Actions: ...`, `Impact: ...`, `ETA: ...`.
pub fn parse_file(text: &str) -> ExecUpdate {
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

/// The four fields, each with the flag that gives it.
const FLAGS: [&str; 4] = ["--summary", "--actions", "--impact", "--eta"];

/// The flags of the fields `u` leaves empty, in order.
pub fn missing(u: &ExecUpdate) -> Vec<&'static str> {
    u.fields()
        .iter()
        .zip(FLAGS)
        .filter(|((_, v), _)| v.trim().is_empty())
        .map(|(_, flag)| flag)
        .collect()
}

/// An update says the current state, and no field runs over 3,000 characters. `whole` (off a
/// terminal, where nobody chose to leave a field out) needs all four fields: a script that
/// gives one of four sends nothing (exit 2 naming the missing flags). Checked before any sync.
pub fn check(u: &ExecUpdate, whole: bool) -> CliResult<()> {
    let missing = missing(u);
    if whole && !missing.is_empty() {
        let names = match missing.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        return Err(CliError::usage(format!(
            "missing {names}: an executive update gives all four fields, as flags or --file lines (\"unknown\" is an answer); nothing was sent"
        )));
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
    Ok(())
}

/// What `inc notify-exec` is asked to send.
pub struct Request {
    pub update: ExecUpdate,
    /// Post during a security incident even where the readers are unknown.
    pub force: bool,
}

/// The outcome of `inc notify-exec`.
#[derive(Serialize)]
pub struct Notified {
    pub incident: String,
    pub update: ExecUpdate,
    #[serde(skip)]
    pub messages: Vec<String>,
    #[serde(skip)]
    pub results: Vec<DeliveryResult>,
}

/// Refuses a security incident's update for an exec channel or room that is not private.
async fn check_private(ctx: &Ctx, inc: &Incident) -> CliResult<()> {
    let config = ctx.config()?;
    if let Some(channel) = config
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
    if let Some(room) = config
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
    Ok(())
}

/// Sends a checked update: the exec posts, PagerDuty's status update (and, for a major
/// incident, the severity's stakeholders as subscribers); journals it when anything went out.
pub async fn notify(ctx: &Ctx, inc: &Incident, req: Request) -> CliResult<Notified> {
    let Request { update: u, force } = req;
    let config = ctx.config()?;
    if inc.security && !force {
        check_private(ctx, inc).await?;
    }
    let key = format!("inc-{}-{}-exec", inc.id, inc.events.len());
    let mut deliveries = super::room::exec_posts(ctx, inc, &u, &key);
    if inc.security && !force {
        // inc cannot tell who reads a webhook's channel: a security update stays off them.
        let before = deliveries.len();
        deliveries.retain(|d| !matches!(d.provider.as_str(), "teams" | "mattermost" | "discord"));
        if deliveries.len() < before {
            ctx.warn("security incident: not posted to the chat webhooks (their readers are unknown); --force posts there too");
        }
    }
    if ctx.has_pagerduty()
        && let Some(pd_id) = super::pd_incident(inc)
    {
        deliveries.push(pagerduty::status_update(
            pd_id,
            &crate::messages::tagged(inc, &u.text(inc)),
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
        // A drill notifies no stakeholder (SPEC "Drills").
        if inc.severity.is_major() && !teams.is_empty() && !inc.drill {
            deliveries.push(pagerduty::add_subscribers(
                pd_id,
                &teams,
                format!("inc-{}-subscribers-sev{}", inc.id, inc.severity.number()),
                Some(&inc.id),
            ));
        }
    }
    // The update is an event of the shared record: its posts carry it, and so does the incident
    // room (a drill's update is posted there anyway), so that every responder's `status` counts
    // the next update from this one.
    let event = ctx.event(EventKind::ExecUpdate {
        summary: u.summary.clone(),
    });
    for d in &mut deliveries {
        crate::providers::publish(d, &inc.id, &event);
    }
    let posted: Vec<(String, String)> = deliveries
        .iter()
        .map(|d| (d.provider.clone(), d.target.clone()))
        .collect();
    let mut results = ctx.deliver(deliveries).await?;
    if results.is_empty() || results.iter().any(|r| r.ok) {
        if !ctx.dry_run() {
            ctx.journal()?.append(&inc.id, &event)?;
        }
        let inc = if ctx.dry_run() {
            inc.clone()
        } else {
            ctx.load(&inc.id)?
        };
        // Once the executives have it, the rooms it did not reach are told.
        let line = vec![crate::messages::exec_sent(&u.summary)];
        let told: Vec<_> = super::mirrors(ctx, &inc, Some(&event), &line, false)
            .into_iter()
            .filter(|d| !posted.contains(&(d.provider.clone(), d.target.clone())))
            .collect();
        results.extend(ctx.deliver(told).await?);
    }
    let messages = if super::room::configured(ctx) {
        Vec::new()
    } else {
        vec![u.text(inc)]
    };
    Ok(Notified {
        incident: inc.id.clone(),
        update: u,
        messages,
        results,
    })
}
