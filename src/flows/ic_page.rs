//! The IC page as part of the shared record (SPEC "The page is part of the incident"): its key
//! is the same on every machine (PagerDuty refuses a second open IC page on `ic_service` and
//! inc reports the open one instead), it carries the inc marker from its creation, `declare`
//! on any machine adopts an open IC page of the last hour, and whether `ic_service`'s
//! escalation policy pages every IC schedule on its first level (`ic_page = "service"`: one
//! round trip) is checked by `inc doctor` and learned by `inc page-ic`, and kept in the cache.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::oncall::OnCall;
use crate::config::IcPageMode;
use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::CliResult;
use crate::model::{EventKind, Incident};
use crate::providers::{Delivery, Request, opsgenie, pagerduty};

/// An open IC page that nobody's incident knows is adopted (by `declare`) or reported (by
/// `page-ic`) when it was opened within this window; an older one is someone's forgotten page,
/// not this emergency's.
pub const WINDOW: Duration = Duration::from_secs(3600);

/// How long what `ic_service`'s escalation policy does stays known without a new check.
const POLICY_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

/// The keys of an IC page: PagerDuty's `incident_key` (or Events v2 `dedup_key`) and the
/// Opsgenie alias. The same on every machine for the same service and schedules; `--again`
/// makes a fresh one.
pub fn keys(
    pd_service: Option<&str>,
    og_schedules: &[String],
    again: bool,
    now: Timestamp,
) -> (String, String) {
    let pd = pagerduty::ic_page_key(pd_service.unwrap_or("events"));
    let og = opsgenie::ic_alias(og_schedules);
    if again {
        let fresh = crate::journal::new_id(now);
        (format!("{pd}-again-{fresh}"), format!("{og}-again-{fresh}"))
    } else {
        (pd, og)
    }
}

/// The marker an IC page carries from its creation: the incident it belongs to and the event
/// that started it (the `paging` of an IC page before any declaration, else the declaration).
pub fn marker(inc: &Incident) -> Option<String> {
    let start = inc.events.iter().find(|e| {
        matches!(
            e.kind,
            EventKind::Paging { .. } | EventKind::Declared { .. }
        )
    })?;
    Some(crate::model::wire::marker(&inc.id, start))
}

/// The PagerDuty incident ids and Opsgenie alert ids of the IC pages the incident already
/// knows: its own pages, and the pages it adopted or attached to.
pub fn known(inc: Option<&Incident>) -> Vec<String> {
    let Some(inc) = inc else { return Vec::new() };
    let mut ids: Vec<String> = inc
        .refs
        .iter()
        .filter(|r| matches!(r.action.as_str(), "page_ic" | "page_ic_event"))
        .filter_map(|r| r.id.clone())
        .collect();
    ids.extend(inc.linked.iter().map(|l| l.reference.clone()));
    ids
}

/// Did the pager report the page as already open (nobody paged twice)?
pub fn already(r: &DeliveryResult) -> bool {
    r.ok && r.note.as_deref().is_some_and(|n| n.starts_with("already"))
}

/// When the open page a pager reported was opened.
pub fn opened_at(r: &DeliveryResult) -> Option<Timestamp> {
    let body = &r.receipt.as_ref()?.body;
    body["incident"]["created_at"]
        .as_str()
        .or(body["createdAt"].as_str())
        .and_then(|t| t.parse().ok())
}

/// Opened within the window before `now` (a page "from the future", a clock apart, too).
pub fn recent(at: Timestamp, now: Timestamp) -> bool {
    now.as_second() - at.as_second() < WINDOW.as_secs() as i64
}

/// The same page under another key: the IC page that follows a forgotten open one
/// (`{key}-after-{its id}`, the same on every machine).
pub fn rekey(d: &mut Delivery, key: String) {
    if let Request::Http(h) = &mut d.request
        && let Some(b) = h.body.as_mut()
    {
        if b["incident"].is_object() {
            b["incident"]["incident_key"] = Value::String(key.clone());
        }
        if b["alias"].is_string() {
            b["alias"] = Value::String(key.clone());
        }
        if b["dedup_key"].is_string() {
            b["dedup_key"] = Value::String(key.clone());
        }
    }
    d.dedup_key = key;
}

// ---- What ic_service's escalation policy does ----

/// Whether `service`'s escalation policy pages every one of `schedules` on its first level,
/// as `inc doctor` checked it or `inc page-ic` learned it, and when.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Policy {
    pub service: String,
    pub schedules: Vec<String>,
    pub escalation_policy: Option<String>,
    pub level1: bool,
    pub checked_at: Timestamp,
}

fn policy_path(state_dir: &Path) -> PathBuf {
    state_dir.join("cache").join("pagerduty-ic-policy.json")
}

/// What is known of `service`'s policy for these schedules, if it was checked recently.
pub fn policy(
    state_dir: &Path,
    service: &str,
    schedules: &[String],
    now: Timestamp,
) -> Option<Policy> {
    let p: Policy = serde_json::from_slice(&std::fs::read(policy_path(state_dir)).ok()?).ok()?;
    let fresh = now.as_second() - p.checked_at.as_second() < POLICY_FOR.as_secs() as i64;
    (p.service == service && p.schedules == schedules && fresh).then_some(p)
}

pub fn store_policy(state_dir: &Path, p: &Policy) -> std::io::Result<()> {
    let path = policy_path(state_dir);
    std::fs::create_dir_all(path.parent().expect("cache dir"))?;
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    std::fs::write(&tmp, serde_json::to_vec_pretty(p).expect("json"))?;
    std::fs::rename(tmp, path)
}

/// How `page-ic` pages through PagerDuty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Look the ICs up, then open the incident assigned to them (two round trips).
    Assign,
    /// Open the incident on the service, whose policy pages every IC schedule on level 1; read
    /// who is on call beside it (one round trip).
    Service,
    /// An Events API v2 trigger (no `ic_service`): look up, then trigger.
    Events,
}

/// The mode of this page: `[pagerduty] ic_page` when set; by default one round trip once the
/// policy is known to page every IC schedule on level 1 (`inc doctor`, or an earlier page),
/// else lookup-then-assign. A drill pages its own service the same way.
pub fn mode(
    configured: Option<IcPageMode>,
    service: Option<&str>,
    drill: bool,
    state_dir: &Path,
    schedules: &[String],
    now: Timestamp,
) -> Mode {
    let Some(service) = service else {
        return Mode::Events;
    };
    let learned = || policy(state_dir, service, schedules, now).is_some_and(|p| p.level1);
    match configured {
        Some(IcPageMode::Service) if !drill => Mode::Service,
        Some(IcPageMode::Assign) => Mode::Assign,
        _ if learned() => Mode::Service,
        _ => Mode::Assign,
    }
}

/// Does policy `ep` page every schedule on its first level, by who is on call (each person's
/// escalation policy and level, as `GET /oncalls` gives them)?
pub fn level1_by_oncall(ep: &str, schedules: &[String], people: &[OnCall]) -> bool {
    !schedules.is_empty()
        && schedules.iter().all(|s| {
            people.iter().any(|p| {
                p.schedule_id.as_deref() == Some(s.as_str())
                    && p.escalation_policy_id.as_deref() == Some(ep)
                    && p.level == Some(1)
            })
        })
}

/// The schedules of `ic_schedules` that an escalation policy's first rule does not target,
/// from the policy as `GET /escalation_policies/{id}` gives it.
pub fn missing_on_level1(policy: &Value, schedules: &[String]) -> Vec<String> {
    let first = &policy["escalation_rules"][0]["targets"];
    schedules
        .iter()
        .filter(|s| {
            !first.as_array().into_iter().flatten().any(|t| {
                t["id"].as_str() == Some(s.as_str())
                    && t["type"]
                        .as_str()
                        .is_some_and(|k| k.starts_with("schedule"))
            })
        })
        .cloned()
        .collect()
}

// ---- An open IC page another machine opened, for `declare` to adopt ----

/// An open IC page on the IC service: what `declare` may adopt.
#[derive(Clone, Debug, Serialize)]
pub struct OpenPage {
    pub id: String,
    pub number: Option<u64>,
    pub title: String,
    pub url: Option<String>,
    pub created_at: Option<Timestamp>,
    pub status: String,
    pub acknowledged_by: Vec<String>,
}

impl OpenPage {
    fn of(v: &Value) -> Option<OpenPage> {
        Some(OpenPage {
            id: v["id"].as_str()?.to_string(),
            number: v["incident_number"].as_u64(),
            title: v["title"].as_str().unwrap_or_default().to_string(),
            url: v["html_url"].as_str().map(str::to_string),
            created_at: v["created_at"].as_str().and_then(|t| t.parse().ok()),
            status: v["status"].as_str().unwrap_or("triggered").to_string(),
            acknowledged_by: v["acknowledgements"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a["acknowledger"]["summary"].as_str().map(str::to_string))
                .collect(),
        })
    }
}

/// The open IC pages of the last hour on the IC service (a drill's: on `[drill] service`) that
/// `inc` is not part of yet, newest first. Quiet (empty) without PagerDuty, its token or an IC
/// service, and when PagerDuty cannot be read (a warning).
pub async fn open_pages(ctx: &Ctx, inc: &Incident) -> CliResult<Vec<OpenPage>> {
    let config = ctx.config()?;
    let Some(cfg) = &config.values.pagerduty else {
        return Ok(Vec::new());
    };
    let service = if inc.drill {
        config.values.drill.service.clone()
    } else {
        cfg.ic_service.clone()
    };
    let Some(service) = service else {
        return Ok(Vec::new());
    };
    let client = ctx.pagerduty()?;
    if client.token_problem().is_some() {
        return Ok(Vec::new());
    }
    let now = ctx.now();
    let since = now
        .checked_sub(SignedDuration::try_from(WINDOW).expect("an hour"))
        .unwrap_or(now);
    let timeout = config.values.delivery.timeout.0;
    let found = match tokio::time::timeout(timeout, client.open_ic_pages(&service, since)).await {
        Ok(Ok(list)) => list,
        Ok(Err(e)) => {
            ctx.warn(format!("could not look for an open IC page to adopt: {e}"));
            return Ok(Vec::new());
        }
        Err(_) => {
            ctx.warn("could not look for an open IC page to adopt: PagerDuty did not answer");
            return Ok(Vec::new());
        }
    };
    let known = known(Some(inc));
    Ok(found
        .iter()
        .filter_map(OpenPage::of)
        .filter(|p| !known.contains(&p.id))
        .filter(|p| p.title.starts_with(crate::messages::DRILL) == inc.drill)
        .filter(|p| p.created_at.is_none_or(|at| recent(at, now)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_the_same_on_every_machine_unless_again() {
        let s = vec!["IC Primary".to_string()];
        let now: Timestamp = "2026-11-26T03:04:05Z".parse().unwrap();
        let a = keys(Some("PICSRVC"), &s, false, now);
        assert_eq!(a, keys(Some("PICSRVC"), &s, false, now));
        assert_eq!(a.0, "inc-ic-page-PICSRVC");
        assert_eq!(a.1, "inc-ic-page-IC Primary");
        let again = keys(Some("PICSRVC"), &s, true, now);
        assert!(
            again.0.starts_with("inc-ic-page-PICSRVC-again-"),
            "{again:?}"
        );
        assert_ne!(again.0, a.0);
        assert!(pagerduty::is_ic_page_key(&again.0));
    }

    #[test]
    fn the_first_level_must_target_every_ic_schedule() {
        let ep = json!({ "escalation_rules": [
            { "targets": [ { "id": "PPRIMRY", "type": "schedule_reference" }, { "id": "PUX", "type": "user_reference" } ] },
            { "targets": [ { "id": "PBACKUP", "type": "schedule_reference" } ] },
        ] });
        let s = vec!["PPRIMRY".to_string(), "PBACKUP".to_string()];
        assert_eq!(missing_on_level1(&ep, &s), ["PBACKUP"]);
        assert_eq!(missing_on_level1(&json!({}), &s), s);
    }

    #[test]
    fn a_page_of_the_last_hour_is_recent() {
        let now: Timestamp = "2026-11-26T03:04:05Z".parse().unwrap();
        assert!(recent("2026-11-26T02:10:00Z".parse().unwrap(), now));
        assert!(recent("2026-11-26T03:10:00Z".parse().unwrap(), now));
        assert!(!recent("2026-11-26T01:04:04Z".parse().unwrap(), now));
    }
}
