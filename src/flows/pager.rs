//! The pager side of an incident's changes: `inc sev` retitles the PagerDuty incident with the
//! new `[SEV-N]`, keeps its urgency high for SEV-1/2, and sets the account's priority of the
//! same rank (P1 for SEV-1, ...) when the account has priorities (`GET /priorities`, cached for
//! a day beside the journal).

use std::time::Duration;

use serde_json::Value;

use crate::ctx::Ctx;
use crate::model::{Event, Incident};
use crate::providers::{Delivery, pagerduty};

const PRIORITIES_FOR: Duration = Duration::from_secs(24 * 3600);

/// The update of the major PagerDuty incident after a severity change, if there is one.
pub async fn severity_update(ctx: &Ctx, inc: &Incident, event: &Event) -> Option<Delivery> {
    if !ctx.has_pagerduty() {
        return None;
    }
    let pd_id = inc
        .find_ref(pagerduty::PROVIDER, "create_incident")
        .and_then(|r| r.id.clone())
        .or_else(|| {
            inc.linked
                .iter()
                .find(|l| l.provider == pagerduty::PROVIDER)
                .map(|l| l.reference.clone())
        })?;
    let rank = usize::from(inc.severity.number());
    let priority = priorities(ctx)
        .await
        .get(rank - 1)
        .and_then(|p| p["id"].as_str().map(str::to_string));
    Some(pagerduty::update_incident(
        &pd_id,
        &crate::messages::tagged(inc, &format!("[{}] {}", inc.severity, inc.public_name())),
        pagerduty::urgency(inc.severity),
        priority.as_deref(),
        format!(
            "inc-{}-{}-pd-update",
            inc.id,
            event.id.as_deref().unwrap_or("sev")
        ),
        Some(&inc.id),
    ))
}

/// The account's priorities, highest first: from the cache when it is fresh, else asked (and
/// cached). An account without priorities, or a failed read, is an empty list.
async fn priorities(ctx: &Ctx) -> Vec<Value> {
    let Ok(config) = ctx.config() else {
        return Vec::new();
    };
    let path = config
        .state_dir
        .join("cache")
        .join("pagerduty-priorities.json");
    let fresh = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age < PRIORITIES_FOR));
    if fresh
        && let Some(list) = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Vec<Value>>(&b).ok())
    {
        return list;
    }
    let Ok(client) = ctx.pagerduty() else {
        return Vec::new();
    };
    let timeout = config.values.delivery.timeout.0;
    match tokio::time::timeout(timeout, client.priorities()).await {
        Ok(Ok(list)) => {
            if !ctx.dry_run()
                && let Some(dir) = path.parent()
                && std::fs::create_dir_all(dir).is_ok()
            {
                let _ = std::fs::write(&path, serde_json::to_vec(&list).expect("json"));
            }
            list
        }
        Ok(Err(e)) => {
            ctx.warn(format!("PagerDuty priorities could not be read: {e}"));
            Vec::new()
        }
        Err(_) => {
            ctx.warn("PagerDuty priorities could not be read: timed out");
            Vec::new()
        }
    }
}
