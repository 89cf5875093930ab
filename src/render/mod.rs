//! The renderer: the human lines, tables, ✔/✘ marks, colours and the `--json` document of each
//! outcome come from here, so that a command's human and JSON output cannot disagree. Commands
//! hand their flow's outcome to it; flows never print.

pub mod attach;
pub mod bot;
pub mod changes;
pub mod comms;
pub mod declare;
pub mod doctor;
pub mod email;
pub mod exec;
pub mod init;
pub mod outbox;
pub mod paging;
pub mod postmortem;
pub mod progress;
pub mod resolve;
pub mod status;
pub mod timeline;

use serde::Serialize;
use serde_json::{Value, json};

use crate::ctx::Ctx;
use crate::deliver::{DeliveryResult, Report};
use crate::error::CliResult;
use crate::io::Io;
use crate::providers::Delivery;

/// The outcome of a flow, as the renderer shows it. Its `Serialize` is the `--json` document.
pub trait Outcome: Serialize {
    /// The human lines on stdout (data), given the terminal's facts (colour, marks).
    fn human(&self, _io: &Io) -> Vec<String> {
        Vec::new()
    }
    /// For an outcome that sent something: the words posted and what each delivery did.
    fn sent(&self) -> Option<(&[String], &[DeliveryResult])> {
        None
    }
}

/// Shows an outcome: one JSON document with `--json`, else its human lines; for an outcome that
/// sent something, also the deliveries, the failures on stderr, and the exit code they add up to.
pub fn emit<O: Outcome>(ctx: &Ctx, outcome: &O) -> CliResult {
    let doc = serde_json::to_value(outcome).expect("outcomes serialise");
    let human = outcome.human(&ctx.io);
    match outcome.sent() {
        Some((messages, results)) => finish(ctx, &human, doc, messages, results.to_vec()),
        None => {
            warnings(ctx);
            if ctx.io.json {
                ctx.io.json_doc(&doc);
            } else if !ctx.io.quiet {
                for line in &human {
                    ctx.io.out(line);
                }
            }
            Ok(())
        }
    }
}

/// Prints the warnings flows left on the context (stderr), once; under `--dry-run`, first what
/// would have been sent (stdout), once.
pub fn warnings(ctx: &Ctx) {
    let would = ctx.take_would_send();
    if !ctx.io.json {
        for d in &would {
            ctx.io.out(&dry_run_text(d));
        }
    }
    for w in ctx.take_warnings() {
        ctx.io.warn(&w);
    }
}

/// Ends a command that changed an incident: prints the human lines and the messages (or the
/// one JSON document with `messages` and `deliveries`), reports failures, and returns the exit
/// code the deliveries add up to.
pub fn finish(
    ctx: &Ctx,
    human: &[String],
    mut doc: Value,
    messages: &[String],
    results: Vec<DeliveryResult>,
) -> CliResult {
    warnings(ctx);
    let report = Report { results };
    if ctx.io.json {
        doc["messages"] = json!(messages);
        doc["deliveries"] = report.json();
        if ctx.dry_run() {
            doc["dry_run"] = json!(true);
            doc["requests"] = json!(
                report
                    .results
                    .iter()
                    .map(|r| &r.delivery)
                    .collect::<Vec<_>>()
            );
        }
        ctx.io.json_doc(&doc);
    } else if !ctx.io.quiet {
        // Without a chat provider the local console is the incident room.
        let shown: &[String] = if crate::flows::room::configured(ctx) {
            &[]
        } else {
            messages
        };
        for line in human.iter().chain(shown) {
            ctx.io.out(line);
        }
        for r in report.results.iter().filter(|r| r.ok && !r.dry_run) {
            let link = r
                .url
                .as_deref()
                .map(|u| format!(" {u}"))
                .unwrap_or_default();
            ctx.io.status(&format!(
                "{} {} {} → {}{link}",
                ctx.io.tick(true),
                r.provider,
                r.action,
                r.target
            ));
        }
    }
    report_failures(ctx, &report.results);
    report.exit()
}

/// Prints each failed delivery on stderr with where it is kept.
pub fn report_failures(ctx: &Ctx, results: &[DeliveryResult]) {
    for r in results.iter().filter(|r| !r.ok) {
        let entry = r.outbox.as_deref().unwrap_or("?");
        if let Some(since) = &r.failing_since {
            ctx.io.warn(&format!(
                "{} {} → {}: {since}: queued as {entry} (`inc outbox retry`)",
                r.provider, r.action, r.target
            ));
            continue;
        }
        if let Some(place) = &r.waits_for {
            ctx.io.warn(&format!(
                "{} {} → {}: waits in the outbox as {entry} behind the creation of {place}: \
                 `inc outbox retry` creates it, then delivers this",
                r.provider, r.action, r.target
            ));
            continue;
        }
        let kept = match &r.outbox {
            Some(id) => format!(" (kept in the outbox as {id}; `inc outbox retry`)"),
            None => String::new(),
        };
        ctx.io.warn(&format!(
            "{} {} → {}: {}{kept}",
            r.provider,
            r.action,
            r.target,
            r.error.as_deref().unwrap_or("failed")
        ));
    }
}

/// What `--dry-run` prints for one delivery.
pub fn dry_run_text(d: &Delivery) -> String {
    let h = match &d.request {
        crate::providers::Request::Http(h) => h,
        crate::providers::Request::Email(m) => {
            return format!(
                "would send: {} {} → {}\n  From: {}\n  To: {}\n  Subject: {}\n  Message-ID: {}\n\n{}",
                d.provider,
                d.action,
                d.target,
                m.from,
                m.to.join(", "),
                m.subject,
                m.message_id,
                m.body
            );
        }
    };
    // `base` names a configured URL (`api`, `events`, `webhook`), never the URL itself: a
    // webhook's URL is a secret.
    let place = if h.path.is_empty() {
        format!("the {} {} URL", d.provider, h.base)
    } else {
        format!("{}:{}", h.base, h.path)
    };
    let mut s = format!(
        "would send: {} {} → {}\n  {} {place}",
        d.provider, d.action, d.target, h.method
    );
    if let Some(body) = &h.body {
        s.push_str("\n  ");
        s.push_str(&serde_json::to_string(body).expect("json"));
    }
    s
}
