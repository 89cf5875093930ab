//! `inc page-ic`: page the primary AND the backup Incident Commander (and shadows) at once.

use serde_json::json;

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult, ErrorKind};
use crate::journal::new_id;
use crate::messages;
use crate::oncall;
use crate::providers::pagerduty::{self, NewIncident, OnCall};

/// Page the primary and backup Incident Commanders (and shadows) at the same time
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  inc page-ic\n  inc page-ic -m \"Checkout is down for all EU customers\"\n\n\
page-ic never prompts. The page carries a key stable for the current incident, so running it \
again (or `inc outbox retry`) reports the open page instead of paging twice."
)]
pub struct Args {
    /// What the ICs should know [default: the current incident's title, else "Incident Commander needed"]
    #[arg(short, long, value_name = "MSG")]
    pub message: Option<String>,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let config = ctx.config()?;
    let pd = ctx.pagerduty()?;
    let cfg = config
        .values
        .pagerduty
        .as_ref()
        .expect("pagerduty client implies config");
    if cfg.ic_schedules.is_empty() {
        return Err(CliError::config(
            "pagerduty.ic_schedules is empty: list the IC rotation's schedule ids (primary first)",
        ));
    }
    if cfg.ic_service.is_none() && cfg.routing_key_env.is_none() {
        return Err(CliError::config(
            "set pagerduty.ic_service (REST) or pagerduty.routing_key_env (Events v2) to page the ICs",
        ));
    }
    let inc = match &ctx.global.incident {
        Some(_) => Some(ctx.current_incident()?),
        None => ctx
            .journal()?
            .current()
            .and_then(|id| ctx.load(&id).ok())
            .filter(|i| i.is_open()),
    };
    let now = ctx.now();
    let key = match &inc {
        Some(i) => format!("inc-{}-ic-page", i.id),
        None => format!("inc-ic-page-{}", new_id(now)),
    };
    let summary = match (&args.message, &inc) {
        (Some(m), _) => m.trim().to_string(),
        (None, Some(i)) => format!("{} {}", i.severity, i.public_name()),
        (None, None) => "Incident Commander needed".to_string(),
    };
    let title = format!("IC needed: {summary}");
    let timeout = config.values.delivery.timeout.0;

    // Critical path: one on-call lookup, then the page. Contacts and the cache come after.
    let found = oncall::lookup(pd, &cfg.ic_schedules, &config.state_dir, timeout).await;
    let (mut people, stale) = match found {
        Ok(l) => (l.people, l.stale),
        Err(e) => {
            return Err(CliError::failed(format!(
                "cannot read who is on call for the IC rotation: {e}"
            ))
            .hint("page from the PagerDuty app, or call the IC rotation by phone"));
        }
    };
    if let Some((at, err)) = &stale {
        let age = now.as_second() - at.as_second();
        ctx.io.warn(&format!(
            "PagerDuty unreachable ({err}); IC list from the cache of {} ({} old)",
            messages::time(*at),
            messages::elapsed(age)
        ));
    }
    if people.is_empty() {
        return Err(
            CliError::failed("no one is on call for pagerduty.ic_schedules")
                .hint("page the IC rotation's escalation policy from PagerDuty"),
        );
    }
    let inc_id = inc.as_ref().map(|i| i.id.as_str());
    let user_ids: Vec<String> = people.iter().map(|p| p.user_id.clone()).collect();
    let page = match &cfg.ic_service {
        Some(service) => pagerduty::create_incident(NewIncident {
            action: "page_ic",
            title,
            service,
            urgency: "high",
            incident_key: key.clone(),
            assignees: &user_ids,
            escalation_policy: None,
            bridge: None,
            inc_id,
        }),
        None => {
            let details = json!({ "ics": people.iter().map(|p| json!({"role": p.role, "name": p.name, "email": p.email})).collect::<Vec<_>>() });
            pagerduty::trigger(&title, key.clone(), details, inc_id)
        }
    };
    let refresh = async {
        if stale.is_none() {
            oncall::refresh_contacts(pd, &mut people, timeout).await;
        }
    };
    let (results, ()) = tokio::join!(ctx.deliver(vec![page]), refresh);
    let results = results?;
    if stale.is_none()
        && !ctx.dry_run()
        && let Err(e) = oncall::save(&config.state_dir, &cfg.ic_schedules, &people, now)
    {
        ctx.io
            .warn(&format!("could not write the on-call cache: {e}"));
    }
    let r = &results[0];
    render(ctx, &people, r, stale.is_some());
    if r.ok {
        Ok(())
    } else {
        Err(CliError::silent(ErrorKind::Failed))
    }
}

fn render(ctx: &Ctx, people: &[OnCall], r: &crate::deliver::DeliveryResult, stale: bool) {
    let paged: Vec<_> = people
        .iter()
        .map(|p| json!({ "role": p.role, "name": p.name, "email": p.email, "user_id": p.user_id, "ok": r.ok, "phone": p.phone() }))
        .collect();
    if ctx.io.json {
        ctx.io.json_doc(&json!({
            "paged": paged,
            "incident": { "id": r.id, "url": r.url, "already_open": r.note.is_some() },
            "stale_oncall": stale,
            "dry_run": ctx.dry_run(),
            "deliveries": [r],
        }));
    } else if !ctx.dry_run() {
        let verb = match (r.ok, r.note.is_some()) {
            (true, false) => "paged",
            (true, true) => "already paged",
            (false, _) => "NOT paged",
        };
        for p in people {
            let email = p
                .email
                .as_deref()
                .map(|e| format!(" <{e}>"))
                .unwrap_or_default();
            ctx.io.out(&format!(
                "{} {verb:<13} {:<8} {}{email}",
                ctx.io.tick(r.ok),
                p.role,
                p.name
            ));
        }
        if let Some(note) = &r.note {
            ctx.io
                .out(&format!("The IC page is {note}; nobody was paged twice."));
        }
        if let Some(url) = r.url.as_deref().or(r.id.as_deref()) {
            ctx.io.out(&format!("PagerDuty incident: {url}"));
        }
    }
    if !r.ok {
        ctx.io.warn(&format!(
            "the page failed: {}",
            r.error.as_deref().unwrap_or("unknown error")
        ));
        ctx.io
            .say(&ctx.io.paint("CALL THEM NOW:", crate::io::Style::Fail));
        for p in people {
            match p.phone() {
                Some(phone) => ctx.io.say(&format!("  {:<8} {}: {phone}", p.role, p.name)),
                None => ctx.io.say(&format!(
                    "  {:<8} {}: no phone number known{}",
                    p.role,
                    p.name,
                    p.email
                        .as_deref()
                        .map(|e| format!(" (email {e})"))
                        .unwrap_or_default()
                )),
            }
        }
        if let Some(id) = &r.outbox {
            ctx.io.say(&format!(
                "The page is kept in the outbox as {id}: `inc outbox retry` sends it (never twice)."
            ));
        }
    }
}
