//! Flows: the orchestration behind each command. A flow takes typed input and the [`Ctx`],
//! reads and writes the journal, builds deliveries and sends them through the engine, and
//! returns a typed, serialisable outcome. A flow never prints, prompts or reads the terminal
//! (`ctx.io` is the renderer's), and names no command; a flow may call another flow.

pub mod attach;
pub mod comms;
pub mod exec;
pub mod oncall;
pub mod room;
pub mod social;
pub mod status;
pub mod sync;
pub mod watch;

use crate::ctx::Ctx;
use crate::model::{Event, Incident};
use crate::providers::{Delivery, opsgenie, pagerduty};

/// The deliveries that mirror `messages` about an incident: a post in every incident room,
/// and each message as a note on its PagerDuty incident and Opsgenie alert (when `notes`).
pub fn mirrors(ctx: &Ctx, inc: &Incident, messages: &[String], notes: bool) -> Vec<Delivery> {
    mirrors_of(ctx, inc, None, messages, notes)
}

/// [`mirrors`] of one event: each delivery also carries the event (Slack metadata, Matrix
/// content, a note marker) so that another responder's `inc` reads it back exactly, and the
/// dedup keys come from the event's id, unique across responders.
pub fn mirrors_of(
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
                m,
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

/// The PagerDuty incident of an inc incident: the declared major incident, else the IC page.
pub fn pd_incident(inc: &Incident) -> Option<&str> {
    inc.find_ref(pagerduty::PROVIDER, "create_incident")
        .or_else(|| inc.find_ref(pagerduty::PROVIDER, "page_ic"))
        .and_then(|r| r.id.as_deref())
        .or_else(|| {
            // Attached: the incident another responder's inc opened.
            inc.linked
                .iter()
                .find(|l| l.provider == pagerduty::PROVIDER)
                .map(|l| l.reference.as_str())
        })
}

/// Notes for the incident's Opsgenie IC alert (part of `super::mirrors`).
pub fn opsgenie_notes(ctx: &Ctx, inc: &Incident, messages: &[String], stem: &str) -> Vec<Delivery> {
    let configured = ctx.config().is_ok_and(|c| c.values.opsgenie.is_some());
    if !configured || inc.find_ref(opsgenie::PROVIDER, "page_ic").is_none() {
        return Vec::new();
    }
    let alias = opsgenie::ic_alias(&inc.id);
    messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            opsgenie::add_note(
                &alias,
                m,
                format!("{stem}-opsgenie-note-{i}"),
                Some(&inc.id),
            )
        })
        .collect()
}

/// Closes the incident's Opsgenie IC alert (part of `inc resolve`).
pub fn opsgenie_close(ctx: &Ctx, inc: &Incident, resolution: &str) -> Option<Delivery> {
    let configured = ctx.config().is_ok_and(|c| c.values.opsgenie.is_some());
    inc.find_ref(opsgenie::PROVIDER, "page_ic")
        .filter(|_| configured)
        .map(|_| {
            opsgenie::close(
                &opsgenie::ic_alias(&inc.id),
                resolution,
                format!("inc-{}-resolve-opsgenie", inc.id),
                Some(&inc.id),
            )
        })
}
