//! `inc page-ic`: page the primary AND the backup Incident Commander (and shadows) at once,
//! through every configured pager (PagerDuty, Opsgenie) concurrently.

use serde_json::{Value, json};

use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::{CliError, CliResult, ErrorKind};
use crate::flows::oncall::{self, OnCall};
use crate::journal::new_id;
use crate::messages;
use crate::model::Incident;
use crate::providers::opsgenie;
use crate::providers::pagerduty::{self, NewIncident};
use crate::providers::{Delivery, pagerduty::PROVIDER as PD};

/// Page the primary and backup Incident Commanders (and shadows) at the same time
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  inc page-ic\n  inc page-ic -m \"Checkout is down for all EU customers\"\n\n\
page-ic never prompts. The page carries a key stable for the current incident, so running it \
again (or `inc outbox retry`) reports the open page instead of paging twice. With both [pagerduty] \
and [opsgenie] configured, it pages through both at the same time."
)]
pub struct Args {
    /// What the ICs should know [default: the current incident's title, else "Incident Commander needed"]
    #[arg(short, long, value_name = "MSG")]
    pub message: Option<String>,
}

/// One pager's part of the page: who it reaches, and its delivery (or why there is none).
struct Part {
    provider: &'static str,
    name: &'static str,
    /// The schedules paged (shown when no one could be looked up).
    schedules: Vec<String>,
    people: Vec<OnCall>,
    stale: Option<(jiff::Timestamp, String)>,
    delivery: Option<Delivery>,
    /// Set when the page could not even be built (the on-call lookup failed).
    error: Option<String>,
    result: Option<DeliveryResult>,
}

impl Part {
    fn ok(&self) -> bool {
        self.result.as_ref().is_some_and(|r| r.ok)
    }
    fn already(&self) -> bool {
        self.result
            .as_ref()
            .and_then(|r| r.note.as_deref())
            .is_some_and(|n| n.starts_with("already"))
    }
}

/// Which pagers page the ICs: PagerDuty unless it is there only for `declare` (no
/// `ic_schedules`) beside Opsgenie; Opsgenie when its table is present.
fn pagers(ctx: &Ctx) -> CliResult<(bool, bool)> {
    let v = &ctx.config()?.values;
    let use_og = v.opsgenie.is_some();
    let use_pd = match &v.pagerduty {
        None => false,
        Some(pd) => !(pd.ic_schedules.is_empty() && use_og),
    };
    if !use_pd && !use_og {
        // The same configuration error as every PagerDuty command.
        ctx.pagerduty()?;
    }
    if let Some(pd) = v.pagerduty.as_ref().filter(|_| use_pd) {
        if pd.ic_schedules.is_empty() {
            return Err(CliError::config(
                "pagerduty.ic_schedules is empty: list the IC rotation's schedule ids (primary first)",
            ));
        }
        if pd.ic_service.is_none() && pd.routing_key_env.is_none() {
            return Err(CliError::config(
                "set pagerduty.ic_service (REST) or pagerduty.routing_key_env (Events v2) to page the ICs",
            ));
        }
    }
    if let Some(og) = &v.opsgenie
        && og.ic_schedules.is_empty()
    {
        return Err(CliError::config(
            "opsgenie.ic_schedules is empty: list the IC schedules' names (primary first)",
        ));
    }
    Ok((use_pd, use_og))
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let config = ctx.config()?;
    let (use_pd, use_og) = pagers(ctx)?;
    let pd = if use_pd { Some(ctx.pagerduty()?) } else { None };
    let og = if use_og { Some(ctx.opsgenie()?) } else { None };
    let inc = ctx.optional_incident()?;
    let now = ctx.now();
    let key = match &inc {
        Some(i) => opsgenie::ic_alias(&i.id),
        None => format!("inc-ic-page-{}", new_id(now)),
    };
    let summary = match (&args.message, &inc) {
        (Some(m), _) => m.trim().to_string(),
        (None, Some(i)) => format!("{} {}", i.severity, i.public_name()),
        (None, None) => "Incident Commander needed".to_string(),
    };
    let title = format!("IC needed: {summary}");
    let timeout = config.values.delivery.timeout.0;
    let state_dir = &config.state_dir;
    let pd_schedules = config
        .values
        .pagerduty
        .as_ref()
        .map(|c| c.ic_schedules.clone())
        .unwrap_or_default();
    let og_schedules = config
        .values
        .opsgenie
        .as_ref()
        .map(|c| c.ic_schedules.clone())
        .unwrap_or_default();

    // Critical path: the on-call lookups (concurrently), then the pages (concurrently).
    // Contacts and the caches come after.
    let (pd_found, og_found) = tokio::join!(
        async {
            match pd {
                Some(c) => Some(oncall::lookup(c, &pd_schedules, state_dir, timeout).await),
                None => None,
            }
        },
        async {
            match og {
                Some(c) => Some(oncall::lookup(c, &og_schedules, state_dir, timeout).await),
                None => None,
            }
        },
    );
    let mut parts: Vec<Part> = Vec::new();
    let inc_id = inc.as_ref().map(|i| i.id.as_str());
    if let Some(found) = pd_found {
        let mut part = Part {
            provider: PD,
            name: "PagerDuty",
            schedules: pd_schedules.clone(),
            people: Vec::new(),
            stale: None,
            delivery: None,
            error: None,
            result: None,
        };
        match found {
            Ok(l) if !l.people.is_empty() => {
                part.people = l.people;
                part.stale = l.stale;
                part.delivery = Some(pd_page(ctx, &part.people, &title, &key, inc_id)?);
            }
            Ok(_) if og.is_none() => {
                return Err(
                    CliError::failed("no one is on call for pagerduty.ic_schedules")
                        .hint("page the IC rotation's escalation policy from PagerDuty"),
                );
            }
            Ok(_) => part.error = Some("no one is on call for pagerduty.ic_schedules".into()),
            Err(e) if og.is_none() => {
                return Err(CliError::failed(format!(
                    "cannot read who is on call for the IC rotation: {e}"
                ))
                .hint("page from the PagerDuty app, or call the IC rotation by phone"));
            }
            Err(e) => part.error = Some(format!("cannot read who is on call: {e}")),
        }
        parts.push(part);
    }
    if let Some(found) = og_found {
        let description = description(&summary, inc.as_ref(), &config.values.call);
        let mut part = Part {
            provider: opsgenie::PROVIDER,
            name: "Opsgenie",
            schedules: og_schedules.clone(),
            people: Vec::new(),
            stale: None,
            delivery: Some(opsgenie::ic_alert(
                &title,
                &description,
                key.clone(),
                &og_schedules,
                inc_id,
            )),
            error: None,
            result: None,
        };
        // The alert goes to the schedules themselves: who is on call is for the report and
        // the phone numbers, and its failure does not stop the page.
        match found {
            Ok(l) => {
                part.people = l.people;
                part.stale = l.stale;
            }
            Err(e) => ctx
                .io
                .warn(&format!("cannot read who is on call in Opsgenie: {e}")),
        }
        parts.push(part);
    }
    for p in &parts {
        if let Some((at, err)) = &p.stale {
            let age = now.as_second() - at.as_second();
            ctx.io.warn(&format!(
                "{} unreachable ({err}); IC list from the cache of {} ({} old)",
                p.name,
                messages::time(*at),
                messages::elapsed(age)
            ));
        }
    }

    let deliveries: Vec<Delivery> = parts.iter().filter_map(|p| p.delivery.clone()).collect();
    let (results, ()) = tokio::join!(ctx.deliver(deliveries), async {
        let refresh = parts
            .iter_mut()
            .filter(|p| p.stale.is_none())
            .map(|p| async move {
                if p.provider == PD {
                    if let Some(c) = pd {
                        oncall::refresh_contacts(c, &mut p.people, timeout).await;
                    }
                } else if let Some(c) = og {
                    oncall::refresh_contacts(c, &mut p.people, timeout).await;
                }
            });
        futures_util::future::join_all(refresh).await;
    });
    let mut results = results?.into_iter();
    for p in parts.iter_mut().filter(|p| p.delivery.is_some()) {
        p.result = results.next();
    }
    if !ctx.dry_run() {
        for p in parts
            .iter()
            .filter(|p| p.stale.is_none() && !p.people.is_empty())
        {
            let saved = match (p.provider, pd, og) {
                (PD, Some(c), _) => oncall::save(c, state_dir, &pd_schedules, &p.people, now),
                (_, _, Some(c)) if p.provider == opsgenie::PROVIDER => {
                    oncall::save(c, state_dir, &og_schedules, &p.people, now)
                }
                _ => Ok(()),
            };
            if let Err(e) = saved {
                ctx.io
                    .warn(&format!("could not write the on-call cache: {e}"));
            }
        }
    }
    render(ctx, &parts);
    // The result goes to the incident room too, so nobody there wonders whether an IC is coming.
    if let Some(inc) = &inc
        && crate::flows::room::configured(ctx)
        && !ctx.dry_run()
    {
        let text = room_message(&parts);
        let posted = ctx
            .deliver(crate::flows::mirrors(ctx, inc, &[text], false))
            .await?;
        crate::render::report_failures(ctx, &posted);
    }
    let ok = parts.iter().filter(|p| p.ok()).count();
    if ok == parts.len() {
        Ok(())
    } else if ok == 0 {
        Err(CliError::silent(ErrorKind::Failed))
    } else {
        Err(CliError::silent(ErrorKind::Partial))
    }
}

/// What the incident room is told: who was paged through which pager, and the link.
fn room_message(parts: &[Part]) -> String {
    let mut lines = Vec::new();
    for p in parts {
        let who: Vec<String> = p
            .people
            .iter()
            .map(|o| format!("{} {}", o.role, o.name))
            .collect();
        let link = p
            .result
            .as_ref()
            .and_then(|r| r.url.clone())
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        lines.push(match (p.ok(), p.already()) {
            (true, false) => format!("✔ IC page via {}: paged {}{link}", p.name, who.join(", ")),
            (true, true) => format!(
                "✔ IC page via {}: already paged {}{link}",
                p.name,
                who.join(", ")
            ),
            (false, _) => format!(
                "✘ IC page via {} FAILED for {}: call them by phone",
                p.name,
                who.join(", ")
            ),
        });
    }
    lines.join("\n")
}

/// The PagerDuty page: one incident assigned to every on-call IC (REST), or an Events v2 trigger.
fn pd_page(
    ctx: &Ctx,
    people: &[OnCall],
    title: &str,
    key: &str,
    inc_id: Option<&str>,
) -> CliResult<Delivery> {
    let cfg = ctx
        .config()?
        .values
        .pagerduty
        .as_ref()
        .expect("checked by pagers()");
    let user_ids: Vec<String> = people.iter().map(|p| p.user_id.clone()).collect();
    Ok(match &cfg.ic_service {
        Some(service) => pagerduty::create_incident(NewIncident {
            action: "page_ic",
            title: title.to_string(),
            service,
            urgency: "high",
            incident_key: key.to_string(),
            assignees: &user_ids,
            escalation_policy: None,
            bridge: None,
            inc_id,
        }),
        None => {
            let details = json!({ "ics": people.iter().map(|p| json!({"role": p.role, "name": p.name, "email": p.email})).collect::<Vec<_>>() });
            pagerduty::trigger(title, key.to_string(), details, inc_id)
        }
    })
}

/// The alert's description: what is wrong, and how to join.
fn description(summary: &str, inc: Option<&Incident>, call: &crate::config::CallConfig) -> String {
    let mut lines = vec![format!("Incident Commander needed: {summary}")];
    if let Some(i) = inc {
        lines.push(format!("inc incident {} ({})", i.id, i.severity));
    }
    lines.push(messages::contact_summary(call));
    lines.join("\n")
}

/// Is this person reached by some page that went out?
fn reached(parts: &[Part], who: &OnCall) -> bool {
    let same = |a: &OnCall| {
        a.user_id == who.user_id && a.schedule_id == who.schedule_id
            || a.email
                .as_deref()
                .zip(who.email.as_deref())
                .is_some_and(|(x, y)| x.eq_ignore_ascii_case(y))
    };
    parts
        .iter()
        .filter(|p| p.ok())
        .any(|p| p.people.iter().any(same))
}

fn render(ctx: &Ctx, parts: &[Part]) {
    let several = parts.len() > 1;
    if ctx.io.json {
        let mut paged: Vec<Value> = Vec::new();
        for p in parts {
            if p.people.is_empty() {
                for (i, s) in p.schedules.iter().enumerate() {
                    paged.push(json!({ "role": role(i), "schedule": s, "name": s, "ok": p.ok(), "pager": p.provider }));
                }
            }
            for o in &p.people {
                paged.push(json!({ "role": o.role, "name": o.name, "email": o.email, "user_id": o.user_id, "ok": p.ok(), "phone": o.phone(), "pager": p.provider }));
            }
        }
        let of = |provider: &str| parts.iter().find(|p| p.provider == provider);
        let incident = of(PD)
            .and_then(|p| p.result.as_ref())
            .map(|r| json!({ "id": r.id, "url": r.url, "already_open": r.note.is_some() }));
        let mut doc = json!({
            "paged": paged,
            "incident": incident,
            "stale_oncall": parts.iter().any(|p| p.stale.is_some()),
            "dry_run": ctx.dry_run(),
            "deliveries": parts.iter().filter_map(|p| p.result.as_ref()).collect::<Vec<_>>(),
        });
        if let Some(p) = of(opsgenie::PROVIDER) {
            let r = p.result.as_ref();
            doc["alert"] = json!({
                "id": r.and_then(|r| r.id.clone()),
                "alias": p.delivery.as_ref().map(|d| d.dedup_key.clone()),
                "already_open": p.already(),
                "note": r.and_then(|r| r.note.clone()),
            });
        }
        let errors: Vec<Value> = parts
            .iter()
            .filter_map(|p| {
                p.error
                    .as_ref()
                    .map(|e| json!({ "pager": p.provider, "error": e }))
            })
            .collect();
        if !errors.is_empty() {
            doc["errors"] = json!(errors);
        }
        ctx.io.json_doc(&doc);
    } else if !ctx.dry_run() {
        for p in parts {
            let verb = match (p.ok(), p.already()) {
                (true, false) => "paged",
                (true, true) => "already paged",
                (false, _) => "NOT paged",
            };
            let via = if several {
                format!(" via {}", p.name)
            } else {
                String::new()
            };
            if p.people.is_empty() {
                for (i, s) in p.schedules.iter().enumerate() {
                    ctx.io.out(&format!(
                        "{} {verb:<13} {:<8} schedule {s}{via}",
                        ctx.io.tick(p.ok()),
                        role(i)
                    ));
                }
            }
            for o in &p.people {
                let email = o
                    .email
                    .as_deref()
                    .filter(|e| *e != o.name)
                    .map(|e| format!(" <{e}>"))
                    .unwrap_or_default();
                ctx.io.out(&format!(
                    "{} {verb:<13} {:<8} {}{email}{via}",
                    ctx.io.tick(p.ok()),
                    o.role,
                    o.name
                ));
            }
            let Some(r) = &p.result else { continue };
            if let Some(note) = &r.note {
                if p.already() {
                    ctx.io
                        .out(&format!("The IC page is {note}; nobody was paged twice."));
                } else {
                    ctx.io.out(&format!("{}: {note}", p.name));
                }
            }
            if p.provider == PD {
                if let Some(url) = r.url.as_deref().or(r.id.as_deref()) {
                    ctx.io.out(&format!("PagerDuty incident: {url}"));
                }
            } else if let Some(id) = &r.id {
                let alias = p.delivery.as_ref().map(|d| d.dedup_key.as_str());
                ctx.io.out(&format!(
                    "Opsgenie alert: {id} (alias {})",
                    alias.unwrap_or("?")
                ));
            }
        }
    }
    let failed: Vec<&Part> = parts.iter().filter(|p| !p.ok()).collect();
    if failed.is_empty() {
        return;
    }
    for p in &failed {
        let why = p
            .error
            .clone()
            .or_else(|| p.result.as_ref().and_then(|r| r.error.clone()))
            .unwrap_or_else(|| "unknown error".into());
        let what = if several {
            format!("the {} page failed", p.name)
        } else {
            "the page failed".to_string()
        };
        ctx.io.warn(&format!("{what}: {why}"));
    }
    // Everyone a failed page should have reached and no other page did: call them by hand.
    let mut call: Vec<&OnCall> = Vec::new();
    for p in &failed {
        for o in &p.people {
            let dup = call.iter().any(|c| {
                c.user_id == o.user_id
                    || c.email
                        .as_deref()
                        .zip(o.email.as_deref())
                        .is_some_and(|(x, y)| x.eq_ignore_ascii_case(y))
            });
            if !dup && !reached(parts, o) {
                call.push(o);
            }
        }
    }
    let unknown: Vec<&String> = failed
        .iter()
        .filter(|p| p.people.is_empty())
        .flat_map(|p| p.schedules.iter())
        .collect();
    if !call.is_empty() || !unknown.is_empty() {
        ctx.io
            .say(&ctx.io.paint("CALL THEM NOW:", crate::io::Style::Fail));
    }
    for p in call {
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
    for s in unknown {
        ctx.io.say(&format!(
            "  whoever is on call for schedule {s}: not known (no on-call lookup)"
        ));
    }
    for p in &failed {
        if let Some(id) = p.result.as_ref().and_then(|r| r.outbox.as_ref()) {
            let what = if several {
                format!("The {} page", p.name)
            } else {
                "The page".to_string()
            };
            ctx.io.say(&format!(
                "{what} is kept in the outbox as {id}: `inc outbox retry` sends it (never twice)."
            ));
        }
    }
}

fn role(i: usize) -> &'static str {
    match i {
        0 => "primary",
        1 => "backup",
        _ => "shadow",
    }
}
