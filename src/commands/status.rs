//! `inc status`: the incident at a glance, once or `--watch`ing for changes.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::config::{Cadence, Source, format_duration, parse_duration};
use crate::ctx::Ctx;
use crate::error::{CliError, CliResult, ErrorKind};
use crate::messages;
use crate::model::{EventKind, Incident, Role};
use crate::providers::pagerduty;

/// The incident at a glance: severity, roles, elapsed time, TODOs and what is due
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  inc status\n  inc status --watch --interval 15s\n  inc status --watch --json | jq ."
)]
pub struct Args {
    /// Re-check every interval and print only what changed (Ctrl-C stops)
    #[arg(long)]
    pub watch: bool,
    /// Time between checks, e.g. 30s, 2m [default: [cadence] status_interval, 30s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub interval: Option<Duration>,
    /// With --watch: post each change to the incident room ("stalk" mode)
    #[arg(long, requires = "watch")]
    pub post: bool,
}

/// A reminder from `[cadence]`, keyed so `--watch` says it once.
struct Reminder {
    key: String,
    text: String,
}

struct Snapshot {
    /// Fields compared between checks (elapsed time is left out: it always changes).
    fields: Vec<(&'static str, String)>,
    reminders: Vec<Reminder>,
    doc: Value,
}

/// The PagerDuty incident's state, when there is one: `Err` when it cannot be read.
async fn pager_state(ctx: &Ctx, inc: &Incident) -> Option<Result<Value, String>> {
    let pd_id = crate::flows::pd_incident(inc)?;
    if !ctx.has_pagerduty() {
        return None;
    }
    let client = match ctx.pagerduty() {
        Ok(c) => c,
        Err(e) => return Some(Err(e.message)),
    };
    let timeout = ctx.config().ok()?.values.delivery.timeout.0;
    Some(
        match tokio::time::timeout(timeout, client.incident(pd_id)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("timed out".into()),
        },
    )
}

/// Journals the acknowledgements PagerDuty reports (on the major incident and on the IC page)
/// that the journal does not have yet, at PagerDuty's time, so the post-mortem timeline shows
/// who acknowledged and when.
async fn journal_acks(ctx: &Ctx, inc: &Incident, major: &Option<Result<Value, String>>) {
    let mut seen: Vec<Value> = Vec::new();
    if let Some(Ok(v)) = major {
        seen.push(v.clone());
    }
    let page = inc
        .find_ref(pagerduty::PROVIDER, "page_ic")
        .and_then(|r| r.id.clone());
    if let Some(page_id) = page
        && Some(page_id.as_str()) != crate::flows::pd_incident(inc).filter(|_| major.is_some())
        && let Ok(client) = ctx.pagerduty()
        && let Ok(timeout) = ctx.config().map(|c| c.values.delivery.timeout.0)
        && let Ok(Ok(v)) = tokio::time::timeout(timeout, client.incident(&page_id)).await
    {
        seen.push(v);
    }
    for pd in &seen {
        let pd_id = pd["id"].as_str().map(str::to_string);
        for a in pd["acknowledgements"].as_array().into_iter().flatten() {
            let by = a["acknowledger"]["summary"]
                .as_str()
                .unwrap_or("someone")
                .to_string();
            let Some(at) = a["at"].as_str().and_then(|t| t.parse::<Timestamp>().ok()) else {
                continue;
            };
            let known = inc.events.iter().any(|e| {
                e.at == at && matches!(&e.kind, EventKind::Acknowledged { who, incident: i, .. } if *who == by && *i == pd_id)
            });
            if !known
                && let Err(e) = ctx.record_at(
                    &inc.id,
                    at,
                    EventKind::Acknowledged {
                        provider: pagerduty::PROVIDER.into(),
                        who: by,
                        incident: pd_id.clone(),
                    },
                )
            {
                ctx.io.warn(&format!(
                    "could not journal an acknowledgement: {}",
                    e.message
                ));
            }
        }
    }
}

fn pager_fields(
    pager: &Option<Result<Value, String>>,
    fields: &mut Vec<(&'static str, String)>,
) -> Value {
    match pager {
        None => Value::Null,
        Some(Err(e)) => {
            fields.push(("pagerduty", format!("unreadable: {e}")));
            json!({ "error": e })
        }
        Some(Ok(pd)) => {
            let name = |v: &Value| {
                v["summary"]
                    .as_str()
                    .or(v["name"].as_str())
                    .unwrap_or("?")
                    .to_string()
            };
            let acked: Vec<String> = pd["acknowledgements"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| name(&a["acknowledger"]))
                .collect();
            let responders: Vec<String> = pd["incidents_responders"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    format!(
                        "{} ({})",
                        name(&r["user"]),
                        r["state"].as_str().unwrap_or("?")
                    )
                })
                .collect();
            let status = pd["status"].as_str().unwrap_or("unknown").to_string();
            fields.push(("pagerduty", status.clone()));
            fields.push((
                "acknowledged by",
                if acked.is_empty() {
                    "—".into()
                } else {
                    acked.join(", ")
                },
            ));
            if !responders.is_empty() {
                fields.push(("responders", responders.join(", ")));
            }
            json!({ "id": pd["id"], "url": pd["html_url"], "status": status, "acknowledged_by": acked, "responders": responders })
        }
    }
}

fn snapshot(
    inc: &Incident,
    now: Timestamp,
    cadence: &Cadence,
    pager: &Option<Result<Value, String>>,
) -> Snapshot {
    let secs = |d: Duration| d.as_secs() as i64;
    let end = inc.resolved_at.unwrap_or(now);
    let elapsed = end.as_second() - inc.declared_at.as_second();
    let who = |r: Role| {
        inc.roles
            .get(&r)
            .filter(|v| !v.is_empty())
            .map(|v| v.join(", "))
            .unwrap_or_else(|| "—".into())
    };
    let mut fields = vec![
        ("incident", inc.id.clone()),
        ("title", inc.title.clone()),
        ("severity", inc.severity.to_string()),
        ("state", inc.state().to_string()),
        ("ic", who(Role::Ic)),
        ("deputy", who(Role::Deputy)),
        ("scribe", who(Role::Scribe)),
    ];
    for r in [Role::Cl, Role::Il, Role::Sme] {
        if inc.roles.get(&r).is_some_and(|v| !v.is_empty()) {
            fields.push((role_key(r), who(r)));
        }
    }
    let pager_doc = pager_fields(pager, &mut fields);
    fields.push(("todos", inc.todos.len().to_string()));
    fields.push(("notes", inc.notes.to_string()));
    if let Some(pm) = &inc.postmortem {
        fields.push(("post-mortem", pm.path_or_url.clone()));
    }
    let mut reminders = Vec::new();
    let mut exec_due = None;
    if inc.is_open() {
        let callout = secs(cadence.elapsed_callout.0).max(1);
        let n = elapsed / callout;
        if n >= 1 {
            reminders.push(Reminder {
                key: format!("callout:{n}"),
                text: format!(
                    "{} elapsed since the incident was declared (time callout)",
                    messages::elapsed(n * callout)
                ),
            });
        }
        if inc.severity.number() == 1 {
            let since = inc.last_exec_update.unwrap_or(inc.declared_at);
            let due = Timestamp::from_second(since.as_second() + secs(cadence.exec_update.0))
                .unwrap_or(since);
            exec_due = Some(due);
            if now >= due {
                reminders.push(Reminder {
                    key: format!("exec:{}", due.as_second()),
                    text: format!(
                        "executive update due since {} (SEV-1: every {})",
                        messages::time(due),
                        format_duration(cadence.exec_update.0)
                    ),
                });
            }
        }
        if let (Some(ic), Some(since)) = (inc.holder(Role::Ic), inc.ic_since) {
            let on = now.as_second() - since.as_second();
            if on >= secs(cadence.handover.0) {
                reminders.push(Reminder {
                    key: format!("handover:{}", since.as_second()),
                    text: format!(
                        "{ic} has been IC for {}: plan a handover (`inc handover USER`)",
                        messages::elapsed(on)
                    ),
                });
            }
        }
    }
    let public = crate::flows::comms::cadence(inc, now, cadence);
    fields.extend(public.fields);
    reminders.extend(
        public
            .reminders
            .into_iter()
            .map(|(key, text)| Reminder { key, text }),
    );
    let doc = json!({
        "public": public.doc,
        "incident": inc,
        "elapsed_seconds": elapsed,
        "open_todos": inc.todos,
        "last_exec_update": inc.last_exec_update,
        "next_exec_update_due": exec_due,
        "reminders": reminders.iter().map(|r| &r.text).collect::<Vec<_>>(),
        "pagerduty": pager_doc,
    });
    let _ = exec_due.map(|d| fields.push(("next exec update", messages::time(d))));
    Snapshot {
        fields,
        reminders,
        doc,
    }
}

fn role_key(r: Role) -> &'static str {
    match r {
        Role::Cl => "customer liaison",
        Role::Il => "internal liaison",
        Role::Sme => "sme",
        Role::Ic => "ic",
        Role::Deputy => "deputy",
        Role::Scribe => "scribe",
    }
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let config = ctx.config()?;
    let (interval, source) = match args.interval {
        Some(d) => (d, Source::Flag("--interval".into())),
        None => (
            config.values.cadence.status_interval.0,
            config.source_of("cadence.status_interval"),
        ),
    };
    if interval.is_zero() {
        return Err(CliError::usage("--interval must be more than 0"));
    }
    if args.post && !crate::flows::room::configured(ctx) {
        return Err(CliError::config(
            "--post needs a chat provider: configure [slack], [matrix] or [webhooks]",
        ));
    }
    let inc = ctx.current_incident()?;
    let pager = pager_state(ctx, &inc).await;
    if pager.is_some() {
        journal_acks(ctx, &inc, &pager).await;
    }
    let snap = snapshot(&inc, ctx.now(), &config.values.cadence, &pager);
    if !args.watch {
        return print_once(ctx, &inc, snap, interval, &source);
    }
    watch(ctx, inc.id.clone(), snap, interval, args.post).await
}

fn print_once(
    ctx: &Ctx,
    inc: &Incident,
    snap: Snapshot,
    interval: Duration,
    source: &Source,
) -> CliResult {
    if ctx.io.json {
        let mut doc = snap.doc;
        doc["interval"] = json!(format_duration(interval));
        doc["interval_source"] = json!(source);
        ctx.io.json_doc(&doc);
        return Ok(());
    }
    let elapsed = snap.doc["elapsed_seconds"].as_i64().unwrap_or(0);
    let mut rows: Vec<(&str, String)> = snap.fields.iter().map(|(k, v)| (*k, v.clone())).collect();
    rows.insert(4, ("declared", messages::time(inc.declared_at)));
    let lasted = if inc.is_open() { "elapsed" } else { "lasted" };
    rows.insert(5, (lasted, messages::elapsed(elapsed)));
    if let Some(r) = inc.resolved_at {
        rows.insert(5, ("resolved", messages::time(r)));
    }
    ctx.io.out(&ctx.io.fields(&rows));
    for t in &inc.todos {
        ctx.io.out(&format!("  TODO {}: {}", t.number, t.text));
    }
    for r in &snap.reminders {
        ctx.io.out(&format!(
            "{} {}",
            ctx.io.paint("reminder:", crate::io::Style::Warn),
            r.text
        ));
    }
    Ok(())
}

async fn watch(
    ctx: &Ctx,
    id: String,
    first: Snapshot,
    interval: Duration,
    post: bool,
) -> CliResult {
    let config = ctx.config()?;
    let mut said: std::collections::HashSet<String> =
        first.reminders.iter().map(|r| r.key.clone()).collect();
    if ctx.io.json {
        ctx.io
            .json_line(&json!({ "at": ctx.now(), "status": first.doc }));
    } else {
        ctx.io.out(&format!(
            "watching {id} every {} (Ctrl-C stops)",
            format_duration(interval)
        ));
        ctx.io.out(&ctx.io.fields(&first.fields));
        for r in &first.reminders {
            ctx.io.out(&format!("reminder: {}", r.text));
        }
    }
    let mut previous = first.fields;
    let mut last_good: Option<Incident> = None;
    let mut alarm: Option<String> = None;
    let mut pager_alarm: Option<String> = None;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = tokio::signal::ctrl_c() => {
                if !ctx.io.json { ctx.io.status(""); }
                return Err(CliError::silent(ErrorKind::Cancelled));
            }
        }
        let now = ctx.now();
        // Each check yields plain lines: printed, and posted to the incident room with --post.
        let mut lines: Vec<String> = Vec::new();
        let mut doc = json!({ "at": now });
        let inc = match ctx
            .journal()
            .and_then(|j| j.load(&id).map_err(CliError::from))
        {
            Ok((inc, _)) => inc,
            Err(e) => {
                if alarm.as_deref() != Some(e.message.as_str()) {
                    let text = format!("ALARM: cannot read the incident journal: {}", e.message);
                    doc["alarm"] = json!(text);
                    lines.push(text);
                    alarm = Some(e.message);
                    emit(ctx, &doc, &lines, now);
                    if post && let Some(inc) = &last_good {
                        post_lines(ctx, inc, &lines, now).await;
                    }
                }
                continue;
            }
        };
        if alarm.take().is_some() {
            lines.push("the incident journal is readable again".into());
            doc["recovered"] = json!(true);
        }
        let pager = pager_state(ctx, &inc).await;
        if pager.is_some() {
            journal_acks(ctx, &inc, &pager).await;
        }
        // Alarm once per failure, and say when the source is readable again.
        match (&pager, &pager_alarm) {
            (Some(Err(e)), prev) if prev.as_deref() != Some(e.as_str()) => {
                let text = format!("ALARM: cannot read the PagerDuty incident: {e}");
                doc["alarm"] = json!(text);
                lines.push(text);
                pager_alarm = Some(e.clone());
            }
            (Some(Ok(_)), Some(_)) => {
                lines.push("the PagerDuty incident is readable again".into());
                pager_alarm = None;
            }
            _ => {}
        }
        let snap = snapshot(&inc, now, &config.values.cadence, &pager);
        let mut changes = serde_json::Map::new();
        for (k, v) in &snap.fields {
            let from = previous
                .iter()
                .find(|(pk, _)| pk == k)
                .map(|(_, pv)| pv.as_str())
                .unwrap_or("—");
            if from != v {
                // The unreadable pager is already an alarm line.
                if !(k == &"pagerduty" && v.starts_with("unreadable")) {
                    lines.push(format!("{k}: {from} → {v}"));
                }
                changes.insert(k.to_string(), json!({ "from": from, "to": v }));
            }
        }
        let fresh: Vec<&Reminder> = snap
            .reminders
            .iter()
            .filter(|r| !said.contains(&r.key))
            .collect();
        lines.extend(fresh.iter().map(|r| format!("reminder: {}", r.text)));
        doc["changes"] = Value::Object(changes);
        doc["reminders"] = json!(fresh.iter().map(|r| &r.text).collect::<Vec<_>>());
        said.extend(fresh.iter().map(|r| r.key.clone()));
        previous = snap.fields;
        if !lines.is_empty() {
            emit(ctx, &doc, &lines, now);
            if post {
                post_lines(ctx, &inc, &lines, now).await;
            }
        }
        let open = inc.is_open();
        last_good = Some(inc);
        if !open {
            ctx.io.status("the incident is resolved; watch ends");
            return Ok(());
        }
    }
}

fn emit(ctx: &Ctx, doc: &Value, lines: &[String], now: Timestamp) {
    if ctx.io.json {
        ctx.io.json_line(doc);
        return;
    }
    for l in lines {
        let l = match l.strip_prefix("ALARM: ") {
            Some(rest) => format!("{} {rest}", ctx.io.paint("ALARM", crate::io::Style::Fail)),
            None => l.clone(),
        };
        ctx.io.out(&format!("{} {l}", messages::clock(now)));
    }
}

/// "Stalk" mode: the changes of one check as one post in the incident room.
async fn post_lines(ctx: &Ctx, inc: &Incident, lines: &[String], now: Timestamp) {
    let text = format!("Status {}:\n{}", messages::clock(now), lines.join("\n"));
    let key = format!("inc-{}-stalk-{}", inc.id, now.as_millisecond());
    match ctx
        .deliver(crate::flows::room::room_posts(ctx, inc, &text, &key))
        .await
    {
        Ok(results) => crate::render::report_failures(ctx, &results),
        Err(e) => ctx
            .io
            .warn(&format!("could not post the status change: {}", e.message)),
    }
}
