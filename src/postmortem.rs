//! The post-mortem: the template context built from an incident's journal, rendering with
//! minijinja (the built-in template is `templates/postmortem.md.j2`, itself an ordinary
//! template over the same context), Markdown → Confluence storage format, and the texts of the
//! internal email. Pure: no I/O but reading nothing; the commands write and send.
//!
//! The context is documented in README.md ("Post-mortem templates"); keep the two in step.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use serde::Serialize;

use crate::identity;
use crate::messages;
use crate::model::{EventKind, Incident, Role, Severity};

/// The built-in template.
pub const BUILTIN: &str = include_str!("../templates/postmortem.md.j2");
pub const BUILTIN_NAME: &str = "built-in postmortem.md.j2";

/// What the owner sees until the post-mortem meeting.
pub const STATUS_DRAFT: &str = "Draft";

/// Settings that shape the document.
#[derive(Clone, Debug)]
pub struct Settings {
    pub owner: String,
    pub recording_url: Option<String>,
    /// SEV-1: the meeting is due within this many calendar days.
    pub sev1_meeting_days: u32,
    /// SEV-2 and lower: within this many business days (Monday to Friday).
    pub sev2_meeting_business_days: u32,
    /// When the document is generated (`INC_NOW` in tests).
    pub now: Timestamp,
}

/// Everything a template can use. Documented in README.md.
#[derive(Clone, Debug, Serialize)]
pub struct Context {
    pub incident: IncidentInfo,
    pub postmortem: PostmortemInfo,
    pub impact: Impact,
    pub responders: Vec<Responder>,
    pub timeline: Vec<TimelineRow>,
    /// The changes cited as suspected causes (`inc changes --cite N`), each once.
    pub contributing_factors: Vec<Factor>,
    pub action_items: Vec<ActionItem>,
    /// The two tags every action item carries: `sevN_YYYYMMDD` and `sevN`.
    pub tags: Vec<String>,
    pub messaging: Messaging,
    /// `inc 0.1.0`.
    pub generator: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct IncidentInfo {
    pub id: String,
    pub title: String,
    /// The codename for a security incident, else the title.
    pub name: String,
    pub security: bool,
    /// A practice incident (SPEC "Drills"): the document says so in its title.
    pub drill: bool,
    pub codename: Option<String>,
    /// The current (final, once resolved) severity, e.g. `SEV-2`.
    pub severity: String,
    /// The worst severity reached, e.g. `SEV-1`.
    pub worst_severity: String,
    pub worst_severity_number: u8,
    /// `open` or `resolved`.
    pub state: String,
    /// `2026-11-26 03:04 UTC`.
    pub declared_at: String,
    pub resolved_at: Option<String>,
    /// `1h43m`, up to resolution (or until now, while open).
    pub duration: String,
    pub duration_minutes: i64,
    /// Current role holders by role label (`IC`, `Scribe`, ...).
    pub roles: BTreeMap<String, Vec<String>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PostmortemInfo {
    pub owner: String,
    /// `Draft`.
    pub status: String,
    /// The date the meeting must be held by, `2026-11-29`.
    pub meeting_due: String,
    /// `Sunday`.
    pub meeting_due_weekday: String,
    /// `SEV-1: within 3 calendar days`.
    pub meeting_rule: String,
    pub recording_url: Option<String>,
    /// When this document was generated, `2026-11-26 05:00 UTC`.
    pub generated_at: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Impact {
    pub sev1_minutes: i64,
    pub sev2_minutes: i64,
    /// From the first IC page (or the declaration) to the first acknowledgement the pager
    /// logged: "2 min 40 s", or none when nobody acknowledged in a pager.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_acknowledge: Option<String>,
    /// Minutes at every severity the incident was at, worst first.
    pub by_severity: Vec<SeverityTime>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SeverityTime {
    pub severity: String,
    pub minutes: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Responder {
    /// Their email when any of their names is one.
    pub person: String,
    /// Every way the incident wrote them (`carol`, `carol@example.com`).
    pub names: Vec<String>,
    /// Role labels held during the incident, e.g. `["Incident Commander"]`.
    pub roles: Vec<String>,
    pub ic: bool,
    pub scribe: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct TimelineRow {
    /// RFC 3339.
    pub at: String,
    /// `2026-11-26 03:04:05` (UTC).
    pub time: String,
    /// `declared`, `role`, `severity`, `note`, `todo`, `exec_update`, `page`, `public`,
    /// `email`, `resolved`, ...
    pub kind: String,
    pub event: String,
    /// The provider link behind the entry (PagerDuty incident, status page, ...), if any.
    pub link: Option<String>,
    pub by: Option<String>,
}

/// A change cited as a suspected cause, for "Contributing factors".
#[derive(Clone, Debug, Serialize)]
pub struct Factor {
    /// `deploy v2.14.0 → production (failure, ann)`.
    pub text: String,
    pub service: String,
    /// `github`, `pagerduty`, `slack`, `matrix`.
    pub source: String,
    /// `2026-11-26 02:41 UTC`.
    pub time: String,
    /// `17m before`, or `after start`.
    pub before_start: String,
    pub link: Option<String>,
    pub cited_by: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ActionItem {
    pub number: usize,
    pub text: String,
    pub at: String,
    pub tags: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Messaging {
    /// Subject and body of the internal email sent after the post-mortem meeting.
    pub internal_subject: String,
    pub internal_summary: String,
    /// A first draft of the external message's summary.
    pub external_summary: String,
}

/// `sev1_20261126` and `sev1`: the worst severity reached and the start date in UTC.
pub fn tags(inc: &Incident) -> Vec<String> {
    let n = inc.worst_severity.number();
    let date = utc_date(inc.declared_at).strftime("%Y%m%d").to_string();
    vec![format!("sev{n}_{date}"), format!("sev{n}")]
}

pub fn utc_date(ts: Timestamp) -> Date {
    jiff::tz::TimeZone::UTC.to_datetime(ts).date()
}

/// The severity over time, from the declaration through every raise, up to resolution (or
/// `now` while open): `(from, until, severity)`, in order, within the incident's own span. A
/// final severity set with `--final` reclassifies the incident; it does not add time.
fn severity_spans(inc: &Incident, now: Timestamp) -> Vec<(Timestamp, Timestamp, Severity)> {
    let start = inc.declared_at;
    let end = inc.resolved_at.unwrap_or(now).max(start);
    let clamp = |t: Timestamp| t.clamp(start, end);
    let mut spans = Vec::new();
    let mut current: Option<(Timestamp, Severity)> = None;
    // A raise stamped before the declaration (another responder's clock) counts from it.
    let mut early: Option<Severity> = None;
    for e in &inc.events {
        match &e.kind {
            // Merged copies may hold the declaration twice: the first one starts the clock.
            EventKind::Declared { severity, .. } if current.is_none() => {
                current = Some((start, early.map_or(*severity, |s| s.min(*severity))));
            }
            EventKind::Severity {
                severity,
                is_final: false,
            } => match current {
                None => early = Some(early.map_or(*severity, |s| s.min(*severity))),
                // Merged responders: the severity is the highest raised, never lowered here.
                Some((from, sev)) if *severity < sev => {
                    let at = clamp(e.at);
                    spans.push((from, at, sev));
                    current = Some((at, *severity));
                }
                Some(_) => {}
            },
            EventKind::Resolved { .. } => break,
            _ => {}
        }
    }
    if let Some((from, sev)) = current {
        spans.push((from, end, sev));
    }
    spans
}

/// Seconds spent at each severity during the response (see [`severity_spans`]).
pub fn time_in_severity(inc: &Incident, now: Timestamp) -> BTreeMap<Severity, i64> {
    let mut out: BTreeMap<Severity, i64> = BTreeMap::new();
    for (from, until, sev) in severity_spans(inc, now) {
        *out.entry(sev).or_default() += (until.as_second() - from.as_second()).max(0);
    }
    out
}

/// Whole minutes at each severity that add up to the incident's duration in whole minutes:
/// each change of severity is rounded to the nearest minute from the start, and each severity
/// gets the minutes between its rounded changes (16.5 + 86.5 min is 17 + 86, not 17 + 87).
pub fn minutes_in_severity(inc: &Incident, now: Timestamp) -> BTreeMap<Severity, i64> {
    let start = inc.declared_at.as_second();
    let mut out: BTreeMap<Severity, i64> = BTreeMap::new();
    for (from, until, sev) in severity_spans(inc, now) {
        let m = minutes(until.as_second() - start) - minutes(from.as_second() - start);
        *out.entry(sev).or_default() += m;
    }
    out
}

/// The incident's duration in seconds: from its declaration to its resolution (or `now`).
fn duration_secs(inc: &Incident, now: Timestamp) -> i64 {
    let end = inc.resolved_at.unwrap_or(now);
    (end.as_second() - inc.declared_at.as_second()).max(0)
}

/// A duration as the post-mortem states it, in the whole minutes its severity table adds up
/// to: `1h43m`, `12m`, `under 1m`.
fn stated(secs: i64) -> String {
    match minutes(secs) {
        0 => "under 1m".to_string(),
        m => messages::elapsed(m * 60),
    }
}

/// From the first page (the IC page, a `paging` incident's start, else the declaration) to
/// the first acknowledgement a pager logged.
pub fn time_to_acknowledge(inc: &Incident) -> Option<String> {
    let paged = inc
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Paging { .. } => Some(e.at),
            EventKind::Delivery {
                action, ok: true, ..
            } if action == "page_ic" => Some(e.at),
            _ => None,
        })
        .unwrap_or(inc.declared_at);
    let acked = inc
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Acknowledged { .. }) && e.at >= paged)
        .map(|e| e.at)
        .min()?;
    let secs = acked.as_second() - paged.as_second();
    Some(match secs {
        s if s < 60 => format!("{s} s"),
        s => format!("{} min {} s", s / 60, s % 60),
    })
}

/// Whole minutes, rounded to the nearest.
fn minutes(secs: i64) -> i64 {
    (secs + 30) / 60
}

/// The date the post-mortem meeting is due by, and the rule that set it. Counted from the day
/// the incident was resolved (today while it is open): SEV-1 in calendar days, anything else in
/// business days (Monday to Friday).
pub fn meeting_due(inc: &Incident, s: &Settings) -> (Date, String) {
    let from = utc_date(inc.resolved_at.unwrap_or(s.now));
    let sev = inc.worst_severity;
    if sev.number() == 1 {
        let mut d = from;
        for _ in 0..s.sev1_meeting_days {
            d = d.tomorrow().unwrap_or(d);
        }
        (
            d,
            format!(
                "{sev}: within {} calendar day{}",
                s.sev1_meeting_days,
                plural(s.sev1_meeting_days)
            ),
        )
    } else {
        let mut d = from;
        let mut left = s.sev2_meeting_business_days;
        while left > 0 {
            d = d.tomorrow().unwrap_or(d);
            if !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
                left -= 1;
            }
        }
        (
            d,
            format!(
                "{sev}: within {} business day{}",
                s.sev2_meeting_business_days,
                plural(s.sev2_meeting_business_days)
            ),
        )
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn weekday_name(d: Date) -> &'static str {
    match d.weekday() {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

/// Everyone who held a role, once each however they were written (`carol` and the
/// `carol@example.com` the IC named are one person), in the order they first took one, with
/// every role they held. The authors of events help tell who is who.
fn responders(inc: &Incident) -> Vec<Responder> {
    let mut held: Vec<(&str, Role)> = Vec::new();
    for e in &inc.events {
        if let EventKind::Role { role, person } = &e.kind {
            held.push((person.as_str(), *role));
        }
    }
    let names = held
        .iter()
        .map(|(p, _)| *p)
        .chain(inc.events.iter().filter_map(|e| e.by.as_deref()));
    identity::people(names)
        .into_iter()
        .filter_map(|person| {
            let mut roles: Vec<Role> = held
                .iter()
                .filter(|(p, _)| person.is(p))
                .map(|(_, r)| *r)
                .collect();
            if roles.is_empty() {
                return None;
            }
            roles.sort();
            roles.dedup();
            Some(Responder {
                ic: roles.contains(&Role::Ic),
                scribe: roles.contains(&Role::Scribe),
                roles: roles.iter().map(|r| role_name(*r).to_string()).collect(),
                names: person.names.clone(),
                person: person.name,
            })
        })
        .collect()
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Ic => "Incident Commander",
        other => other.label(),
    }
}

/// How a provider write shows in the timeline: its own row, folded into the row before it
/// (as its data link), or left out.
enum Fold {
    Row(&'static str, String),
    Link,
    Skip,
}

fn delivery_row(provider: &str, action: &str, target: &str, ok: bool) -> Fold {
    let failed = if ok { "" } else { " (failed)" };
    match (provider, action) {
        (_, "publish_postmortem") => Fold::Skip,
        (_, "page_ic" | "page_ic_event") => Fold::Row("page", format!("IC paged{failed}")),
        (_, "page" | "request_responders") => Fold::Row("page", format!("Paged {target}{failed}")),
        // A public post is journaled as its own event (`inc comms`); only a failure shows here.
        ("statuspage", _) if ok => Fold::Skip,
        ("statuspage", a) => Fold::Row(
            "public",
            format!("Status page: {}{failed}", a.replace('_', " ")),
        ),
        ("opsgenie", a) if a.contains("alert") || a.contains("page") => {
            Fold::Row("page", format!("Opsgenie: {}{failed}", a.replace('_', " ")))
        }
        ("email", _) => Fold::Row("email", format!("Internal email to {target}{failed}")),
        _ if ok => Fold::Link,
        _ => Fold::Skip,
    }
}

/// The timeline: one row per journal event, provider writes folded into the event they belong
/// to (their link becomes its data link); pages, public posts and emails have rows of their own.
/// The post-mortem's own events are left out, so a re-run renders the same document.
pub fn timeline(inc: &Incident) -> Vec<TimelineRow> {
    let mut rows: Vec<TimelineRow> = Vec::new();
    let mut times: Vec<Timestamp> = Vec::new();
    // Whether deliveries that follow belong to the last row (false after a skipped event).
    let mut attach = false;
    for e in &inc.events {
        let row = |kind: &str, event: String, link: Option<String>| TimelineRow {
            at: e.at.to_string(),
            time: e.at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            kind: kind.to_string(),
            event,
            link,
            by: e.by.clone(),
        };
        let (kind, text) = match &e.kind {
            EventKind::Delivery {
                provider,
                action,
                target,
                ok,
                url,
                ..
            } => {
                match delivery_row(provider, action, target, *ok) {
                    Fold::Row(kind, text) => {
                        rows.push(row(kind, text, url.clone()));
                        times.push(e.at);
                        attach = true;
                    }
                    Fold::Link if attach && !rows.is_empty() => {
                        // The roles `declare` assigns follow its declaration: the link (the
                        // provider's incident) belongs to the declaration.
                        let mut i = rows.len() - 1;
                        while i > 0
                            && matches!(rows[i].kind.as_str(), "role" | "service")
                            && times[i].as_second() - times[i - 1].as_second() <= 5
                        {
                            i -= 1;
                        }
                        if rows[i].link.is_none() {
                            rows[i].link = url.clone();
                        }
                    }
                    Fold::Link => {}
                    Fold::Skip => {}
                }
                continue;
            }
            // What `inc timeline` shows people (not `--all`): no post-mortem bookkeeping, no
            // `status --watch --post` diffs (and no places published, below).
            EventKind::Postmortem { .. } | EventKind::Posted { .. } => {
                attach = false;
                continue;
            }
            // A cited change takes its own time (before the incident, usually), with its link.
            EventKind::SuspectedCause { change: c } => {
                let mut r = row(
                    "suspected_cause",
                    format!(
                        "Change on {} ({}): {} (suspected cause{})",
                        c.service,
                        c.source,
                        factor_text(c),
                        e.by.as_deref()
                            .map(|b| format!(", cited by {b}"))
                            .unwrap_or_default()
                    ),
                    c.url.clone(),
                );
                r.at = c.at.to_string();
                r.time = c.at.strftime("%Y-%m-%d %H:%M:%S").to_string();
                rows.push(r);
                times.push(c.at);
                attach = false;
                continue;
            }
            // Where the incident is carried: bookkeeping, not part of what happened (the
            // declaration's provider link still folds into its row).
            EventKind::Linked { .. } => continue,
            EventKind::Declared {
                severity, title, ..
            } => (
                "declared",
                format!("Incident declared: {severity}, \"{title}\""),
            ),
            EventKind::Role { role, person } => ("role", messages::role(*role, person)),
            EventKind::Service { name } => ("service", format!("Affected service: {name}")),
            EventKind::Severity {
                severity,
                is_final: false,
            } => ("severity", format!("Severity raised to {severity}")),
            EventKind::Severity {
                severity,
                is_final: true,
            } => ("severity", format!("Final severity set to {severity}")),
            EventKind::Note { text, note_type } => ("note", messages::note(*note_type, text)),
            EventKind::Todo { text } => ("todo", messages::todo(text)),
            EventKind::ExecUpdate { summary } => {
                ("exec_update", format!("Executive update: {summary}"))
            }
            EventKind::Resolved { severity } => (
                "resolved",
                format!("Resolved; the call is over (final {severity})"),
            ),
            #[allow(unreachable_patterns)]
            _ => {
                let (kind, text) = crate::messages::describe(e);
                (kind, text)
            }
        };
        rows.push(row(kind, text, None));
        times.push(e.at);
        attach = true;
    }
    // Events journaled later at a provider's time (acknowledgements) take their place in time;
    // the sort is stable, so events of the same second keep the journal's order.
    let mut timed: Vec<(Timestamp, TimelineRow)> = times.into_iter().zip(rows).collect();
    timed.sort_by_key(|(t, _)| *t);
    timed.into_iter().map(|(_, r)| r).collect()
}

/// A change in the post-mortem's words: its summary, status and who made it.
fn factor_text(c: &crate::model::Change) -> String {
    let mut s = c.summary.clone();
    match (&c.status, &c.who) {
        (Some(st), Some(w)) => s.push_str(&format!(" ({st}, {w})")),
        (Some(st), None) => s.push_str(&format!(" ({st})")),
        (None, Some(w)) => s.push_str(&format!(" ({w})")),
        (None, None) => {}
    }
    s
}

/// The cited changes, each once, in the order they happened.
fn contributing_factors(inc: &Incident) -> Vec<Factor> {
    let mut cited: Vec<&crate::model::Cited> = inc.suspected_causes.iter().collect();
    cited.sort_by_key(|c| c.change.at);
    cited
        .into_iter()
        .map(|c| Factor {
            text: factor_text(&c.change),
            service: c.change.service.clone(),
            source: c.change.source.clone(),
            time: messages::time(c.change.at),
            before_start: messages::before(c.change.at, inc.declared_at),
            link: c.change.url.clone(),
            cited_by: c.cited_by.clone(),
        })
        .collect()
}

/// The context of an incident's post-mortem.
pub fn context(inc: &Incident, s: &Settings) -> Context {
    let tags = tags(inc);
    let spent = minutes_in_severity(inc, s.now);
    let duration_secs = duration_secs(inc, s.now);
    let (due, rule) = meeting_due(inc, s);
    let sev_minutes = |n: u8| {
        Severity::new(n)
            .and_then(|sev| spent.get(&sev))
            .copied()
            .unwrap_or(0)
    };
    let incident = IncidentInfo {
        id: inc.id.clone(),
        title: inc.title.clone(),
        name: inc.public_name().to_string(),
        security: inc.security,
        drill: inc.drill,
        codename: inc.codename.clone(),
        severity: inc.severity.to_string(),
        worst_severity: inc.worst_severity.to_string(),
        worst_severity_number: inc.worst_severity.number(),
        state: inc.state().to_string(),
        declared_at: messages::time(inc.declared_at),
        resolved_at: inc.resolved_at.map(messages::time),
        duration: stated(duration_secs),
        duration_minutes: minutes(duration_secs),
        roles: inc
            .roles
            .iter()
            .filter(|(_, who)| !who.is_empty())
            .map(|(r, who)| (r.label().to_string(), who.clone()))
            .collect(),
    };
    let action_items = inc
        .todos
        .iter()
        .map(|t| ActionItem {
            number: t.number,
            text: t.text.clone(),
            at: messages::time(t.at),
            tags: tags.clone(),
        })
        .collect();
    let messaging = Messaging {
        internal_subject: email_subject(inc, After::Meeting),
        internal_summary: summary(inc, s.now),
        external_summary: external_summary(inc, s.now),
    };
    Context {
        postmortem: PostmortemInfo {
            owner: s.owner.clone(),
            status: STATUS_DRAFT.into(),
            meeting_due: due.to_string(),
            meeting_due_weekday: weekday_name(due).into(),
            meeting_rule: rule,
            recording_url: s.recording_url.clone(),
            generated_at: messages::time(s.now),
        },
        impact: Impact {
            sev1_minutes: sev_minutes(1),
            sev2_minutes: sev_minutes(2),
            time_to_acknowledge: time_to_acknowledge(inc),
            // SEV-1 and SEV-2 always (the process asks for both), any other severity the
            // incident spent time at; together they add up to the duration.
            by_severity: Severity::all()
                .filter_map(|sev| {
                    let m = spent.get(&sev).copied().unwrap_or(0);
                    (sev.is_major() || m > 0).then(|| SeverityTime {
                        severity: sev.to_string(),
                        minutes: m,
                    })
                })
                .collect(),
        },
        responders: responders(inc),
        timeline: timeline(inc),
        contributing_factors: contributing_factors(inc),
        action_items,
        tags,
        messaging,
        generator: concat!("inc ", env!("CARGO_PKG_VERSION")).into(),
        incident,
    }
}

/// `between 03:04 and 04:47 UTC on 2026-11-26 (1h43m)`, or from/until dates when it spans days.
fn window(inc: &Incident, now: Timestamp) -> String {
    let start = inc.declared_at;
    let Some(end) = inc.resolved_at else {
        return format!(
            "since {} (still open at {})",
            messages::time(start),
            messages::time(now)
        );
    };
    let lasted = stated(duration_secs(inc, now));
    if utc_date(start) == utc_date(end) {
        format!(
            "between {} and {} UTC on {} ({lasted})",
            start.strftime("%H:%M"),
            end.strftime("%H:%M"),
            utc_date(start),
        )
    } else {
        format!(
            "from {} to {} ({lasted})",
            messages::time(start),
            messages::time(end),
        )
    }
}

/// The internal summary: what happened, when, how bad, who led it.
pub fn summary(inc: &Incident, now: Timestamp) -> String {
    let mut s = format!(
        "{} incident \"{}\" ({}) ran {}.",
        inc.worst_severity,
        inc.public_name(),
        inc.id,
        window(inc, now)
    );
    let spent = minutes_in_severity(inc, now);
    let parts: Vec<String> = spent
        .iter()
        .filter(|(sev, _)| sev.is_major())
        .map(|(sev, m)| format!("{m} min at {sev}"))
        .collect();
    if !parts.is_empty() {
        s.push_str(&format!(" It spent {}.", parts.join(" and ")));
    }
    if inc.severity != inc.worst_severity && !inc.is_open() {
        s.push_str(&format!(" Final severity: {}.", inc.severity));
    }
    if let Some(ic) = inc.holder(Role::Ic) {
        s.push_str(&format!(" Incident Commander: {ic}."));
    }
    s
}

fn external_summary(inc: &Incident, now: Timestamp) -> String {
    match inc.resolved_at {
        Some(_) => format!(
            "{}, some customers were affected by a service degradation. We are sorry for the trouble this caused.",
            capitalise(&window(inc, now))
        ),
        None => "The incident is still open; write this once it is resolved.".into(),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Which internal email: right after the call, or after the post-mortem meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum After {
    Call,
    Meeting,
}

/// Security incidents: the whole subject is "Attorney Work Project" (process §2.9).
pub const SECURITY_SUBJECT: &str = "Attorney Work Project";

pub fn email_subject(inc: &Incident, after: After) -> String {
    if inc.security {
        return messages::tagged(inc, SECURITY_SUBJECT);
    }
    let subject = match after {
        After::Call if inc.is_open() => {
            format!("{} incident: {}", inc.worst_severity, inc.title)
        }
        After::Call => format!("{} incident resolved: {}", inc.worst_severity, inc.title),
        After::Meeting => format!("{} post-mortem: {}", inc.worst_severity, inc.title),
    };
    messages::tagged(inc, &subject)
}

/// The plain-text body of the internal email.
pub fn email_body(inc: &Incident, after: After, link: Option<&str>, now: Timestamp) -> String {
    let mut b = String::new();
    if inc.security {
        b.push_str(SECURITY_SUBJECT);
        b.push_str("\n\n");
    }
    b.push_str("Hello,\n\n");
    match after {
        After::Call => b.push_str(&format!("we had a major incident. {}\n", summary(inc, now))),
        After::Meeting => b.push_str(&format!(
            "the post-mortem of a major incident has been reviewed. {}\n",
            summary(inc, now)
        )),
    }
    b.push('\n');
    match (link, after) {
        (Some(l), _) => b.push_str(&format!("Post-mortem: {l}\n")),
        (None, After::Call) => b.push_str("The post-mortem will follow.\n"),
        (None, After::Meeting) => {}
    }
    if !inc.todos.is_empty() {
        let heading = match after {
            After::Call => "Follow-up items from the call",
            After::Meeting => "Action items",
        };
        b.push_str(&format!("\n{heading} ({}):\n", inc.todos.len()));
        for t in &inc.todos {
            b.push_str(&format!("  {}. {}\n", t.number, t.text));
        }
    }
    b.push_str("\nThanks to everyone who helped.\n\n-- \nSent with inc\n");
    b
}

/// A digest of a written document (FNV-1a, 64-bit), to tell an edited file from an untouched one.
pub fn digest(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}")
}

/// Why a template could not be used: the file, the line and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "template {}, line {l}: {}", self.file, self.message),
            None => write!(f, "template {}: {}", self.file, self.message),
        }
    }
}

/// Escapes text for one Markdown table cell: `|` would end the cell, a newline the row, and
/// `<` could start raw HTML (which Confluence's XHTML would reject).
pub fn cell(s: &str) -> String {
    s.trim()
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace("\r\n", "\n")
        .replace('\n', "<br/>")
}

/// Renders a template (`name` is shown in errors) over the context. Undefined variables are
/// errors (a typo in a custom template is reported with its line), except in `if` tests.
pub fn render(name: &str, source: &str, ctx: &Context) -> Result<String, TemplateError> {
    let err = |e: minijinja::Error| TemplateError {
        file: name.to_string(),
        line: e.line(),
        message: match e.detail() {
            Some(d) => format!("{}: {d}", e.kind()),
            None => e.kind().to_string(),
        },
    };
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::SemiStrict);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .map_err(err)?;
    env.set_syntax(syntax);
    env.add_filter("cell", |s: String| cell(&s));
    env.add_template_owned(name.to_string(), source.to_string())
        .map_err(err)?;
    let tmpl = env.get_template(name).map_err(err)?;
    tmpl.render(minijinja::Value::from(minijinja::value::Serde(ctx)))
        .map_err(err)
}

/// Markdown → Confluence storage format (XHTML) with pulldown-cmark. Raw HTML in the Markdown is
/// shown as text (storage format must be well-formed XML), except `<br>` line breaks; comments
/// are dropped.
pub fn to_storage(markdown: &str) -> String {
    use pulldown_cmark::{CowStr, Event, Options, Parser};
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let is_br = |s: &str| {
        let t = s.trim().to_ascii_lowercase().replace(' ', "");
        matches!(t.as_str(), "<br>" | "<br/>")
    };
    let events = Parser::new_ext(markdown, opts).filter_map(|ev| match ev {
        Event::Html(s) | Event::InlineHtml(s) if is_br(&s) => {
            Some(Event::InlineHtml(CowStr::Borrowed("<br/>")))
        }
        Event::Html(s) | Event::InlineHtml(s) if s.trim_start().starts_with("<!--") => None,
        Event::Html(s) | Event::InlineHtml(s) => Some(Event::Text(s)),
        other => Some(other),
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Event, EventKind, Severity};

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn ev(t: &str, kind: EventKind) -> Event {
        Event {
            id: None,
            at: at(t),
            by: Some("tester".into()),
            kind,
        }
    }

    fn sev(n: u8) -> Severity {
        Severity::new(n).unwrap()
    }

    fn incident() -> Incident {
        Incident::from_events(vec![
            ev(
                "2026-11-26T03:04:00Z",
                EventKind::Declared {
                    id: "261126-0304-test".into(),
                    title: "Checkout returns 500s".into(),
                    severity: sev(2),
                    security: false,
                    codename: None,
                    drill: false,
                },
            ),
            ev(
                "2026-11-26T03:20:30Z",
                EventKind::Severity {
                    severity: sev(1),
                    is_final: false,
                },
            ),
            ev(
                "2026-11-26T04:47:00Z",
                EventKind::Resolved { severity: sev(2) },
            ),
            ev(
                "2026-11-26T05:00:00Z",
                EventKind::Severity {
                    severity: sev(3),
                    is_final: true,
                },
            ),
        ])
        .unwrap()
    }

    fn settings(now: &str) -> Settings {
        Settings {
            owner: "ann".into(),
            recording_url: None,
            sev1_meeting_days: 3,
            sev2_meeting_business_days: 5,
            now: at(now),
        }
    }

    #[test]
    fn time_in_sev_stops_at_resolve_and_ignores_final() {
        let inc = incident();
        let t = time_in_severity(&inc, at("2026-11-27T00:00:00Z"));
        assert_eq!(t[&sev(2)], 16 * 60 + 30);
        assert_eq!(t[&sev(1)], 86 * 60 + 30);
        assert_eq!(t.get(&sev(3)), None);
        let ctx = context(&inc, &settings("2026-11-26T06:00:00Z"));
        // 16.5 and 86.5 minutes: the raise rounds to minute 17 of 103, so 17 + 86 = 103.
        assert_eq!((ctx.impact.sev2_minutes, ctx.impact.sev1_minutes), (17, 86));
        assert_eq!(ctx.incident.duration_minutes, 103);
        assert_eq!(ctx.incident.duration, "1h43m");
        assert_eq!(ctx.tags, ["sev1_20261126", "sev1"]);
    }

    #[test]
    fn meeting_due_by_severity() {
        // 2026-11-26 is a Thursday.
        let inc = incident();
        let (d, rule) = meeting_due(&inc, &settings("2026-11-26T06:00:00Z"));
        assert_eq!(d.to_string(), "2026-11-29");
        assert_eq!(rule, "SEV-1: within 3 calendar days");
        let mut sev2 = incident();
        sev2.worst_severity = sev(2);
        let (d, rule) = meeting_due(&sev2, &settings("2026-11-26T06:00:00Z"));
        assert_eq!(d.to_string(), "2026-12-03", "Thursday + 5 business days");
        assert_eq!(rule, "SEV-2: within 5 business days");
        let s = Settings {
            sev2_meeting_business_days: 1,
            ..settings("2026-11-26T06:00:00Z")
        };
        let mut fri = sev2.clone();
        fri.resolved_at = Some(at("2026-11-27T10:00:00Z"));
        assert_eq!(
            meeting_due(&fri, &s).0.to_string(),
            "2026-11-30",
            "Friday → Monday"
        );
    }

    #[test]
    fn cells_and_storage_format() {
        assert_eq!(cell("a | b\nc <b>"), "a \\| b<br/>c &lt;b>");
        let html =
            to_storage("# T\n\n| a | b |\n|---|---|\n| x<br/>y | <script>z |\n\n<!-- c -->\n");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("x<br/>y"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<!--"), "{html}");
    }

    #[test]
    fn broken_template_names_file_and_line() {
        let inc = incident();
        let ctx = context(&inc, &settings("2026-11-26T06:00:00Z"));
        let e = render("t.md", "ok\n{% if x %}\nno end\n", &ctx).unwrap_err();
        assert_eq!(e.file, "t.md");
        assert!(e.line.is_some(), "{e}");
        let e = render("t.md", "a\nb {{ incident.titel }}\n", &ctx).unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert_eq!(
            render("t.md", "{{ incident.title }} {{ tags | join(' ') }}", &ctx).unwrap(),
            "Checkout returns 500s sev1_20261126 sev1"
        );
        // The built-in template renders.
        let doc = render(BUILTIN_NAME, BUILTIN, &ctx).unwrap();
        assert!(doc.contains("Checkout returns 500s"), "{doc}");
    }

    #[test]
    fn security_email_subject() {
        let mut inc = incident();
        assert_eq!(
            email_subject(&inc, After::Call),
            "SEV-1 incident resolved: Checkout returns 500s"
        );
        inc.security = true;
        assert_eq!(email_subject(&inc, After::Meeting), "Attorney Work Project");
    }

    /// The rows "| Time in SEV-N | M min |" of a document, summed.
    fn table_minutes(doc: &str) -> i64 {
        doc.lines()
            .filter_map(|l| l.strip_prefix("| Time in SEV-"))
            .map(|l| {
                let m = l.split('|').nth(1).unwrap().trim();
                m.strip_suffix(" min").unwrap().parse::<i64>().unwrap()
            })
            .sum()
    }

    #[test]
    fn severity_minutes_add_up_to_the_stated_duration() {
        let declared = |t: &str, n: u8| {
            ev(
                t,
                EventKind::Declared {
                    id: "261126-0304-sum".into(),
                    title: "t".into(),
                    severity: sev(n),
                    security: false,
                    codename: None,
                    drill: false,
                },
            )
        };
        let raise = |t: &str, n: u8| {
            ev(
                t,
                EventKind::Severity {
                    severity: sev(n),
                    is_final: false,
                },
            )
        };
        let resolved = |t: &str, n: u8| ev(t, EventKind::Resolved { severity: sev(n) });
        let now = "2026-11-26T06:00:00Z";
        // (history, minutes by severity, stated duration)
        type Case = (Vec<Event>, Vec<(u8, i64)>, &'static str);
        let table: Vec<Case> = vec![
            // Half minutes: each change rounds from the start, so 17 + 86 = 103.
            (
                vec![
                    declared("2026-11-26T03:04:00Z", 2),
                    raise("2026-11-26T03:20:30Z", 1),
                    resolved("2026-11-26T04:47:00Z", 2),
                ],
                vec![(1, 86), (2, 17)],
                "1h43m",
            ),
            // Declared at SEV-3, raised twice: every severity it was at is counted.
            (
                vec![
                    declared("2026-11-26T03:00:00Z", 3),
                    raise("2026-11-26T03:10:40Z", 2),
                    raise("2026-11-26T03:30:20Z", 1),
                    resolved("2026-11-26T04:00:50Z", 1),
                ],
                vec![(1, 31), (2, 19), (3, 11)],
                "1h01m",
            ),
            // A second copy of the declaration (merged) and a raise stamped before it (another
            // responder's clock) neither restart nor stretch the clock.
            (
                vec![
                    raise("2026-11-26T02:59:00Z", 1),
                    declared("2026-11-26T03:00:00Z", 2),
                    declared("2026-11-26T03:05:00Z", 2),
                    resolved("2026-11-26T03:40:00Z", 2),
                ],
                vec![(1, 40), (2, 0)],
                "40m",
            ),
            // Still open: up to now.
            (
                vec![declared("2026-11-26T05:30:10Z", 2)],
                vec![(1, 0), (2, 30)],
                "30m",
            ),
            // Under a minute.
            (
                vec![
                    declared("2026-11-26T03:00:00Z", 2),
                    resolved("2026-11-26T03:00:20Z", 2),
                ],
                vec![(1, 0), (2, 0)],
                "under 1m",
            ),
        ];
        for (events, want, duration) in table {
            let inc = Incident::from_events(events.clone()).unwrap();
            let ctx = context(&inc, &settings(now));
            let got: Vec<(u8, i64)> = ctx
                .impact
                .by_severity
                .iter()
                .map(|t| (t.severity[4..].parse().unwrap(), t.minutes))
                .collect();
            assert_eq!(got, want, "{events:?}");
            assert_eq!(ctx.incident.duration, duration, "{events:?}");
            let doc = render(BUILTIN_NAME, BUILTIN, &ctx).unwrap();
            assert_eq!(table_minutes(&doc), ctx.incident.duration_minutes, "{doc}");
        }
    }

    #[test]
    fn the_timeline_is_what_people_read() {
        let mut inc = incident();
        let extra = [
            ev(
                "2026-11-26T03:05:00Z",
                EventKind::Linked {
                    provider: "slack".into(),
                    reference: "C0001".into(),
                    name: Some("inc-20261126-checkout".into()),
                    url: None,
                },
            ),
            ev(
                "2026-11-26T03:06:00Z",
                EventKind::Posted {
                    text: "severity: SEV-2 → SEV-1".into(),
                },
            ),
            ev(
                "2026-11-26T03:07:00Z",
                EventKind::Note {
                    text: "Rolled back".into(),
                    note_type: None,
                },
            ),
        ];
        inc.events.extend(extra);
        inc.events.sort_by_key(|e| e.at);
        let rows = timeline(&inc);
        let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["declared", "note", "severity", "resolved", "severity"],
            "{rows:?}"
        );
    }

    #[test]
    fn each_person_is_one_responder_with_all_their_roles() {
        // The shared-config team: alice is `$USER` only, the IC typed emails for the others,
        // carol joined as herself and bob took over.
        let role = |t: &str, r: Role, p: &str| {
            ev(
                t,
                EventKind::Role {
                    role: r,
                    person: p.into(),
                },
            )
        };
        let mut events = vec![
            ev(
                "2026-11-26T03:00:00Z",
                EventKind::Declared {
                    id: "261126-0300-team".into(),
                    title: "t".into(),
                    severity: sev(2),
                    security: false,
                    codename: None,
                    drill: false,
                },
            ),
            role("2026-11-26T03:00:00Z", Role::Ic, "alice"),
            role("2026-11-26T03:00:00Z", Role::Deputy, "bob@example.com"),
            role("2026-11-26T03:00:00Z", Role::Scribe, "carol@example.com"),
            role("2026-11-26T03:05:00Z", Role::Scribe, "carol"),
            role("2026-11-26T03:06:00Z", Role::Sme, "dana"),
            role("2026-11-26T03:20:00Z", Role::Ic, "Bob@example.com"),
            role("2026-11-26T03:30:00Z", Role::Sme, "dana@example.com"),
        ];
        let mut by_alice = ev(
            "2026-11-26T03:40:00Z",
            EventKind::Note {
                text: "n".into(),
                note_type: None,
            },
        );
        by_alice.by = Some("alice@example.com".into());
        events.push(by_alice);
        let inc = Incident::from_events(events).unwrap();
        let rows: Vec<(String, Vec<String>)> = responders(&inc)
            .into_iter()
            .map(|r| (r.person, r.roles))
            .collect();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            rows,
            vec![
                ("alice@example.com".into(), s(&["Incident Commander"])),
                (
                    "bob@example.com".into(),
                    s(&["Incident Commander", "Deputy"])
                ),
                ("carol@example.com".into(), s(&["Scribe"])),
                ("dana@example.com".into(), s(&["SME"])),
            ]
        );
    }

    /// Property tests: whatever the title, notes, TODOs, roles and owner hold, the built-in
    /// template renders (no panic, no error), user text is never evaluated as a template (the
    /// title comes out as typed, TODOs as table cells), Confluence storage never carries the
    /// user's raw HTML, and the email texts build.
    mod props {
        use super::*;
        use proptest::prelude::*;

        fn text() -> impl Strategy<Value = String> {
            prop_oneof![
                any::<String>(),
                prop::collection::vec(
                    prop::sample::select(vec![
                        "{{ 7 * 7 }}",
                        "{{",
                        "}}",
                        "{% if true %}",
                        "{% endif %}",
                        "{%",
                        "%}",
                        "{#",
                        "#}",
                        "{{ incident.id }}",
                        "{% raw %}",
                        "|",
                        "\\",
                        "<script>",
                        "<img src=x onerror=alert(1)>",
                        "<br>",
                        "<!--",
                        "-->",
                        "`",
                        "*",
                        "\n",
                        "\r\n",
                        "#",
                        "x",
                        " ",
                        "é",
                        "🔥",
                        "@here",
                    ]),
                    1..16,
                )
                .prop_map(|v| v.concat()),
            ]
        }

        fn incident_of(title: &str, notes: &[String], todos: &[String], person: &str) -> Incident {
            let mut events = vec![ev(
                "2026-11-26T03:04:00Z",
                EventKind::Declared {
                    id: "261126-0304-prop".into(),
                    title: title.into(),
                    severity: sev(2),
                    security: false,
                    codename: None,
                    drill: false,
                },
            )];
            events.push(ev(
                "2026-11-26T03:05:00Z",
                EventKind::Role {
                    role: Role::Scribe,
                    person: person.into(),
                },
            ));
            for n in notes {
                events.push(ev(
                    "2026-11-26T03:06:00Z",
                    EventKind::Note {
                        text: n.clone(),
                        note_type: None,
                    },
                ));
            }
            for t in todos {
                events.push(ev(
                    "2026-11-26T03:07:00Z",
                    EventKind::Todo { text: t.clone() },
                ));
            }
            events.push(ev(
                "2026-11-26T04:00:00Z",
                EventKind::Resolved { severity: sev(2) },
            ));
            Incident::from_events(events).unwrap()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(128))]

            #[test]
            fn any_text_renders_as_text(
                title in text(),
                notes in prop::collection::vec(text(), 0..4),
                todos in prop::collection::vec(text(), 0..4),
                person in text(),
                owner in text(),
            ) {
                let inc = incident_of(&title, &notes, &todos, &person);
                let s = Settings { owner, ..settings("2026-11-26T06:00:00Z") };
                let ctx = context(&inc, &s);
                let doc = render(BUILTIN_NAME, BUILTIN, &ctx).expect("the built-in template renders");
                // Not evaluated: the title as typed, each TODO as one table cell.
                prop_assert!(doc.contains(&format!("# Post-mortem: {title}")), "{}", doc);
                for t in todos.iter().filter(|t| !t.trim().is_empty()) {
                    prop_assert!(doc.contains(&cell(t)), "TODO {:?} not in {}", t, doc);
                }
                let html = to_storage(&doc).to_ascii_lowercase();
                prop_assert!(!html.contains("<script") && !html.contains("<img"), "{}", html);
                let _ = summary(&inc, s.now);
                let _ = email_subject(&inc, After::Call);
                let _ = email_body(&inc, After::Meeting, Some("https://wiki/x"), s.now);
                let _ = digest(&doc);
            }

            /// Whatever the severity history (raises in any order, finals, copies merged from
            /// several responders, resolved or still open), the minutes by severity add up to
            /// the duration the document states, in its table too.
            #[test]
            fn severity_minutes_always_add_up(
                start_sev in 1u8..=5,
                steps in prop::collection::vec((0i64..7_200, 1u8..=5, any::<bool>()), 0..8),
                resolved in prop::option::of(0i64..14_400),
                now in 0i64..20_000,
            ) {
                let t0: Timestamp = "2026-11-26T03:00:00Z".parse().unwrap();
                let at = |secs: i64| Timestamp::from_second(t0.as_second() + secs).unwrap();
                let mut events = vec![Event {
                    id: None,
                    at: t0,
                    by: Some("tester".into()),
                    kind: EventKind::Declared {
                        id: "261126-0300-prop".into(),
                        title: "t".into(),
                        severity: sev(start_sev),
                        security: false,
                        codename: None,
                        drill: false,
                    },
                }];
                for (secs, n, is_final) in &steps {
                    events.push(Event {
                        id: None,
                        at: at(*secs - 60),
                        by: None,
                        kind: EventKind::Severity { severity: sev(*n), is_final: *is_final },
                    });
                }
                if let Some(r) = resolved {
                    events.push(Event {
                        id: None,
                        at: at(r),
                        by: None,
                        kind: EventKind::Resolved { severity: sev(start_sev) },
                    });
                }
                let inc = Incident::from_events(events).unwrap();
                let s = settings("2026-11-26T03:00:00Z");
                let s = Settings { now: at(now), ..s };
                let ctx = context(&inc, &s);
                let sum: i64 = ctx.impact.by_severity.iter().map(|t| t.minutes).sum();
                prop_assert_eq!(sum, ctx.incident.duration_minutes);
                prop_assert!(ctx.impact.by_severity.iter().all(|t| t.minutes >= 0));
                let doc = render(BUILTIN_NAME, BUILTIN, &ctx).unwrap();
                prop_assert_eq!(table_minutes(&doc), ctx.incident.duration_minutes);
                let stated = if ctx.incident.duration_minutes == 0 {
                    "under 1m".to_string()
                } else {
                    messages::elapsed(ctx.incident.duration_minutes * 60)
                };
                prop_assert_eq!(&ctx.incident.duration, &stated);
            }

            /// A custom template is the user's own code: any text either renders or fails with
            /// its file named; never a panic.
            #[test]
            fn any_template_renders_or_names_itself(source in text()) {
                let inc = incident();
                let ctx = context(&inc, &settings("2026-11-26T06:00:00Z"));
                if let Err(e) = render("custom.md", &source, &ctx) {
                    prop_assert_eq!(e.file.as_str(), "custom.md");
                }
            }
        }
    }
}
