//! What the paging commands show: `inc page-ic` (✔/✘ per person, CALL THEM NOW with the phone
//! numbers as soon as a page is in doubt and again when it failed), `inc page` and `inc oncall`
//! (a table).

use serde_json::json;

use super::Outcome;
use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::CliResult;
use crate::flows::call_now::{CallNow, Callee, Step};
use crate::flows::paging::{OnCallList, PageOutcome, Stale, TargetPaged, role};
use crate::io::{Io, Style};
use crate::messages;
use crate::providers::pagerduty::PROVIDER as PD;

impl Outcome for PageOutcome {
    /// Each person (or schedule) with ✔/✘, the schedules nobody is on call for, what the pager
    /// noted, and the incident or alert.
    fn human(&self, io: &Io) -> Vec<String> {
        let several = self.parts.len() > 1;
        let mut out = Vec::new();
        for p in &self.parts {
            // A drill's page that was only rehearsed (SPEC "Drills").
            let rehearsed = p.result.as_ref().is_some_and(|r| r.dry_run);
            let verb = |reached: bool| match () {
                _ if p.skipped.is_some() => "skipped",
                _ if rehearsed => "would page",
                _ if p.unconfirmed() => "sent, unconfirmed",
                _ if reached && p.already() => "already paged",
                _ if reached => "paged",
                _ => "NOT paged",
            };
            let mark = |reached: bool| {
                if rehearsed {
                    "-".to_string()
                } else {
                    io.tick(reached)
                }
            };
            let via = if several {
                format!(" via {}", p.name)
            } else {
                String::new()
            };
            if p.people.is_empty() && p.gaps.is_empty() {
                for (i, s) in p.schedules.iter().enumerate() {
                    out.push(format!(
                        "{} {:<13} {:<8} schedule {s}{via}",
                        mark(p.ok()),
                        verb(p.ok()),
                        role(i)
                    ));
                }
            }
            for o in &p.people {
                let reached = p.reached(o);
                let email = o
                    .email
                    .as_deref()
                    .filter(|e| *e != o.name)
                    .map(|e| format!(" <{e}>"))
                    .unwrap_or_default();
                out.push(format!(
                    "{} {:<13} {:<8} {}{email}{via}",
                    mark(reached),
                    verb(reached),
                    o.role,
                    o.name
                ));
            }
            for (i, s) in &p.gaps {
                out.push(format!(
                    "{} {:<13} {:<8} schedule {s}{via}",
                    io.tick(false),
                    "nobody on call",
                    role(*i)
                ));
            }
            let Some(r) = &p.result else { continue };
            if let Some(note) = &r.note {
                if p.already() {
                    out.push(format!("The IC page is {note}; nobody was paged twice."));
                } else {
                    out.push(format!("{}: {note}", p.name));
                }
            }
            if p.provider == PD {
                if let Some(url) = r.url.as_deref().or(r.id.as_deref()) {
                    out.push(format!("PagerDuty incident: {url}"));
                }
            } else if let Some(id) = &r.id {
                let alias = p.delivery.as_ref().map(|d| d.dedup_key.as_str());
                out.push(format!(
                    "Opsgenie alert: {id} (alias {})",
                    alias.unwrap_or("?")
                ));
            }
        }
        out
    }
}

/// Shows a step of a page as it happens, on stderr (also under `--json`, whose one document
/// on stdout comes at the end): whom to call now, or a page that went out after all.
pub fn step(ctx: &Ctx, step: Step<'_>) {
    ctx.clear_progress();
    let io = &ctx.io;
    match step {
        Step::CallNow(c) => call_now(io, c),
        Step::WentOut(w) => io.say(&format!(
            "{} The {} page went out after all ({} in).",
            io.tick(true),
            w.name,
            seconds(w.after_ms)
        )),
    }
}

/// `2.0 s`
fn seconds(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

/// CALL THEM NOW: why, each person's number (or that none is known), where the numbers come
/// from, and until when the page keeps being retried.
fn call_now(io: &Io, c: &CallNow) {
    io.say(&format!(
        "{} {}",
        io.paint("CALL THEM NOW:", Style::Fail),
        c.reason
    ));
    callees(io, c);
    match c.retrying_until {
        Some(until) => io.say(&format!(
            "The page is still being retried, until {} at the latest; inc says so here if it goes out.",
            messages::clock(until)
        )),
        None => io.say("The page is not being retried."),
    }
}

/// The people of a call-now, with their numbers and where those come from.
fn callees(io: &Io, c: &CallNow) {
    callee_lines(io, &c.people, &c.unknown, c.shown_at);
}

/// Each person to call with their number (or that none is known), what could not be resolved
/// to anyone, and the age of the on-call cache the numbers come from.
fn callee_lines(io: &Io, people: &[Callee], unknown: &[String], now: jiff::Timestamp) {
    for p in people {
        let who = if p.role.is_empty() {
            p.name.clone()
        } else {
            format!("{:<8} {}", p.role, p.name)
        };
        match &p.phone {
            Some(phone) => io.say(&format!("  {who}: {phone}")),
            None => io.say(&format!(
                "  {who}: no phone number known{}",
                p.email
                    .as_deref()
                    .map(|e| format!(" (email {e})"))
                    .unwrap_or_default()
            )),
        }
    }
    for u in unknown {
        io.say(&format!(
            "  {u}: no one known to call (no on-call lookup answered, nothing cached)"
        ));
    }
    if let Some(at) = people.iter().filter_map(|p| p.cached_at).min() {
        io.say(&format!(
            "  (from the on-call cache of {}, {} old)",
            messages::time(at),
            messages::elapsed(now.as_second() - at.as_second())
        ));
    }
}

/// After a call-now during the race: the page went out after all.
fn went_out(io: &Io, c: Option<&CallNow>, what: &str) {
    if let Some(c) = c {
        io.say(&format!(
            "{} {what} went out after all (the numbers to call were shown {} in).",
            io.tick(true),
            seconds(c.after_ms)
        ));
    }
}

fn stale_warning(io: &Io, name: &str, s: &Stale, what: &str) {
    io.warn(&format!(
        "{name} unreachable ({}); {what} {} ({} old)",
        s.error,
        messages::time(s.fetched_at),
        messages::elapsed(s.age)
    ));
}

/// Shows an IC page: the warnings of the lookups, the JSON document or the human lines (none
/// under --dry-run, which showed the requests), then on stderr why each failed page failed and
/// whom to call now.
pub fn page_ic(ctx: &Ctx, o: &PageOutcome) {
    let io = &ctx.io;
    for p in &o.parts {
        if let Some(e) = &p.lookup_error {
            io.warn(&format!("cannot read who is on call in {}: {e}", p.name));
        }
    }
    for p in o.parts.iter().filter(|p| p.skipped.is_none()) {
        if let Some(s) = &p.stale {
            stale_warning(io, p.name, s, "IC list from the cache of");
        }
    }
    for e in o.parts.iter().filter_map(|p| p.cache_error.as_ref()) {
        io.warn(&format!("could not write the on-call cache: {e}"));
    }
    if io.json {
        io.json_doc(&serde_json::to_value(o).expect("outcomes serialise"));
    } else if !o.dry_run {
        for line in o.human(io) {
            io.out(&line);
        }
    }
    let rehearsed = o.deliveries.iter().any(|r| r.dry_run);
    if rehearsed && !o.dry_run {
        io.status(
            "drill: nobody was paged ([drill] ic_schedules is not set); the lines above are who would have been",
        );
    }
    let several = o.parts.len() > 1;
    let failed: Vec<_> = o.parts.iter().filter(|p| !p.ok()).collect();
    for p in &o.parts {
        if let Some(why) = &p.skipped {
            io.warn(&format!("{} was skipped: {why}", p.name));
        } else if !p.ok() {
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
            io.warn(&format!("{what}: {why}"));
        }
        for (i, s) in &p.gaps {
            io.warn(&format!(
                "nobody is on call for {} schedule {s} ({}): no {} IC was paged there; fix the rotation, or page someone with `inc page`",
                p.name,
                role(*i),
                role(*i)
            ));
        }
        for m in &p.missed {
            io.warn(&format!(
                "{} ({}) is on call for {} but {} did not page them: the IC service's escalation policy does not page that schedule on its first level (`inc doctor` checks it)",
                m.name,
                m.role,
                m.schedule_id.as_deref().or(m.schedule.as_deref()).unwrap_or("an IC schedule"),
                p.name
            ));
        }
        if let Some(f) = &p.forgotten {
            io.warn(f);
        }
    }
    if !o.call_now.is_empty() || !o.unknown.is_empty() {
        io.say(&io.paint("CALL THEM NOW:", Style::Fail));
        let at = ctx.now();
        let unknown: Vec<String> = o.unknown.iter().map(|s| format!("schedule {s}")).collect();
        callee_lines(io, &o.call_now, &unknown, at);
    }
    if o.early && failed.is_empty() {
        went_out(io, o.call.as_ref(), "The page");
    }
    for p in &failed {
        if let Some(id) = p.result.as_ref().and_then(|r| r.outbox.as_ref()) {
            let what = if several {
                format!("The {} page", p.name)
            } else {
                "The page".to_string()
            };
            io.say(&format!(
                "{what} is kept in the outbox as {id}: `inc outbox retry` sends it (never twice)."
            ));
        }
    }
}

impl Outcome for TargetPaged {
    fn human(&self, io: &Io) -> Vec<String> {
        if self.dry_run {
            return Vec::new();
        }
        let ok = self.results.first().is_some_and(|r| r.ok);
        // A drill's page with nowhere of its own to go is only rehearsed (SPEC "Drills").
        let rehearsed = self.results.first().is_some_and(|r| r.dry_run);
        let verb = match (ok, rehearsed) {
            (_, true) => "would page (drill: set [drill] service to page)",
            (true, false) => "paged",
            (false, false) => "NOT paged",
        };
        self.paged
            .iter()
            .map(|w| {
                let mark = if rehearsed { "-".into() } else { io.tick(ok) };
                format!("{mark} {verb} {w}")
            })
            .collect()
    }
    fn sent(&self) -> Option<(&[String], &[DeliveryResult])> {
        Some((&[], &self.results))
    }
}

/// Shows a target's page (see [`super::emit`]), then, when it did not go out, whom to call
/// again; when it went out after a call-now, says so.
pub fn page(ctx: &Ctx, o: &TargetPaged) -> CliResult {
    let exit = super::emit(ctx, o);
    let io = &ctx.io;
    match &o.call {
        // Shown already while the page was retried: the list again, now that it failed.
        Some(c) if !o.ok() && o.early => {
            io.say(&io.paint("CALL THEM NOW:", Style::Fail));
            callees(io, c);
        }
        Some(c) if !o.ok() => call_now(io, c),
        c if o.early => went_out(io, c.as_ref(), "The page"),
        _ => {}
    }
    exit
}

/// Shows who is on call: the warnings (a stale list and its age, a pager not asked for want of
/// its credential, an IC schedule nobody is on call for), then the JSON document, or a table
/// (ROLE, SCHEDULE, NAME, EMAIL, PHONE, SMS, and PAGER when several pagers answered).
pub fn on_call(ctx: &Ctx, list: &OnCallList) {
    let io = &ctx.io;
    super::warnings(ctx);
    let skipped = |name: &str| {
        list.skipped
            .iter()
            .any(|s| s.skipped && crate::providers::display_name(s.pager) == name)
    };
    for (name, s) in &list.stale_pagers {
        if skipped(name) {
            io.warn(&format!(
                "{name} not asked; showing the cached list from {} ({} old)",
                messages::time(s.fetched_at),
                messages::elapsed(s.age)
            ));
        } else {
            stale_warning(io, name, s, "showing the cached list from");
        }
    }
    for g in &list.gaps {
        io.warn(&format!(
            "nobody is on call for {} schedule {} ({}): `inc page-ic` cannot page a {} IC there",
            crate::providers::display_name(g.pager),
            g.schedule,
            g.role,
            g.role
        ));
    }
    let all_skipped = !list.skipped.is_empty() && list.skipped.len() == list.asked;
    for s in &list.skipped {
        let name = crate::providers::display_name(s.pager);
        if all_skipped {
            io.say(&format!("{} {}", io.paint("error:", Style::Fail), s.error));
        } else if s.skipped {
            io.warn(&format!("{name} was skipped: {}", s.error));
        }
    }
    if io.json {
        io.json_doc(&json!(list));
        return;
    }
    if list.oncall.is_empty() && list.gaps.is_empty() {
        if list.skipped.is_empty() {
            io.status("no one is on call for that");
        }
        return;
    }
    let mut rows: Vec<Vec<String>> = list
        .oncall
        .iter()
        .map(|l| {
            let p = &l.person;
            let contact = |k: &str| {
                p.contacts
                    .iter()
                    .filter(|c| c.kind == k)
                    .map(|c| c.address.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut row = vec![
                p.role.clone(),
                p.schedule
                    .clone()
                    .or(p.escalation_policy.clone())
                    .unwrap_or_default(),
                p.name.clone(),
                p.email.clone().unwrap_or_default(),
                contact("phone"),
                contact("sms"),
            ];
            if list.several {
                row.push(l.pager.to_string());
            }
            row
        })
        .collect();
    for g in &list.gaps {
        let mut row = vec![
            g.role.to_string(),
            g.schedule.clone(),
            "(nobody on call)".to_string(),
            String::new(),
            String::new(),
            String::new(),
        ];
        if list.several {
            row.push(g.pager.to_string());
        }
        rows.push(row);
    }
    let mut headers = vec!["ROLE", "SCHEDULE", "NAME", "EMAIL", "PHONE", "SMS"];
    if list.several {
        headers.push("PAGER");
    }
    io.out(&io.table(&headers, rows));
}
