//! Flows: the orchestration behind each command. A flow takes typed input and the [`Ctx`],
//! reads and writes the journal, builds deliveries and sends them through the engine, and
//! returns a typed, serialisable outcome. A flow never prints, prompts or reads the terminal
//! (`ctx.io` is the renderer's), and names no command; a flow may call another flow.

pub mod comms;
pub mod declare;
pub mod init;
pub mod oncall;
pub mod paging;
pub mod resolve;
pub mod room;
pub mod timeline;

use crate::ctx::Ctx;
use crate::model::Incident;
use crate::providers::{Delivery, opsgenie, pagerduty};

/// The deliveries that mirror `messages` about an incident: each as a note on its PagerDuty
/// incident (when `notes` and there is one). Chat adapters are not built yet; until then the
/// messages are shown to the user, as when no provider is configured.
pub fn mirrors(ctx: &Ctx, inc: &Incident, messages: &[String], notes: bool) -> Vec<Delivery> {
    let mut out = Vec::new();
    if !messages.is_empty() {
        let key = format!("inc-{}-{}-post", inc.id, inc.events.len());
        out.extend(room::room_posts(ctx, inc, &messages.join("\n"), &key));
    }
    if notes
        && ctx.has_pagerduty()
        && let Some(pd_id) = pd_incident(inc)
    {
        // The event's position in the journal keeps the key stable for this logical action.
        let n = inc.events.len();
        for (i, m) in messages.iter().enumerate() {
            out.push(pagerduty::add_note(
                pd_id,
                m,
                format!("inc-{}-{n}-note-{i}", inc.id),
                Some(&inc.id),
            ));
        }
    }
    if notes {
        out.extend(opsgenie_notes(ctx, inc, messages));
    }
    out
}

/// The PagerDuty incident of an inc incident: the declared major incident, else the IC page.
pub fn pd_incident(inc: &Incident) -> Option<&str> {
    inc.find_ref(pagerduty::PROVIDER, "create_incident")
        .or_else(|| inc.find_ref(pagerduty::PROVIDER, "page_ic"))
        .and_then(|r| r.id.as_deref())
}

/// Notes for the incident's Opsgenie IC alert (part of `super::mirrors`).
pub fn opsgenie_notes(ctx: &Ctx, inc: &Incident, messages: &[String]) -> Vec<Delivery> {
    let configured = ctx.config().is_ok_and(|c| c.values.opsgenie.is_some());
    if !configured || inc.find_ref(opsgenie::PROVIDER, "page_ic").is_none() {
        return Vec::new();
    }
    let alias = opsgenie::ic_alias(&inc.id);
    let n = inc.events.len();
    messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            opsgenie::add_note(
                &alias,
                m,
                format!("inc-{}-{n}-opsgenie-note-{i}", inc.id),
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
