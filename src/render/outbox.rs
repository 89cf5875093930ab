//! `inc outbox`: the waiting entries as a table, what each retry did (✔/✘), what was dropped.

use crate::ctx::Ctx;
use crate::deliver::{DeliveryResult, Interrupted, Report};
use crate::error::{CliError, CliResult, ErrorKind};
use crate::flows::outbox::{Dropped, Retried, Waiting};
use crate::io::Io;
use crate::messages;

use super::Outcome;

impl Outcome for Waiting {
    fn human(&self, io: &Io) -> Vec<String> {
        if self.outbox.is_empty() {
            return Vec::new();
        }
        let rows = self
            .outbox
            .iter()
            .map(|e| {
                let d = &e.delivery;
                vec![
                    e.id.clone(),
                    d.provider.clone(),
                    d.action.clone(),
                    d.target.clone(),
                    e.attempts.to_string(),
                    messages::time(e.first_failed_at),
                    e.error.clone(),
                ]
            })
            .collect();
        let headers = [
            "ID",
            "PROVIDER",
            "ACTION",
            "TARGET",
            "ATTEMPTS",
            "FIRST FAILED",
            "ERROR",
        ];
        vec![io.table(&headers, rows)]
    }
}

impl Outcome for Retried {
    fn human(&self, io: &Io) -> Vec<String> {
        self.deliveries
            .iter()
            .map(|r| {
                let what = match (&r.waits_for, r.attempts, &r.error) {
                    _ if r.ok => "delivered".to_string(),
                    (Some(place), _, _) => format!("waits for {place} to be created"),
                    (None, 0, Some(why)) => why.clone(),
                    _ => "still failing".to_string(),
                };
                format!(
                    "{} {} {} → {}: {what}",
                    io.tick(r.ok),
                    r.provider,
                    r.action,
                    r.target
                )
            })
            .collect()
    }
}

impl Outcome for Dropped {}

/// The JSON document, or the human lines (which `-q` does not silence: they are the data).
fn show<O: Outcome>(ctx: &Ctx, outcome: &O) {
    if ctx.io.json {
        ctx.io
            .json_doc(&serde_json::to_value(outcome).expect("outcomes serialise"));
    } else {
        for line in outcome.human(&ctx.io) {
            ctx.io.out(&line);
        }
    }
}

pub fn list(ctx: &Ctx, waiting: &Waiting) -> CliResult {
    if !ctx.io.json && waiting.outbox.is_empty() {
        ctx.io.status("the outbox is empty");
    }
    show(ctx, waiting);
    Ok(())
}

/// Also reports each entry still failing on stderr; the exit code is what the retries add up to.
pub fn retried(ctx: &Ctx, retried: &Retried) -> CliResult {
    if retried.deliveries.is_empty() {
        ctx.io.status("the outbox is empty");
    }
    show(ctx, retried);
    super::report_failures(ctx, &retried.deliveries);
    Report {
        results: retried.deliveries.clone(),
    }
    .exit()
}

pub fn dropped(ctx: &Ctx, dropped: &Dropped) -> CliResult {
    let n = dropped.dropped.len();
    if ctx.io.json {
        show(ctx, dropped);
    } else {
        ctx.io.status(&format!(
            "dropped {n} entr{}",
            if n == 1 { "y" } else { "ies" }
        ));
    }
    Ok(())
}

/// Ctrl-C during a wait: the terminal as it was (no spinner, the cursor shown), then what was
/// sent, what is not confirmed and what was not sent, and where the rest is kept; exit 130.
/// With `--json`, the one document is the error with the `deliveries`.
pub fn interrupted(ctx: &Ctx, i: &Interrupted) -> CliResult {
    super::progress::restore_terminal(ctx);
    let kept: Vec<&str> = i
        .unconfirmed
        .iter()
        .chain(&i.not_sent)
        .chain(&i.failed)
        .filter_map(|r| r.outbox.as_deref())
        .collect();
    let hint = match kept.len() {
        0 => None,
        n => Some(format!(
            "{n} kept in the outbox: `inc outbox retry` sends {}, or run the same command \
             again to finish (nothing is sent twice)",
            if n == 1 { "it" } else { "them" }
        )),
    };
    if ctx.io.json {
        // One line: a `status --watch --json` stopped mid-check stays one document per line.
        ctx.io.json_line(&serde_json::json!({
            "error": {
                "message": "interrupted (Ctrl-C)",
                "exit_code": ErrorKind::Cancelled.code(),
                "hints": hint.iter().collect::<Vec<_>>(),
            },
            "interrupted": true,
            "deliveries": i.all(),
        }));
        return Err(CliError::silent(ErrorKind::Cancelled));
    }
    let io = &ctx.io;
    io.say(&format!(
        "{} interrupted (Ctrl-C)",
        io.paint("error:", crate::io::Style::Fail)
    ));
    let line = |mark: String, what: &str, r: &DeliveryResult, why: Option<&str>| {
        let id =
            r.id.as_deref()
                .map(|id| format!(" ({id})"))
                .unwrap_or_default();
        let why = why.map(|w| format!(": {w}")).unwrap_or_default();
        format!(
            "  {mark} {what}: {} {} → {}{id}{why}",
            r.provider, r.action, r.target
        )
    };
    for r in &i.sent {
        io.say(&line(io.tick(true), "sent", r, None));
    }
    for r in &i.unconfirmed {
        io.say(&line(
            io.paint("?", crate::io::Style::Warn),
            "not confirmed",
            r,
            Some("asked, no answer yet"),
        ));
    }
    for r in &i.not_sent {
        io.say(&line(io.tick(false), "not sent", r, None));
    }
    for r in &i.failed {
        io.say(&line(io.tick(false), "failed", r, r.error.as_deref()));
    }
    if i.all().is_empty() {
        io.say("  nothing had been sent");
    }
    if let Some(h) = hint {
        io.say(&format!("{} {h}", io.paint("hint:", crate::io::Style::Dim)));
    }
    Err(CliError::silent(ErrorKind::Cancelled))
}
