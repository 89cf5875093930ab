//! Which providers a command would write to, for the secrets gate ([`Ctx::gate`]): a command
//! whose every provider lacks its secret is exit 78 before anything is synced, written or
//! sent; one that has another provider for the job goes on without the missing ones (exit 3).
//! Each list comes from the same builders the flows send with, so it cannot drift from them.

use crate::ctx::Ctx;
use crate::model::Incident;
use crate::providers::{Delivery, matrix, opsgenie, pagerduty, slack, webhook};

fn providers(deliveries: &[Delivery]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in deliveries {
        if !out.contains(&d.provider) {
            out.push(d.provider.clone());
        }
    }
    out
}

/// A note, a TODO, a role, a handover, a severity: every incident room and the pagers'
/// incidents (what `flows::mirrors` and the topic updates write to).
pub fn timeline(ctx: &Ctx, inc: &Incident) -> Vec<String> {
    let mut d = super::mirrors(ctx, inc, None, &[String::new()], true);
    d.extend(super::room::topic_updates(ctx, inc));
    providers(&d)
}

/// Only the incident rooms (`status --watch --post`, and the announcements of commands whose
/// own job is done elsewhere).
pub fn rooms(ctx: &Ctx, inc: &Incident) -> Vec<String> {
    providers(&super::room::room_posts(ctx, inc, "", "reach"))
}

/// `inc resolve`: the timeline's places, and the status page when a public incident is open.
pub fn resolve(ctx: &Ctx, inc: &Incident) -> Vec<String> {
    let mut out = timeline(ctx, inc);
    let public = inc.public.as_ref().is_some_and(|p| p.is_open());
    if public && ctx.config().is_ok_and(|c| c.values.statuspage.is_some()) {
        out.push(crate::providers::statuspage::PROVIDER.into());
    }
    out
}

/// `inc notify-exec`: the exec rooms and the PagerDuty status update.
pub fn exec(ctx: &Ctx, inc: &Incident) -> Vec<String> {
    let update = super::room::ExecUpdate {
        summary: "reach".into(),
        ..Default::default()
    };
    let mut out = providers(&super::room::exec_posts(ctx, inc, &update, "reach"));
    if ctx.has_pagerduty() && super::pd_incident(inc).is_some() {
        out.push(pagerduty::PROVIDER.into());
    }
    out
}

/// `inc declare` of `inc` (prepared, not yet written): the PagerDuty major incident when a
/// service is set for it, and every room it opens.
pub fn declare(ctx: &Ctx, inc: &Incident) -> Vec<String> {
    let Ok(config) = ctx.config() else {
        return Vec::new();
    };
    let v = &config.values;
    let mut out = Vec::new();
    let service = match &v.pagerduty {
        Some(_) if inc.drill => v.drill.service.as_ref(),
        Some(pd) => pd.incident_service.as_ref(),
        None => None,
    };
    if service.is_some() {
        out.push(pagerduty::PROVIDER.to_string());
    }
    let drill_room = |r: &Option<String>| r.as_ref().is_some_and(|r| !r.trim().is_empty());
    if let Some(s) = &v.slack {
        let shared = match inc.drill {
            true => drill_room(&v.drill.exec_channel),
            false => s.channel.is_some(),
        };
        if s.per_incident_channel || shared {
            out.push(slack::PROVIDER.to_string());
        }
    }
    if let Some(m) = &v.matrix {
        let shared = match inc.drill {
            true => drill_room(&v.drill.exec_room),
            false => m.room.is_some(),
        };
        if m.per_incident_room || shared {
            out.push(matrix::PROVIDER.to_string());
        }
    }
    out.extend(
        webhook::configured(v.webhooks.as_ref())
            .into_iter()
            .map(str::to_string),
    );
    out
}

/// `inc attach REF`: the provider REF names (an inc id names none: it is read from the
/// configured places).
pub fn attach(r: &super::attach::Ref) -> Vec<String> {
    use super::attach::Ref;
    let p = match r {
        Ref::PagerDuty(_) | Ref::PagerDutyNumber(_) => pagerduty::PROVIDER,
        Ref::Slack(_) => slack::PROVIDER,
        Ref::Matrix(_) => matrix::PROVIDER,
        Ref::Inc(_) => return Vec::new(),
    };
    vec![p.to_string()]
}

/// `inc sync`: every place the incident is known in.
pub fn sync(ctx: &Ctx, inc: &Incident) -> Vec<String> {
    let at = super::sync::places(inc);
    let mut out = Vec::new();
    if !at.pagerduty.is_empty() && ctx.has_pagerduty() {
        out.push(pagerduty::PROVIDER.to_string());
    }
    let configured = |p: &str| {
        ctx.config().is_ok_and(|c| match p {
            slack::PROVIDER => c.values.slack.is_some(),
            matrix::PROVIDER => c.values.matrix.is_some(),
            _ => c.values.opsgenie.is_some(),
        })
    };
    if at.slack.is_some() && configured(slack::PROVIDER) {
        out.push(slack::PROVIDER.to_string());
    }
    if at.matrix.is_some() && configured(matrix::PROVIDER) {
        out.push(matrix::PROVIDER.to_string());
    }
    if !at.opsgenie.is_empty() && configured(opsgenie::PROVIDER) {
        out.push(opsgenie::PROVIDER.to_string());
    }
    out
}
