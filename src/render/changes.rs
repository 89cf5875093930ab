//! What `inc changes` shows (a table on a terminal, tab-separated rows in a pipe, one JSON
//! document with `--json`), what `--cite N` and `inc service add` say, and the changes lines
//! of `inc status`.

use serde_json::json;

use super::Outcome;
use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::CliResult;
use crate::flows::changes::{AtAGlance, Changes, CitedOutcome, ServicesAdded};
use crate::io::{Io, Style};
use crate::messages;
use crate::model::Change;

/// A change's time: `02:41` on the day the incident began, else `Nov 25 23:50`.
fn when(c: &Change, began: jiff::Timestamp) -> String {
    if c.at.strftime("%Y%m%d").to_string() == began.strftime("%Y%m%d").to_string() {
        c.at.strftime("%H:%M").to_string()
    } else {
        c.at.strftime("%b %d %H:%M").to_string()
    }
}

/// The change column: the summary, the deploy's status and who made it; a failed deploy in
/// red and one under way in yellow (on a colour terminal).
fn what(io: &Io, c: &Change) -> String {
    let mut s = c.summary.clone();
    match (&c.status, &c.who) {
        (Some(st), Some(w)) => s.push_str(&format!(" ({st}, {w})")),
        (Some(st), None) => s.push_str(&format!(" ({st})")),
        (None, Some(w)) => s.push_str(&format!(" ({w})")),
        (None, None) => {}
    }
    if c.failed() {
        io.paint(&s, Style::Fail)
    } else if c.pending() {
        io.paint(&s, Style::Warn)
    } else {
        s
    }
}

impl Outcome for Changes {
    fn human(&self, io: &Io) -> Vec<String> {
        let rows = self
            .changes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                vec![
                    (i + 1).to_string(),
                    when(c, self.began_at),
                    messages::before(c.at, self.began_at),
                    c.service.clone(),
                    c.source.clone(),
                    what(io, c),
                    c.url.clone().unwrap_or_default(),
                ]
            })
            .collect();
        vec![io.table(
            &[
                "#",
                "TIME (UTC)",
                "BEFORE START",
                "SERVICE",
                "SOURCE",
                "CHANGE",
                "LINK",
            ],
            rows,
        )]
    }
}

/// `12 changes on checkout, web from 23:04 to 03:30 UTC (the incident began at 03:04 UTC)`.
fn heading(c: &Changes) -> String {
    let on = if c.named {
        c.services.join(", ")
    } else {
        format!(
            "every service ({}; none named: `inc service add NAME`)",
            c.services.join(", ")
        )
    };
    let count = match c.changes.len() {
        0 => "no changes".to_string(),
        1 => "1 change".to_string(),
        n => format!("{n} changes"),
    };
    format!(
        "{count} on {on} from {} to {} (the incident began at {})",
        messages::time(c.since),
        messages::time(c.until),
        messages::time(c.began_at)
    )
}

/// `inc changes`: the warnings, then the JSON document (each change with its number and how
/// long before the start) or the table, with a heading on stderr.
pub fn list(ctx: &Ctx, c: &Changes) -> CliResult {
    super::warnings(ctx);
    if ctx.io.json {
        let mut doc = serde_json::to_value(c).expect("outcomes serialise");
        if let Some(list) = doc["changes"].as_array_mut() {
            for (i, (item, ch)) in list.iter_mut().zip(&c.changes).enumerate() {
                item["n"] = json!(i + 1);
                item["before_start"] = json!(messages::before(ch.at, c.began_at));
                item["offset_seconds"] = json!(ch.at.as_second() - c.began_at.as_second());
            }
        }
        ctx.io.json_doc(&doc);
        return Ok(());
    }
    if c.sources.is_empty() {
        ctx.io.status(
            "no change source is configured for these services: name GitHub repositories or a \
             PagerDuty service in [changes.services], or rooms in [changes] announcements",
        );
        return Ok(());
    }
    ctx.io.status(&heading(c));
    if !c.changes.is_empty() {
        for line in c.human(&ctx.io) {
            ctx.io.out(&line);
        }
        ctx.io
            .status("`inc changes --cite N` records change N as a suspected cause");
    }
    Ok(())
}

impl Outcome for CitedOutcome {
    fn human(&self, _io: &Io) -> Vec<String> {
        vec![format!(
            "{} #{}: {}",
            if self.already {
                "already cited as a suspected cause"
            } else {
                "cited as a suspected cause"
            },
            self.number,
            self.change.summary
        )]
    }
    fn sent(&self) -> Option<(&[String], &[DeliveryResult])> {
        Some((&self.messages, &self.results))
    }
}

impl Outcome for ServicesAdded {
    fn human(&self, _io: &Io) -> Vec<String> {
        if self.added.is_empty() {
            return vec![format!("already affected: {}", self.services.join(", "))];
        }
        vec![format!(
            "affected service{} of {}: {}",
            if self.services.len() == 1 { "" } else { "s" },
            self.incident,
            self.services.join(", ")
        )]
    }
    fn sent(&self) -> Option<(&[String], &[DeliveryResult])> {
        Some((&self.messages, &self.results))
    }
}

/// The rows `inc status` shows under the roles: a heading, then the latest few changes.
pub fn status_rows(io: &Io, c: &AtAGlance) -> Vec<(&'static str, String)> {
    let mut rows = vec![(
        "changes",
        match c.total {
            0 => format!(
                "none on {} since {}",
                c.services.join(", "),
                messages::time(c.since)
            ),
            n => format!(
                "{n} on {} since {} (`inc changes` lists them)",
                c.services.join(", "),
                messages::time(c.since)
            ),
        },
    )];
    for ch in &c.latest {
        let mut line = format!(
            "{} {:<13} {} {} {}",
            when(ch, c.began_at),
            messages::before(ch.at, c.began_at),
            ch.service,
            ch.source,
            what(io, ch)
        );
        if let Some(u) = &ch.url {
            line.push_str(&format!(" {u}"));
        }
        rows.push(("", line));
    }
    rows
}
