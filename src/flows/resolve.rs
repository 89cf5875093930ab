//! Resolving an incident: the final severity in the journal, the room told (and its topic marked
//! resolved), the pagers' incidents and alerts closed, and the public incident resolved.

use serde::Serialize;

use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::CliResult;
use crate::messages;
use crate::model::{EventKind, Incident, Severity, Todo};
use crate::providers::pagerduty;

use super::comms::Resolution;

/// An incident resolved before: nothing is recorded or sent.
#[derive(Debug, Serialize)]
pub struct AlreadyResolved<'a> {
    pub incident: &'a Incident,
    pub already_resolved: bool,
}

/// `Some` when the incident is already resolved.
pub fn already(inc: &Incident) -> Option<AlreadyResolved<'_>> {
    inc.resolved_at.map(|_| AlreadyResolved {
        incident: inc,
        already_resolved: true,
    })
}

/// The resolved incident, the TODOs still open, the after-call checklist, and what was sent.
#[derive(Debug, Serialize)]
pub struct Resolved {
    pub incident: Incident,
    pub open_todos: Vec<Todo>,
    pub checklist: &'static [&'static str],
    #[serde(skip)]
    pub severity: Severity,
    /// Seconds from the declaration to the resolution.
    #[serde(skip)]
    pub lasted: i64,
    #[serde(skip)]
    pub messages: Vec<String>,
    #[serde(skip)]
    pub results: Vec<DeliveryResult>,
}

/// Resolves `inc` with its final severity. `public` resolves the open public incident, if any
/// (its results come back with the others); once the status page took it, the incident room
/// is told, and that post carries the public resolution to the other responders.
pub async fn resolve(
    ctx: &Ctx,
    inc: Incident,
    severity: Severity,
    public: Option<&Resolution>,
) -> CliResult<Resolved> {
    let event = ctx.record(&inc.id, EventKind::Resolved { severity })?;
    let inc = if ctx.dry_run() {
        inc
    } else {
        ctx.load(&inc.id)?
    };
    let msgs = vec![messages::resolved(&inc)];
    let mut deliveries = super::mirrors(ctx, &inc, Some(&event), &msgs, false);
    deliveries.extend(super::room::topic_updates(ctx, &inc));
    deliveries.extend(public.map(Resolution::delivery));
    deliveries.extend(super::opsgenie_close(ctx, &inc, &msgs[0]));
    if ctx.has_pagerduty() {
        let resolution = messages::tagged(
            &inc,
            &format!("Resolved with inc: final {severity}. {}", msgs[0]),
        );
        // Every PagerDuty incident of the incident: the major one, the IC page, and those
        // another responder's inc opened (an attached responder may be the one resolving).
        for pd_id in super::sync::places(&inc).pagerduty {
            let action = if inc
                .find_ref(pagerduty::PROVIDER, "page_ic")
                .is_some_and(|r| r.id.as_deref() == Some(pd_id.as_str()))
            {
                "page_ic".to_string()
            } else if inc
                .find_ref(pagerduty::PROVIDER, "create_incident")
                .is_some_and(|r| r.id.as_deref() == Some(pd_id.as_str()))
            {
                "create_incident".to_string()
            } else {
                format!("linked-{pd_id}")
            };
            deliveries.push(pagerduty::resolve(
                &pd_id,
                &resolution,
                format!("inc-{}-resolve-{action}", inc.id),
                Some(&inc.id),
            ));
        }
        // An IC page sent through Events v2 is resolved with the same dedup_key (each page,
        // `page-ic --again` included).
        let mut keys: Vec<&str> = Vec::new();
        for r in inc
            .refs
            .iter()
            .filter(|r| r.provider == pagerduty::PROVIDER)
        {
            if let ("page_ic_event", Some(k)) = (r.action.as_str(), r.id.as_deref())
                && !keys.contains(&k)
            {
                keys.push(k);
            }
        }
        for key in keys {
            deliveries.push(pagerduty::event("resolve", key, Some(&inc.id)));
        }
    }
    let mut results = ctx.deliver(deliveries).await?;
    let mut inc = inc;
    if let Some(p) = public
        && let Some(event) = p.record(ctx, &inc.id, &results)
    {
        if !ctx.dry_run() {
            inc = ctx.load(&inc.id)?;
        }
        let url = inc.public.as_ref().and_then(|p| p.url.clone());
        let line = vec![messages::public_resolved(p.message(), url.as_deref())];
        results.extend(
            ctx.deliver(super::mirrors(ctx, &inc, Some(&event), &line, false))
                .await?,
        );
    }
    let lasted = inc.resolved_at.unwrap_or(ctx.now()).as_second() - inc.declared_at.as_second();
    Ok(Resolved {
        open_todos: inc.todos.clone(),
        checklist: messages::AFTER_CALL,
        incident: inc,
        severity,
        lasted,
        messages: msgs,
        results,
    })
}
