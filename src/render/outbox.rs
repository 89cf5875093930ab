//! `inc outbox`: the waiting entries as a table, what each retry did (✔/✘), what was dropped.

use crate::ctx::Ctx;
use crate::deliver::Report;
use crate::error::CliResult;
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
                let what = if r.ok { "delivered" } else { "still failing" };
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
