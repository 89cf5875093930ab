//! The outbox: what is waiting, delivering it again (a delivered entry leaves the outbox), and
//! giving up on entries for good.

use serde::Serialize;

use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::{CliError, CliResult};
use crate::outbox::Entry;

/// What is waiting (`inc outbox list`).
#[derive(Serialize)]
pub struct Waiting {
    pub outbox: Vec<Entry>,
}

/// What a retry did: one result per entry tried, then the chat-room follow-ups it finished.
#[derive(Serialize)]
pub struct Retried {
    pub deliveries: Vec<DeliveryResult>,
}

/// The entries given up on.
#[derive(Serialize)]
pub struct Dropped {
    pub dropped: Vec<String>,
}

pub fn list(ctx: &Ctx) -> CliResult<Waiting> {
    Ok(Waiting {
        outbox: ctx.outbox()?.list(),
    })
}

/// The ids of every entry (`inc outbox drop --all`).
pub fn ids(ctx: &Ctx) -> CliResult<Vec<String>> {
    Ok(ctx.outbox()?.list().into_iter().map(|e| e.id).collect())
}

fn unknown(id: &str) -> CliError {
    CliError::usage(format!("no outbox entry '{id}' (`inc outbox list`)"))
}

/// Sends the entries again (all, or `ids`): a delivered entry leaves the outbox, a failing one
/// stays with its new error and attempts; under `--dry-run` nothing is sent and every entry stays.
pub async fn retry(ctx: &Ctx, ids: &[String]) -> CliResult<Retried> {
    let outbox = ctx.outbox()?;
    let mut entries = outbox.list();
    if !ids.is_empty() {
        if let Some(id) = ids.iter().find(|id| !entries.iter().any(|e| &e.id == *id)) {
            return Err(unknown(id));
        }
        entries.retain(|e| ids.contains(&e.id));
    }
    let sends = entries.iter().map(|e| ctx.redeliver(e.delivery.clone()));
    let results: Vec<_> = futures_util::future::join_all(sends)
        .await
        .into_iter()
        .collect::<CliResult<_>>()?;
    let now = ctx.now();
    let mut deliveries = Vec::new();
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
        deliveries.push(r);
    }
    // A chat room that failed to open at declare is finished now (topic, roster, pin): its
    // follow-up deliveries were never planned, so nothing else would send them.
    let opened: Vec<_> = deliveries.iter().filter(|r| r.ok).cloned().collect();
    for r in &opened {
        deliveries.extend(super::room::after_retry(ctx, r).await?);
    }
    Ok(Retried { deliveries })
}

/// Removes the entries for good (nothing under `--dry-run`); every id must exist.
pub fn drop(ctx: &Ctx, ids: Vec<String>) -> CliResult<Dropped> {
    let outbox = ctx.outbox()?;
    if let Some(id) = ids.iter().find(|id| outbox.get(id).is_none()) {
        return Err(unknown(id));
    }
    if !ctx.dry_run() {
        for id in &ids {
            outbox.remove(id)?;
        }
    }
    Ok(Dropped { dropped: ids })
}
