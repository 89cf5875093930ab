//! The lines, tables and JSON of `inc status` (once, and each step of `--watch`, NDJSON with
//! `--json`), `inc show`, `inc timeline` and `inc list`. Reading commands print their data even
//! with `-q`.

use std::collections::HashMap;

use serde_json::json;

use super::Outcome;
use crate::config::format_duration;
use crate::ctx::Ctx;
use crate::error::{CliError, CliResult, ErrorKind};
use crate::flows::status::{ListOutcome, ShowOutcome, StatusOutcome, TimelineOutcome};
use crate::flows::watch::{End, Step};
use crate::io::{Io, Style};
use crate::messages;
use crate::model::{Event, EventKind, Incident};

/// What `inc status` and `inc show` say about a drill.
const DRILL_NOTE: &str = "yes: a practice incident ([DRILL] on everything sent; nobody outside the drill is paged or notified)";

impl Outcome for StatusOutcome {
    fn human(&self, io: &Io) -> Vec<String> {
        let (g, inc) = (&self.glance, &self.glance.incident);
        let mut rows = g.fields.clone();
        rows.insert(4, ("declared", messages::time(inc.declared_at)));
        let lasted = if inc.is_open() { "elapsed" } else { "lasted" };
        rows.insert(5, (lasted, messages::elapsed(g.elapsed_seconds)));
        if let Some(r) = inc.resolved_at {
            rows.insert(5, ("resolved", messages::time(r)));
        }
        if inc.drill {
            rows.insert(2, ("drill", DRILL_NOTE.into()));
        }
        // What changed, under the roles: a heading and the latest few.
        if let (Some(at), Some(c)) = (
            rows.iter().position(|(k, _)| *k == "latest change"),
            &g.changes,
        ) {
            rows.splice(at..=at, super::changes::status_rows(io, c));
        }
        let mut out = vec![io.fields(&rows)];
        out.extend(todos(inc));
        out.extend(
            g.reminders
                .iter()
                .map(|r| format!("{} {}", io.paint("reminder:", Style::Warn), r.text)),
        );
        out
    }
}

fn todos(inc: &Incident) -> impl Iterator<Item = String> + '_ {
    inc.todos
        .iter()
        .map(|t| format!("  TODO {}: {}", t.number, t.text))
}

impl Outcome for ShowOutcome {
    fn human(&self, io: &Io) -> Vec<String> {
        let inc = &self.incident;
        let mut rows = vec![
            ("incident", inc.id.clone()),
            ("title", inc.title.clone()),
            (
                "severity",
                format!("{} (worst {})", inc.severity, inc.worst_severity),
            ),
            ("state", inc.state().into()),
            ("declared", messages::time(inc.declared_at)),
        ];
        if inc.drill {
            rows.insert(2, ("drill", DRILL_NOTE.into()));
        }
        if let Some(r) = inc.resolved_at {
            rows.push(("resolved", messages::time(r)));
        }
        if let Some(c) = &inc.codename {
            rows.push(("codename", c.clone()));
        }
        for (role, who) in &inc.roles {
            if !who.is_empty() {
                rows.push((role.label(), who.join(", ")));
            }
        }
        rows.push(("notes", inc.notes.to_string()));
        if let Some(pm) = &inc.postmortem {
            rows.push(("post-mortem", pm.path_or_url.clone()));
        }
        if let Some(p) = &inc.public {
            rows.push(("public", messages::public_summary(p)));
        }
        // One row per provider: what inc opened there, and how many deliveries of each kind.
        for p in &self.places {
            let count = |m: &std::collections::BTreeMap<String, usize>| {
                m.iter()
                    .map(|(a, n)| match n {
                        1 => a.replace('_', " "),
                        n => format!("{} ×{n}", a.replace('_', " ")),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut line = p.opened.join(" · ");
            if !line.is_empty() {
                line.push_str(" · ");
            }
            line.push_str(&count(&p.delivered));
            if !p.failed.is_empty() {
                line.push_str(&format!(" · failed: {}", count(&p.failed)));
            }
            rows.push((provider_label(&p.provider), line));
        }
        let mut out = vec![io.fields(&rows)];
        out.extend(todos(inc));
        out
    }
}

/// A provider's name in `inc show`'s rows.
fn provider_label(p: &str) -> &'static str {
    match p {
        "pagerduty" => "PagerDuty",
        "opsgenie" => "Opsgenie",
        "slack" => "Slack",
        "matrix" => "Matrix",
        "statuspage" => "Statuspage",
        "email" => "email",
        "confluence" => "Confluence",
        "github" => "GitHub",
        "x" => "X",
        "mastodon" => "Mastodon",
        "bluesky" => "Bluesky",
        _ => "webhook",
    }
}

/// The channels and rooms the journal knows by name (the ones inc created or joined, and the
/// places other responders published): id → name.
fn place_names(events: &[Event]) -> HashMap<&str, &str> {
    let mut names = HashMap::new();
    for e in events {
        match &e.kind {
            EventKind::Delivery {
                action,
                target,
                ok: true,
                id: Some(id),
                ..
            } if matches!(
                action.as_str(),
                "create_channel" | "create_room" | "join_room"
            ) =>
            {
                names.insert(id.as_str(), target.as_str());
            }
            EventKind::Linked {
                reference,
                name: Some(name),
                ..
            } => {
                names.entry(reference.as_str()).or_insert(name.as_str());
            }
            _ => {}
        }
    }
    names
}

/// A page among the delivery records: the IC page, `inc page`, a responder request.
fn page_row(provider: &str, action: &str, target: &str, ok: bool) -> Option<String> {
    let what = match action {
        "page_ic" | "page_ic_event" => "IC page",
        "page" => "page",
        "request_responders" => "responder request",
        _ => return None,
    };
    let result = if ok { "ok" } else { "FAILED" };
    Some(format!("{what} via {provider} → {target}: {result}"))
}

/// One timeline row as people read it: `None` for what only `--all` shows (the per-provider
/// delivery records but pages, the places published for other responders, watch posts).
fn timeline_row(
    e: &Event,
    all: bool,
    names: &HashMap<&str, &str>,
) -> Option<(&'static str, String)> {
    match &e.kind {
        EventKind::Delivery {
            provider,
            action,
            target,
            ok,
            ..
        } => {
            if let Some(page) = page_row(provider, action, target, *ok) {
                return Some(("page", page));
            }
            if !all {
                return None;
            }
            let named = names.get(target.as_str()).copied().unwrap_or(target);
            let mut e = e.clone();
            if let EventKind::Delivery { target, .. } = &mut e.kind {
                *target = named.to_string();
            }
            Some(messages::describe(&e))
        }
        EventKind::Linked { .. } | EventKind::Posted { .. } if !all => None,
        _ => Some(messages::describe(e)),
    }
}

impl Outcome for TimelineOutcome {
    fn human(&self, io: &Io) -> Vec<String> {
        let names = place_names(&self.timeline);
        let rows = self
            .timeline
            .iter()
            .filter_map(|e| {
                let (kind, text) = timeline_row(e, self.all, &names)?;
                Some(vec![
                    e.at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
                    kind.to_string(),
                    e.by.clone().unwrap_or_default(),
                    text,
                ])
            })
            .collect();
        vec![io.table(&["TIME (UTC)", "EVENT", "BY", "WHAT"], rows)]
    }
}

impl Outcome for ListOutcome {
    fn human(&self, io: &Io) -> Vec<String> {
        let rows = self
            .incidents
            .iter()
            .map(|i| {
                let mark = if i.current { "*" } else { "" };
                let title = if i.drill {
                    format!("{} {}", messages::DRILL, i.title)
                } else {
                    i.title.clone()
                };
                // A state that could not be refreshed says how old it is.
                let state = match (i.stale, i.as_of) {
                    (false, _) => i.state.to_string(),
                    (true, Some(t)) => format!("{}? (as of {})", i.state, messages::time(t)),
                    (true, None) => format!("{}? (never synced)", i.state),
                };
                vec![
                    format!("{mark}{}", i.id),
                    i.severity.to_string(),
                    state,
                    messages::time(i.declared_at),
                    title,
                ]
            })
            .collect();
        vec![io.table(&["ID", "SEV", "STATE", "DECLARED", "TITLE"], rows)]
    }
}

/// A reading command's outcome: the warnings, then its JSON document or its human lines
/// (data, so `-q` keeps them).
pub fn data<O: Outcome>(ctx: &Ctx, outcome: &O) -> CliResult {
    super::warnings(ctx);
    if ctx.io.json {
        ctx.io
            .json_doc(&serde_json::to_value(outcome).expect("outcomes serialise"));
    } else {
        for line in outcome.human(&ctx.io) {
            ctx.io.out(&line);
        }
    }
    Ok(())
}

/// `inc list`: an empty journal is a hint on stderr, not an empty table; hidden drills are
/// counted there too.
pub fn list(ctx: &Ctx, outcome: &ListOutcome) -> CliResult {
    let hidden = match outcome.hidden_drills {
        0 => None,
        1 => Some("1 drill not shown (`inc list --all` shows it)".to_string()),
        n => Some(format!(
            "{n} drills not shown (`inc list --all` shows them)"
        )),
    };
    if outcome.incidents.is_empty() && !ctx.io.json {
        super::warnings(ctx);
        ctx.io.status(
            hidden
                .as_deref()
                .unwrap_or("no incidents in the journal (`inc declare TITLE` starts one)"),
        );
        return Ok(());
    }
    data(ctx, outcome)?;
    if let Some(h) = hidden.filter(|_| !ctx.io.json) {
        ctx.io.status(&h);
    }
    Ok(())
}

/// The start of `--watch`: the first check in full (one NDJSON line with `--json`).
pub fn watch_start(ctx: &Ctx, outcome: &StatusOutcome) {
    super::warnings(ctx);
    let first = &outcome.glance;
    if ctx.io.json {
        ctx.io
            .json_line(&json!({ "at": ctx.now(), "status": first }));
        return;
    }
    ctx.io.out(&format!(
        "watching {} every {} (Ctrl-C stops)",
        first.incident.id,
        format_duration(outcome.interval)
    ));
    ctx.io.out(&ctx.io.fields(&first.fields));
    for r in &first.reminders {
        ctx.io.out(&format!("reminder: {}", r.text));
    }
}

/// One step of `--watch`: a change as clock-stamped lines (or one NDJSON line), what posting it
/// did, and the warnings so far.
pub fn watch_step(ctx: &Ctx, step: Step<'_>) {
    super::warnings(ctx);
    match step {
        Step::Change(c) if ctx.io.json => {
            ctx.io
                .json_line(&serde_json::to_value(c).expect("changes serialise"));
        }
        Step::Change(c) => {
            for l in &c.lines {
                let l = match l.strip_prefix("ALARM: ") {
                    Some(rest) => format!("{} {rest}", ctx.io.paint("ALARM", Style::Fail)),
                    None => l.clone(),
                };
                ctx.io.out(&format!("{} {l}", messages::clock(c.at)));
            }
        }
        Step::Posted(results) => super::report_failures(ctx, results),
        Step::Checked => {}
    }
}

/// The end of `--watch`: resolved (exit 0) or Ctrl-C (exit 130, silently).
pub fn watch_end(ctx: &Ctx, end: End) -> CliResult {
    match end {
        End::Resolved => {
            ctx.io.status("the incident is resolved; watch ends");
            Ok(())
        }
        End::Cancelled => {
            if !ctx.io.json {
                ctx.io.status("");
            }
            Err(CliError::silent(ErrorKind::Cancelled))
        }
    }
}
