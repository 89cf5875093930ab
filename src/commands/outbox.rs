//! `inc outbox`: deliveries that could not be delivered yet.

use serde_json::json;

use crate::ctx::Ctx;
use crate::deliver::Report;
use crate::error::{CliError, CliResult};
use crate::messages;

/// Messages that could not be delivered, kept until delivered or dropped
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// List what is waiting
    List,
    /// Try to deliver again (all, or the given ids); delivered entries leave the outbox
    Retry {
        /// Outbox ids [default: all]
        ids: Vec<String>,
    },
    /// Give up on entries for good
    Drop {
        /// Outbox ids
        #[arg(required_unless_present = "all")]
        ids: Vec<String>,
        /// Drop every entry (asks on a terminal unless --yes)
        #[arg(long, conflicts_with = "ids")]
        all: bool,
    },
}

pub async fn run(ctx: &Ctx, cmd: Command) -> CliResult {
    let outbox = ctx.outbox()?;
    match cmd {
        Command::List => {
            let entries = outbox.list();
            if ctx.io.json {
                ctx.io.json_doc(&json!({ "outbox": entries }));
            } else if entries.is_empty() {
                ctx.io.status("the outbox is empty");
            } else {
                let rows = entries
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
                ctx.io.out(&ctx.io.table(
                    &[
                        "ID",
                        "PROVIDER",
                        "ACTION",
                        "TARGET",
                        "ATTEMPTS",
                        "FIRST FAILED",
                        "ERROR",
                    ],
                    rows,
                ));
            }
            Ok(())
        }
        Command::Retry { ids } => {
            let mut entries = outbox.list();
            if !ids.is_empty() {
                for id in &ids {
                    if !entries.iter().any(|e| &e.id == id) {
                        return Err(CliError::usage(format!(
                            "no outbox entry '{id}' (`inc outbox list`)"
                        )));
                    }
                }
                entries.retain(|e| ids.contains(&e.id));
            }
            if entries.is_empty() {
                ctx.io.status("the outbox is empty");
                if ctx.io.json {
                    ctx.io.json_doc(&json!({ "deliveries": [] }));
                }
                return Ok(());
            }
            let sends = entries.iter().map(|e| ctx.redeliver(e.delivery.clone()));
            let results: Vec<_> = futures_util::future::join_all(sends)
                .await
                .into_iter()
                .collect::<CliResult<_>>()?;
            let now = ctx.now();
            let mut report = Report::default();
            for (entry, mut r) in entries.into_iter().zip(results) {
                if ctx.dry_run() {
                    // Nothing was sent: the entry stays.
                } else if r.ok {
                    outbox.remove(&entry.id)?;
                } else {
                    outbox.put(
                        &entry.delivery,
                        r.error.as_deref().unwrap_or("failed"),
                        r.attempts,
                        now,
                    )?;
                    r.outbox = Some(entry.id.clone());
                }
                report.results.push(r);
            }
            // A chat room that failed to open at declare is finished now (topic, roster, pin):
            // its follow-up deliveries were never planned, so nothing else would send them.
            let opened: Vec<_> = report.results.iter().filter(|r| r.ok).cloned().collect();
            for r in &opened {
                report
                    .results
                    .extend(crate::flows::room::after_retry(ctx, r).await?);
            }
            if ctx.io.json {
                ctx.io.json_doc(&json!({ "deliveries": report.json() }));
            } else {
                for r in &report.results {
                    let what = if r.ok { "delivered" } else { "still failing" };
                    ctx.io.out(&format!(
                        "{} {} {} → {}: {what}",
                        ctx.io.tick(r.ok),
                        r.provider,
                        r.action,
                        r.target
                    ));
                }
            }
            crate::render::report_failures(ctx, &report.results);
            report.exit()
        }
        Command::Drop { ids, all } => {
            let ids: Vec<String> = if all {
                outbox.list().into_iter().map(|e| e.id).collect()
            } else {
                ids
            };
            if all && !ctx.global.yes && !ctx.dry_run() {
                match ctx.prompter() {
                    Some(p) => {
                        if !p.confirm(
                            &format!("Drop all {} undelivered messages for good?", ids.len()),
                            false,
                        )? {
                            return Err(CliError::cancelled());
                        }
                    }
                    None => {
                        return Err(CliError::usage(
                            "--all drops every undelivered message: add --yes to confirm",
                        ));
                    }
                }
            }
            for id in &ids {
                if outbox.get(id).is_none() {
                    return Err(CliError::usage(format!(
                        "no outbox entry '{id}' (`inc outbox list`)"
                    )));
                }
            }
            if !ctx.dry_run() {
                for id in &ids {
                    outbox.remove(id)?;
                }
            }
            if ctx.io.json {
                ctx.io.json_doc(&json!({ "dropped": ids }));
            } else {
                ctx.io.status(&format!(
                    "dropped {} entr{}",
                    ids.len(),
                    if ids.len() == 1 { "y" } else { "ies" }
                ));
            }
            Ok(())
        }
    }
}
