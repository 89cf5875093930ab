//! The outbox: what is waiting, delivering it again (a delivered entry leaves the outbox), and
//! giving up on entries for good.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::{CliError, CliResult};
use crate::outbox::down::{self, Marks};
use crate::outbox::{Entry, Outbox};
use crate::providers::SendError;

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

/// For `status --watch`, each check: a provider marked down that answers again is no longer
/// down, for every `inc` of this user. `read` names the providers this check's pull read
/// without a failure; any other provider marked down is asked once, briefly, with its
/// cheapest read (Slack `auth.test`, Matrix `whoami`, ...). One line per provider back, with
/// what waits for it in the outbox.
pub async fn recheck(ctx: &Ctx, read: &[&str]) -> Vec<String> {
    let Ok(config) = ctx.config() else {
        return Vec::new();
    };
    let marks = Marks::new(&config.state_dir);
    let mut lines = Vec::new();
    for mark in marks.list() {
        let answered = if mark.endpoint == mark.provider && read.contains(&mark.provider.as_str()) {
            true
        } else {
            let quick = down::QUICK_TRY.min(config.values.delivery.timeout.0);
            match tokio::time::timeout(quick, probe(ctx, &mark.endpoint)).await {
                Ok(Some(Err(SendError::Transient { .. }))) | Ok(None) | Err(_) => false,
                Ok(Some(_)) => true,
            }
        };
        if !answered || marks.clear(&mark.endpoint).is_none() {
            continue;
        }
        let waiting = ctx
            .outbox()
            .map(|o| {
                o.list()
                    .iter()
                    .filter(|e| down::endpoint(&e.delivery) == mark.endpoint)
                    .count()
            })
            .unwrap_or(0);
        let mut line = format!(
            "{} answers again (failing since {})",
            down::endpoint_name(&mark.endpoint),
            mark.since.strftime("%H:%M UTC")
        );
        if waiting > 0 {
            line.push_str(&format!(
                "; {waiting} waiting in the outbox: `inc outbox retry`"
            ));
        }
        lines.push(line);
    }
    lines
}

/// The cheapest read of an endpoint, to learn whether it answers; `None` when it has none (an
/// Events API, a webhook: a delivery clears those).
async fn probe(ctx: &Ctx, endpoint: &str) -> Option<Result<String, SendError>> {
    use crate::providers::{matrix, opsgenie, pagerduty, slack, statuspage};
    let asked = match endpoint {
        slack::PROVIDER => ctx.slack().ok()?.check().await,
        matrix::PROVIDER => ctx.matrix().ok()?.check().await,
        pagerduty::PROVIDER => ctx.pagerduty().ok()?.check().await,
        opsgenie::PROVIDER => ctx.opsgenie().ok()?.check().await,
        statuspage::PROVIDER => ctx.statuspage().ok()?.check().await,
        _ => return None,
    };
    Some(asked)
}

/// The ids of every entry (`inc outbox drop --all`).
pub fn ids(ctx: &Ctx) -> CliResult<Vec<String>> {
    Ok(ctx.outbox()?.list().into_iter().map(|e| e.id).collect())
}

fn unknown(id: &str) -> CliError {
    CliError::usage(format!("no outbox entry '{id}' (`inc outbox list`)"))
}

/// Sends the entries again (all, or `ids`): a delivered entry leaves the outbox, a failing one
/// stays with its new error and attempts; under `--dry-run` nothing is sent and every entry
/// stays.
///
/// In the order they were queued: entries for the same place go one after the other (places
/// concurrently), and after a transient failure the rest of that place waits for the next
/// retry, so a channel never gets the second note before the first. An entry that waits
/// behind the creation of its room goes once the room exists, after the room is finished
/// (topic, roster, pin), into the room's real id; while the creation still fails it stays,
/// untried.
pub async fn retry(ctx: &Ctx, ids: &[String]) -> CliResult<Retried> {
    let outbox = ctx.outbox()?;
    let all = outbox.list();
    let mut entries = all.clone();
    if !ids.is_empty() {
        if let Some(id) = ids.iter().find(|id| !entries.iter().any(|e| &e.id == *id)) {
            return Err(unknown(id));
        }
        entries.retain(|e| ids.contains(&e.id));
    }
    let queued: HashSet<&str> = all.iter().map(|e| e.delivery.dedup_key.as_str()).collect();
    let (behind, ready): (Vec<Entry>, Vec<Entry>) = entries
        .into_iter()
        .partition(|e| e.after.as_deref().is_some_and(|k| queued.contains(k)));
    let mut deliveries = Vec::new();
    // Entries whose room was created since (by a re-run `declare`): into its id, from the journal.
    let mut now_ready = Vec::new();
    for mut e in ready {
        match e.after.clone() {
            None => now_ready.push(e),
            Some(key) => match created_before(ctx, &e, &key) {
                Some(id) => {
                    crate::providers::retarget(&mut e.delivery, &id);
                    now_ready.push(e);
                }
                None => deliveries.push(never_created(e)),
            },
        }
    }
    deliveries.extend(send_in_order(ctx, &outbox, now_ready).await?);
    // A chat room that failed to open at declare is finished now (topic, roster, pin): its
    // follow-up deliveries were never planned, so nothing else would send them.
    let opened: Vec<_> = deliveries.iter().filter(|r| r.ok).cloned().collect();
    for r in &opened {
        deliveries.extend(super::room::after_retry(ctx, r).await?);
    }
    // Then what waited behind those rooms, into the rooms they are now.
    let made: HashMap<&str, &str> = opened
        .iter()
        .filter(|r| !r.dry_run)
        .filter_map(|r| Some((r.delivery.dedup_key.as_str(), r.id.as_deref()?)))
        .collect();
    let (go, stay): (Vec<Entry>, Vec<Entry>) = behind
        .into_iter()
        .partition(|e| e.after.as_deref().is_some_and(|k| made.contains_key(k)));
    let go = go
        .into_iter()
        .map(|mut e| {
            let id = e.after.as_deref().and_then(|k| made.get(k)).copied();
            if let Some(id) = id {
                crate::providers::retarget(&mut e.delivery, id);
            }
            e
        })
        .collect();
    deliveries.extend(send_in_order(ctx, &outbox, go).await?);
    let targets: HashMap<&str, &str> = all
        .iter()
        .map(|e| (e.delivery.dedup_key.as_str(), e.delivery.target.as_str()))
        .collect();
    for e in stay {
        let place = e
            .after
            .as_deref()
            .and_then(|k| targets.get(k))
            .map_or_else(|| "its room".to_string(), |t| t.to_string());
        deliveries.push(DeliveryResult {
            error: Some(format!("still waits for {place} to be created")),
            waits_for: Some(place),
            outbox: Some(e.id.clone()),
            ..DeliveryResult::pending(e.delivery, ctx.dry_run())
        });
    }
    Ok(Retried { deliveries })
}

/// Delivers what waited in the outbox behind the creation of one of `incident`'s rooms, now
/// that the room exists (a resumed `declare` made it): in order, into the room's id.
pub async fn release(ctx: &Ctx, incident: &str) -> CliResult<Vec<DeliveryResult>> {
    if ctx.dry_run() {
        return Ok(Vec::new());
    }
    let outbox = ctx.outbox()?;
    let all = outbox.list();
    let queued: HashSet<&str> = all.iter().map(|e| e.delivery.dedup_key.as_str()).collect();
    let mut go = Vec::new();
    for e in &all {
        let Some(key) = e.after.as_deref() else {
            continue;
        };
        if e.delivery.incident.as_deref() != Some(incident) || queued.contains(key) {
            continue;
        }
        if let Some(id) = created_before(ctx, e, key) {
            let mut e = e.clone();
            crate::providers::retarget(&mut e.delivery, &id);
            go.push(e);
        }
    }
    send_in_order(ctx, &outbox, go).await
}

/// The id of the room an entry waited for, when an earlier run created it (the incident's
/// journal records the creation with its dedup key).
fn created_before(ctx: &Ctx, e: &Entry, creation_key: &str) -> Option<String> {
    let inc = ctx.load(e.delivery.incident.as_deref()?).ok()?;
    inc.events.iter().rev().find_map(|ev| match &ev.kind {
        crate::model::EventKind::Delivery {
            ok: true,
            dedup_key: Some(k),
            id: Some(id),
            ..
        } if k == creation_key => Some(id.clone()),
        _ => None,
    })
}

/// An entry whose room was given up on (its creation dropped from the outbox): it stays, for
/// the user to drop (it has nowhere to go).
fn never_created(e: Entry) -> DeliveryResult {
    DeliveryResult {
        error: Some(format!(
            "{} was never created (its creation left the outbox): `inc outbox drop {}`",
            e.delivery.target, e.id
        )),
        outbox: Some(e.id.clone()),
        ..DeliveryResult::pending(e.delivery, false)
    }
}

/// Sends entries place by place, each place's in order, places concurrently; results in the
/// entries' order. A transient failure stops its place until the next retry; a refusal does
/// not (the next entry is not the same request).
async fn send_in_order(
    ctx: &Ctx,
    outbox: &Outbox,
    entries: Vec<Entry>,
) -> CliResult<Vec<DeliveryResult>> {
    let mut lanes: Vec<(String, Vec<(usize, Entry)>)> = Vec::new();
    for (i, e) in entries.into_iter().enumerate() {
        let lane = format!("{}\n{}", e.delivery.provider, e.delivery.target);
        match lanes.iter_mut().find(|(l, _)| *l == lane) {
            Some((_, v)) => v.push((i, e)),
            None => lanes.push((lane, vec![(i, e)])),
        }
    }
    let now = ctx.now();
    let runs = lanes.into_iter().map(|(_, lane)| async move {
        let mut out = Vec::new();
        let mut blocked: Option<String> = None;
        for (i, entry) in lane {
            if let Some(why) = &blocked {
                out.push((
                    i,
                    DeliveryResult {
                        error: Some(format!(
                            "not tried: an earlier delivery there still fails ({why})"
                        )),
                        outbox: Some(entry.id.clone()),
                        ..DeliveryResult::pending(entry.delivery, ctx.dry_run())
                    },
                ));
                continue;
            }
            let mut r = ctx.redeliver(entry.delivery.clone()).await?;
            if ctx.dry_run() {
                // Nothing was sent: the entry stays.
            } else if r.ok {
                outbox.remove(&entry.id)?;
            } else {
                outbox.put(
                    &r.delivery,
                    r.error.as_deref().unwrap_or("failed"),
                    r.attempts,
                    now,
                )?;
                r.outbox = Some(entry.id.clone());
                if matches!(r.failure, Some(SendError::Transient { .. })) {
                    blocked = r.error.clone();
                }
            }
            out.push((i, r));
        }
        Ok::<_, CliError>(out)
    });
    let mut results: Vec<(usize, DeliveryResult)> = Vec::new();
    for lane in futures_util::future::join_all(runs).await {
        results.extend(lane?);
    }
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// Removes the entries for good (nothing under `--dry-run`); every id must exist. What waits
/// behind a dropped entry (the posts for a room whose creation is dropped) has nowhere to go
/// and is dropped with it.
pub fn drop(ctx: &Ctx, ids: Vec<String>) -> CliResult<Dropped> {
    let outbox = ctx.outbox()?;
    if let Some(id) = ids.iter().find(|id| outbox.get(id).is_none()) {
        return Err(unknown(id));
    }
    let all = outbox.list();
    let mut dropped = ids;
    let mut i = 0;
    while i < dropped.len() {
        if let Some(e) = all.iter().find(|e| e.id == dropped[i]) {
            for behind in all
                .iter()
                .filter(|b| b.after.as_deref() == Some(e.delivery.dedup_key.as_str()))
            {
                if !dropped.contains(&behind.id) {
                    dropped.push(behind.id.clone());
                }
            }
        }
        i += 1;
    }
    if !ctx.dry_run() {
        for id in &dropped {
            outbox.remove(id)?;
        }
    }
    Ok(Dropped { dropped })
}
