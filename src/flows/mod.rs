//! Flows: the orchestration behind each command. A flow takes typed input and the [`Ctx`],
//! reads and writes the journal, builds deliveries and sends them through the engine, and
//! returns a typed, serialisable outcome. A flow never prints, prompts or reads the terminal
//! (`ctx.io` is the renderer's), and names no command; a flow may call another flow.

pub mod attach;
pub mod bot;
pub mod call_now;
pub mod changes;
pub mod comms;
pub mod declare;
pub mod doctor;
pub mod drill;
pub mod email;
pub mod exec;
pub mod ic_page;
pub mod init;
pub mod input;
pub mod oncall;
pub mod outbox;
pub mod pager;
pub mod paging;
pub mod people;
pub mod postmortem;
pub mod reach;
pub mod resolve;
pub mod room;
pub mod social;
pub mod status;
pub mod sync;
pub mod timeline;
pub mod watch;

use crate::ctx::Ctx;
use crate::model::{Event, Incident};
use crate::providers::{Delivery, opsgenie, pagerduty};

/// The deliveries that mirror `messages` about an incident: a post in every incident room,
/// and each message as a note on its PagerDuty incident and Opsgenie alert (when `notes`).
/// With the `event` they mirror, each delivery also carries it (Slack metadata, Matrix
/// content, a note marker) so that another responder's `inc` reads it back exactly, and the
/// dedup keys come from the event's id, unique across responders.
pub fn mirrors(
    ctx: &Ctx,
    inc: &Incident,
    event: Option<&Event>,
    messages: &[String],
    notes: bool,
) -> Vec<Delivery> {
    // The event's id (else its position in the journal) keeps the keys stable for this action.
    let stem = match event.and_then(|e| e.id.as_deref()) {
        Some(id) => format!("inc-{}-{id}", inc.id),
        None => format!("inc-{}-{}", inc.id, inc.events.len()),
    };
    let mut out = Vec::new();
    if !messages.is_empty() {
        out.extend(room::room_posts(
            ctx,
            inc,
            &messages.join("\n"),
            &format!("{stem}-post"),
        ));
    }
    if notes
        && ctx.has_pagerduty()
        && let Some(pd_id) = pd_incident(inc)
    {
        for (i, m) in messages.iter().enumerate() {
            out.push(pagerduty::add_note(
                pd_id,
                &crate::messages::tagged(inc, m),
                format!("{stem}-note-{i}"),
                Some(&inc.id),
            ));
        }
    }
    if notes {
        out.extend(opsgenie_notes(ctx, inc, messages, &stem));
    }
    if let Some(e) = event {
        for d in &mut out {
            crate::providers::publish(d, &inc.id, e);
        }
    }
    out
}

/// The PagerDuty incident of an inc incident: the declared major incident (opened here, else
/// the one another responder's inc opened and published), else the IC page. An attached
/// responder's own `page-ic` (or `!ic page` through inc bot) never takes the major incident's
/// place: its notes still go to the major incident.
pub fn pd_incident(inc: &Incident) -> Option<&str> {
    let page = inc
        .find_ref(pagerduty::PROVIDER, "page_ic")
        .and_then(|r| r.id.as_deref());
    let linked = |skip: Option<&str>| {
        inc.linked
            .iter()
            .find(|l| l.provider == pagerduty::PROVIDER && Some(l.reference.as_str()) != skip)
            .map(|l| l.reference.as_str())
    };
    inc.find_ref(pagerduty::PROVIDER, "create_incident")
        .and_then(|r| r.id.as_deref())
        .or_else(|| linked(page))
        .or(page)
}

/// Notes for the incident's Opsgenie IC alert (part of `super::mirrors`).
pub fn opsgenie_notes(ctx: &Ctx, inc: &Incident, messages: &[String], stem: &str) -> Vec<Delivery> {
    let configured = ctx.config().is_ok_and(|c| c.values.opsgenie.is_some());
    // The newest IC alert (its alias is the schedules', the same on every machine).
    let Some(alias) = page_keys(inc, opsgenie::PROVIDER, "page_ic").pop() else {
        return Vec::new();
    };
    if !configured {
        return Vec::new();
    }
    messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            opsgenie::add_note(
                &alias,
                &crate::messages::tagged(inc, m),
                format!("{stem}-opsgenie-note-{i}"),
                Some(&inc.id),
            )
        })
        .collect()
}

/// Closes every Opsgenie IC alert inc opened for the incident (part of `inc resolve`): the
/// page, and any `page-ic --again`.
pub fn opsgenie_close(ctx: &Ctx, inc: &Incident, resolution: &str) -> Vec<Delivery> {
    if !ctx.config().is_ok_and(|c| c.values.opsgenie.is_some()) {
        return Vec::new();
    }
    page_keys(inc, opsgenie::PROVIDER, "page_ic")
        .iter()
        .enumerate()
        .map(|(i, alias)| {
            let key = match i {
                0 => format!("inc-{}-resolve-opsgenie", inc.id),
                n => format!("inc-{}-resolve-opsgenie-{n}", inc.id),
            };
            opsgenie::close(
                alias,
                &crate::messages::tagged(inc, resolution),
                key,
                Some(&inc.id),
            )
        })
        .collect()
}

/// The dedup keys of the pages inc sent for the incident through one provider action, oldest
/// first, each once (an Opsgenie alias, an Events v2 dedup key).
pub fn page_keys(inc: &Incident, provider: &str, action: &str) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for e in &inc.events {
        if let crate::model::EventKind::Delivery {
            provider: p,
            action: a,
            ok: true,
            dedup_key: Some(k),
            ..
        } = &e.kind
            && p == provider
            && a == action
            && !keys.contains(k)
        {
            keys.push(k.clone());
        }
    }
    keys
}
