//! One thin module per subcommand: parse, call shared code, render.

pub mod comms;
pub mod completions;
pub mod declare;
pub mod doctor;
pub mod email;
pub mod init;
pub mod list;
pub mod man;
pub mod note;
pub mod notify_exec;
pub mod oncall;
pub mod outbox;
pub mod page;
pub mod page_ic;
pub mod postmortem;
pub mod resolve;
pub mod role;
pub mod sev;
pub mod show;
pub mod status;

use serde_json::{Value, json};

use crate::ctx::Ctx;
use crate::deliver::{DeliveryResult, Report};
use crate::error::{CliError, CliResult};
use crate::model::Incident;
use crate::providers::{Delivery, pagerduty};

/// The deliveries that mirror `messages` about an incident: each as a note on its PagerDuty
/// incident (when `notes` and there is one). Chat adapters are not built yet; until then the
/// messages are shown to the user, as when no provider is configured.
pub(crate) fn mirrors(
    ctx: &Ctx,
    inc: &Incident,
    messages: &[String],
    notes: bool,
) -> Vec<Delivery> {
    let mut out = Vec::new();
    if !messages.is_empty() {
        let key = format!("inc-{}-{}-post", inc.id, inc.events.len());
        out.extend(crate::chat::room_posts(
            ctx,
            inc,
            &messages.join("\n"),
            &key,
        ));
    }
    if notes
        && ctx.has_pagerduty()
        && let Some(pd_id) = pd_incident(inc)
    {
        // The event's position in the journal keeps the key stable for this logical action.
        let n = inc.events.len();
        for (i, m) in messages.iter().enumerate() {
            out.push(pagerduty::add_note(
                pd_id,
                m,
                format!("inc-{}-{n}-note-{i}", inc.id),
                Some(&inc.id),
            ));
        }
    }
    if notes {
        out.extend(page_ic::opsgenie_notes(ctx, inc, messages));
    }
    out
}

/// The PagerDuty incident of an inc incident: the declared major incident, else the IC page.
pub(crate) fn pd_incident(inc: &Incident) -> Option<&str> {
    inc.find_ref(pagerduty::PROVIDER, "create_incident")
        .or_else(|| inc.find_ref(pagerduty::PROVIDER, "page_ic"))
        .and_then(|r| r.id.as_deref())
}

/// Ends a command that changed an incident: prints the human lines and the messages (or the
/// one JSON document with `messages` and `deliveries`), reports failures, and returns the exit
/// code the deliveries add up to.
pub(crate) fn finish(
    ctx: &Ctx,
    human: &[String],
    mut doc: Value,
    messages: &[String],
    results: Vec<DeliveryResult>,
) -> CliResult {
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
        let shown: &[String] = if crate::chat::configured(ctx) {
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
    ctx.report_failures(&report.results);
    report.exit()
}

/// The text of a note or TODO: the argument, or stdin for `-`; 1..=10,000 characters.
pub(crate) fn text_arg(ctx: &Ctx, text: &str, what: &str) -> CliResult<String> {
    let text = if text == "-" {
        ctx.io.read_stdin()?
    } else {
        text.to_string()
    };
    let text = text.trim().to_string();
    let n = text.chars().count();
    if n == 0 {
        return Err(CliError::usage(format!("{what} is empty")));
    }
    if n > 10_000 {
        return Err(CliError::usage(format!(
            "{what} is {n} characters; the limit is 10,000"
        )));
    }
    Ok(text)
}

/// A person as given (`me` is whoever runs inc).
pub(crate) fn person(ctx: &Ctx, given: &str, flag: &str) -> CliResult<String> {
    let given = given.trim();
    if given.is_empty() {
        return Err(CliError::usage(format!("{flag} is empty")));
    }
    if given.eq_ignore_ascii_case("me") {
        return Ok(ctx.me());
    }
    Ok(given.to_string())
}

/// Refuses to change an incident under `--dry-run` without saying so first.
pub(crate) fn dry_run_note(ctx: &Ctx, what: &str) {
    if ctx.dry_run() {
        ctx.io
            .status(&format!("dry run: would {what}; nothing written"));
    }
}
