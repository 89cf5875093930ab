//! Reading an incident: `inc status` (the incident at a glance, with its PagerDuty incident, whose
//! acknowledgements it journals), `inc show`, `inc timeline` and `inc list`. One entry point per
//! reading, each returning a typed outcome.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::config::{Cadence, Source, format_duration};
use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::messages;
use crate::model::{Event, EventKind, Incident, Role, Severity, Todo};
use crate::providers::pagerduty;

/// What `inc status` is asked.
pub struct Request {
    /// `--interval`, else `[cadence] status_interval`.
    pub interval: Option<Duration>,
    /// `--post`: changes go to the incident room, which needs a chat provider.
    pub post: bool,
}

/// `inc status`: the incident at a glance, and the interval `--watch` checks at.
#[derive(Serialize)]
pub struct StatusOutcome {
    #[serde(flatten)]
    pub glance: Glance,
    #[serde(serialize_with = "as_duration")]
    pub interval: Duration,
    pub interval_source: Source,
}

/// The incident at a glance, as of one check.
#[derive(Serialize)]
pub struct Glance {
    /// The public status-page incident and its cadence (null before anything was posted).
    pub public: Value,
    pub incident: Incident,
    pub elapsed_seconds: i64,
    pub open_todos: Vec<Todo>,
    pub last_exec_update: Option<Timestamp>,
    /// SEV-1: when the next executive update is due.
    pub next_exec_update_due: Option<Timestamp>,
    pub reminders: Vec<Reminder>,
    /// The PagerDuty incident's state (null without one).
    pub pagerduty: Option<Paging>,
    /// What changed on the affected services, the latest few (absent when no change source
    /// is configured).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<super::changes::AtAGlance>,
    /// The lines `--watch` compares between checks (elapsed time is left out: it always
    /// changes): severity, state, roles, paging, TODOs, notes, public status, exec cadence.
    #[serde(skip)]
    pub fields: Vec<(&'static str, String)>,
}

/// A reminder from `[cadence]`, keyed so `--watch` says it once. Its JSON is its text.
pub struct Reminder {
    pub key: String,
    pub text: String,
}

impl Serialize for Reminder {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.text.serialize(s)
    }
}

/// The PagerDuty incident as `inc status` shows it.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Paging {
    Unreadable {
        error: String,
    },
    Read {
        id: Value,
        url: Value,
        status: String,
        acknowledged_by: Vec<String>,
        responders: Vec<String>,
    },
}

fn as_duration<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    format_duration(*d).serialize(s)
}

/// `inc status`: checks the request, reads the current incident and its PagerDuty incident
/// (journaling new acknowledgements), and sums it up.
pub async fn load(ctx: &Ctx, req: &Request) -> CliResult<StatusOutcome> {
    let config = ctx.config()?;
    let (interval, interval_source) = match req.interval {
        Some(d) => (d, Source::Flag("--interval".into())),
        None => (
            config.values.cadence.status_interval.0,
            config.source_of("cadence.status_interval"),
        ),
    };
    if interval.is_zero() {
        return Err(CliError::usage("--interval must be more than 0"));
    }
    if req.post && !super::room::configured(ctx) {
        return Err(CliError::config(
            "--post needs a chat provider: configure [slack], [matrix] or [webhooks]",
        ));
    }
    let inc = ctx.current_incident()?;
    // What changed is read beside the sync (they share the wait); with no change source
    // configured nothing is read.
    let (inc, changes) = if super::changes::configured(ctx) {
        let req = super::changes::Request::default();
        let (inc, c) = super::changes::alongside_sync(ctx, inc, &req, false).await?;
        (inc, Some(c))
    } else {
        (super::sync::refresh(ctx, inc).await?.0, None)
    };
    let pager = read_pager(ctx, &inc).await;
    let mut glance = glance(inc, ctx.now(), &config.values.cadence, &pager);
    with_changes(&mut glance, changes.as_ref());
    Ok(StatusOutcome {
        glance,
        interval,
        interval_source,
    })
}

/// What changed, for a `--watch` check: a reading under a minute old is reused, and only what
/// was read now is warned about. `None` when no change source is configured.
pub async fn read_changes(ctx: &Ctx, inc: &Incident) -> Option<super::changes::Changes> {
    if !super::changes::configured(ctx) {
        return None;
    }
    let req = super::changes::Request::default();
    match super::changes::read(ctx, inc, &req, true).await {
        Ok(c) => Some(c),
        Err(e) => {
            ctx.warn(format!("could not read what changed: {}", e.message));
            None
        }
    }
}

/// Puts what changed into the glance: the latest few, and a `latest change` line under the
/// roles that `--watch` compares (a new change is said once).
pub fn with_changes(g: &mut Glance, changes: Option<&super::changes::Changes>) {
    let Some(c) = changes else { return };
    let line = match c.changes.first() {
        Some(newest) => messages::change(newest, c.began_at),
        None => "none".into(),
    };
    let roles = [
        "ic",
        "deputy",
        "scribe",
        "customer liaison",
        "internal liaison",
        "sme",
    ];
    let at = g
        .fields
        .iter()
        .rposition(|(k, _)| roles.contains(k))
        .map_or(g.fields.len(), |i| i + 1);
    g.fields.insert(at, ("latest change", line));
    g.changes = Some(c.at_a_glance());
}

/// The incident's PagerDuty incident, read (`None` without one, `Err` when it cannot be read),
/// with the acknowledgements PagerDuty reports journaled.
pub async fn read_pager(ctx: &Ctx, inc: &Incident) -> Option<Result<Value, String>> {
    let pager = pager_state(ctx, inc).await;
    if pager.is_some() {
        journal_acks(ctx, inc, &pager).await;
    }
    pager
}

/// The PagerDuty incident's state, when there is one: `Err` when it cannot be read.
async fn pager_state(ctx: &Ctx, inc: &Incident) -> Option<Result<Value, String>> {
    let pd_id = super::pd_incident(inc)?;
    if !ctx.has_pagerduty() {
        return None;
    }
    let client = match ctx.pagerduty() {
        Ok(c) => c,
        Err(e) => return Some(Err(e.message)),
    };
    let timeout = ctx.config().ok()?.values.delivery.timeout.0;
    Some(
        match tokio::time::timeout(timeout, client.incident(pd_id)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("timed out".into()),
        },
    )
}

/// Journals the acknowledgements PagerDuty reports (on the major incident and on the IC page)
/// that the journal does not have yet, at PagerDuty's time, so the post-mortem timeline shows
/// who acknowledged and when.
async fn journal_acks(ctx: &Ctx, inc: &Incident, major: &Option<Result<Value, String>>) {
    let mut seen: Vec<Value> = Vec::new();
    if let Some(Ok(v)) = major {
        seen.push(v.clone());
    }
    let page = inc
        .find_ref(pagerduty::PROVIDER, "page_ic")
        .and_then(|r| r.id.clone());
    if let Some(page_id) = page
        && Some(page_id.as_str()) != super::pd_incident(inc).filter(|_| major.is_some())
        && let Ok(client) = ctx.pagerduty()
        && let Ok(timeout) = ctx.config().map(|c| c.values.delivery.timeout.0)
        && let Ok(Ok(v)) = tokio::time::timeout(timeout, client.incident(&page_id)).await
    {
        seen.push(v);
    }
    for pd in &seen {
        let pd_id = pd["id"].as_str().map(str::to_string);
        for a in pd["acknowledgements"].as_array().into_iter().flatten() {
            let by = a["acknowledger"]["summary"]
                .as_str()
                .unwrap_or("someone")
                .to_string();
            let Some(at) = a["at"].as_str().and_then(|t| t.parse::<Timestamp>().ok()) else {
                continue;
            };
            // The same acknowledgement may already be here from PagerDuty's log (a sync).
            let known = inc.events.iter().any(|e| {
                (e.at.as_second() - at.as_second()).abs() <= 2
                    && matches!(&e.kind, EventKind::Acknowledged { who, incident: i, .. } if *who == by && *i == pd_id)
            });
            if !known
                && let Err(e) = ctx.record_at(
                    &inc.id,
                    at,
                    EventKind::Acknowledged {
                        provider: pagerduty::PROVIDER.into(),
                        who: by,
                        incident: pd_id.clone(),
                    },
                )
            {
                ctx.warn(format!(
                    "could not journal an acknowledgement: {}",
                    e.message
                ));
            }
        }
    }
}

fn paging(
    pager: &Option<Result<Value, String>>,
    fields: &mut Vec<(&'static str, String)>,
) -> Option<Paging> {
    match pager.as_ref()? {
        Err(e) => {
            fields.push(("pagerduty", format!("unreadable: {e}")));
            Some(Paging::Unreadable { error: e.clone() })
        }
        Ok(pd) => {
            let name = |v: &Value| {
                v["summary"]
                    .as_str()
                    .or(v["name"].as_str())
                    .unwrap_or("?")
                    .to_string()
            };
            let acked: Vec<String> = pd["acknowledgements"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| name(&a["acknowledger"]))
                .collect();
            let responders: Vec<String> = pd["incidents_responders"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    format!(
                        "{} ({})",
                        name(&r["user"]),
                        r["state"].as_str().unwrap_or("?")
                    )
                })
                .collect();
            let status = pd["status"].as_str().unwrap_or("unknown").to_string();
            fields.push(("pagerduty", status.clone()));
            fields.push((
                "acknowledged by",
                if acked.is_empty() {
                    "—".into()
                } else {
                    acked.join(", ")
                },
            ));
            if !responders.is_empty() {
                fields.push(("responders", responders.join(", ")));
            }
            Some(Paging::Read {
                id: pd["id"].clone(),
                url: pd["html_url"].clone(),
                status,
                acknowledged_by: acked,
                responders,
            })
        }
    }
}

/// The incident at a glance at `now`, given its PagerDuty incident as read.
pub fn glance(
    inc: Incident,
    now: Timestamp,
    cadence: &Cadence,
    pager: &Option<Result<Value, String>>,
) -> Glance {
    let secs = |d: Duration| d.as_secs() as i64;
    let end = inc.resolved_at.unwrap_or(now);
    let elapsed = end.as_second() - inc.declared_at.as_second();
    let who = |r: Role| {
        inc.roles
            .get(&r)
            .filter(|v| !v.is_empty())
            .map(|v| v.join(", "))
            .unwrap_or_else(|| "—".into())
    };
    let mut fields = vec![
        ("incident", inc.id.clone()),
        ("title", inc.title.clone()),
        ("severity", inc.severity.to_string()),
        ("state", inc.state().to_string()),
        ("ic", who(Role::Ic)),
        ("deputy", who(Role::Deputy)),
        ("scribe", who(Role::Scribe)),
    ];
    for r in [Role::Cl, Role::Il, Role::Sme] {
        if inc.roles.get(&r).is_some_and(|v| !v.is_empty()) {
            fields.push((role_key(r), who(r)));
        }
    }
    let pagerduty = paging(pager, &mut fields);
    fields.push(("todos", inc.todos.len().to_string()));
    fields.push(("notes", inc.notes.to_string()));
    if let Some(pm) = &inc.postmortem {
        fields.push(("post-mortem", pm.path_or_url.clone()));
    }
    let mut reminders = Vec::new();
    let mut exec_due = None;
    if inc.is_open() {
        let callout = secs(cadence.elapsed_callout.0).max(1);
        let n = elapsed / callout;
        if n >= 1 {
            reminders.push(Reminder {
                key: format!("callout:{n}"),
                text: format!(
                    "{} elapsed since the incident was declared (time callout)",
                    messages::elapsed(n * callout)
                ),
            });
        }
        if inc.severity.number() == 1 {
            let since = inc.last_exec_update.unwrap_or(inc.declared_at);
            let due = Timestamp::from_second(since.as_second() + secs(cadence.exec_update.0))
                .unwrap_or(since);
            exec_due = Some(due);
            if now >= due {
                reminders.push(Reminder {
                    key: format!("exec:{}", due.as_second()),
                    text: format!(
                        "executive update due since {} (SEV-1: every {})",
                        messages::time(due),
                        format_duration(cadence.exec_update.0)
                    ),
                });
            }
        }
        if let (Some(ic), Some(since)) = (inc.holder(Role::Ic), inc.ic_since) {
            let on = now.as_second() - since.as_second();
            if on >= secs(cadence.handover.0) {
                reminders.push(Reminder {
                    key: format!("handover:{}", since.as_second()),
                    text: format!(
                        "{ic} has been IC for {}: plan a handover (`inc handover USER`)",
                        messages::elapsed(on)
                    ),
                });
            }
        }
    }
    let public = super::comms::cadence(&inc, now, cadence);
    fields.extend(public.fields);
    reminders.extend(
        public
            .reminders
            .into_iter()
            .map(|(key, text)| Reminder { key, text }),
    );
    if let Some(d) = exec_due {
        fields.push(("next exec update", messages::time(d)));
    }
    Glance {
        public: public.doc,
        elapsed_seconds: elapsed,
        open_todos: inc.todos.clone(),
        last_exec_update: inc.last_exec_update,
        next_exec_update_due: exec_due,
        incident: inc,
        reminders,
        pagerduty,
        changes: None,
        fields,
    }
}

fn role_key(r: Role) -> &'static str {
    match r {
        Role::Cl => "customer liaison",
        Role::Il => "internal liaison",
        Role::Sme => "sme",
        Role::Ic => "ic",
        Role::Deputy => "deputy",
        Role::Scribe => "scribe",
    }
}

/// `inc show`: an incident and its TODOs.
#[derive(Serialize)]
pub struct ShowOutcome {
    pub incident: Incident,
    pub todos: Vec<Todo>,
    /// What was delivered where, one entry per provider (not one row per delivery).
    pub places: Vec<Place>,
}

/// One provider's part of an incident: the places inc opened or published there, and how many
/// deliveries of each kind went through.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Place {
    pub provider: String,
    /// The incidents, channels, rooms and pages inc opened (their URL, else `name (id)`).
    pub opened: Vec<String>,
    /// Delivered: action → how many.
    pub delivered: BTreeMap<String, usize>,
    /// Failed (still in the outbox or dropped): action → how many.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub failed: BTreeMap<String, usize>,
}

/// The deliveries of an incident grouped by provider, in the order each provider was first used.
pub fn places(inc: &Incident) -> Vec<Place> {
    const OPENING: &[&str] = &[
        "create_incident",
        "page_ic",
        "create_channel",
        "create_room",
        "join_room",
        "publish_postmortem",
    ];
    let mut out: Vec<Place> = Vec::new();
    for e in &inc.events {
        let EventKind::Delivery {
            provider,
            action,
            target,
            ok,
            id,
            url,
            ..
        } = &e.kind
        else {
            continue;
        };
        let at = match out.iter().position(|p| &p.provider == provider) {
            Some(i) => i,
            None => {
                out.push(Place {
                    provider: provider.clone(),
                    opened: Vec::new(),
                    delivered: BTreeMap::new(),
                    failed: BTreeMap::new(),
                });
                out.len() - 1
            }
        };
        let place = &mut out[at];
        let counts = if *ok {
            &mut place.delivered
        } else {
            &mut place.failed
        };
        *counts.entry(action.clone()).or_default() += 1;
        if *ok && OPENING.contains(&action.as_str()) {
            let shown = match (url, id) {
                (Some(u), _) => u.clone(),
                (None, Some(i)) if i != target => format!("{target} ({i})"),
                (None, Some(i)) => i.clone(),
                (None, None) => target.clone(),
            };
            if !place.opened.contains(&shown) {
                place.opened.push(shown);
            }
        }
    }
    out
}

/// `inc timeline`: an incident's events, oldest first (all of them in `--json`).
#[derive(Serialize)]
pub struct TimelineOutcome {
    pub incident: String,
    pub timeline: Vec<Event>,
    /// `--all`: people read the per-provider delivery records too.
    #[serde(skip)]
    pub all: bool,
}

/// `inc list`: the incidents in the local journal, newest first.
#[derive(Serialize)]
pub struct ListOutcome {
    pub incidents: Vec<Listed>,
    /// Drills left out (without `--all`).
    #[serde(skip)]
    pub hidden_drills: usize,
}

/// One incident of `inc list`.
#[derive(Serialize)]
pub struct Listed {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub state: &'static str,
    pub declared_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    /// Is it the current incident?
    pub current: bool,
    /// A practice incident (listed only with `--all`).
    pub drill: bool,
    /// The state could not be read from the shared record just now: it is this machine's
    /// view as of `as_of` (its last pull), and another responder may have changed it since.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Timestamp>,
}

/// Is the incident to act on (`--incident`, else the current one) still open (for `inc`
/// alone)? Whatever cannot be read counts as none.
pub fn has_open_current(ctx: &Ctx) -> bool {
    ctx.incident_id()
        .ok()
        .and_then(|id| ctx.load(&id).ok())
        .is_some_and(|i| i.is_open())
}

/// The incident `id` names, else the current one.
fn incident(ctx: &Ctx, id: Option<String>) -> CliResult<Incident> {
    match id {
        Some(id) => ctx.load(&id),
        None => ctx.current_incident(),
    }
}

/// `inc show [ID]`, after pulling the shared record.
pub async fn show(ctx: &Ctx, id: Option<String>) -> CliResult<ShowOutcome> {
    let (inc, _) = super::sync::refresh(ctx, incident(ctx, id)?).await?;
    Ok(ShowOutcome {
        todos: inc.todos.clone(),
        places: places(&inc),
        incident: inc,
    })
}

/// `inc timeline [ID] [--all]`, after pulling the shared record.
pub async fn timeline(ctx: &Ctx, id: Option<String>, all: bool) -> CliResult<TimelineOutcome> {
    let (inc, _) = super::sync::refresh(ctx, incident(ctx, id)?).await?;
    Ok(TimelineOutcome {
        incident: inc.id,
        timeline: inc.events,
        all,
    })
}

/// `inc list [--open] [--all]`: drills only with `all`; an incident that cannot be read is a
/// warning. This machine's view only: see [`list_fresh`].
pub fn list(ctx: &Ctx, open_only: bool, all: bool) -> CliResult<ListOutcome> {
    let (incidents, hidden_drills) = listed_incidents(ctx, all)?;
    Ok(list_of(ctx, incidents, open_only, hidden_drills, &[]))
}

/// How many open incidents `inc list` refreshes, newest first; older ones show as of their
/// last pull.
const LIST_REFRESH: usize = 10;

/// `inc list` with the states refreshed: each open incident that is shared (carried in a
/// configured provider) pulls its shared record first, all at once and within one delivery
/// timeout, so an incident another responder resolved shows `resolved`. One that could not be
/// read says as of when its state is.
pub async fn list_fresh(ctx: &Ctx, open_only: bool, all: bool) -> CliResult<ListOutcome> {
    let (mut incidents, hidden_drills) = listed_incidents(ctx, all)?;
    let timeout = ctx.config()?.values.delivery.timeout.0;
    let shared: Vec<usize> = (0..incidents.len())
        .filter(|&i| incidents[i].is_open() && !super::sync::places(&incidents[i]).is_empty())
        .collect();
    let before = ctx.take_warnings();
    let pulls = shared.iter().take(LIST_REFRESH).map(|&i| {
        let inc = &incidents[i];
        async move {
            // Concurrent, each within the timeout: the whole refresh is one timeout at most.
            let ok = tokio::time::timeout(timeout, super::sync::pull(ctx, inc))
                .await
                .is_ok_and(|p| p.is_ok_and(|p| p.sources.iter().all(|s| s.ok)));
            (i, ok)
        }
    });
    let done = match ctx.dry_run() {
        true => Vec::new(),
        false => futures_util::future::join_all(pulls).await,
    };
    // One warning per failure, however many incidents it touched.
    let mut said = before;
    for w in ctx.take_warnings() {
        if !said.contains(&w) {
            said.push(w);
        }
    }
    for w in said {
        ctx.warn(w);
    }
    let mut stale = Vec::new();
    for &i in &shared {
        match done.iter().find(|(j, _)| *j == i) {
            Some((_, true)) => {
                if let Ok(fresh) = ctx.load(&incidents[i].id) {
                    incidents[i] = fresh;
                }
            }
            _ => stale.push(incidents[i].id.clone()),
        }
    }
    Ok(list_of(ctx, incidents, open_only, hidden_drills, &stale))
}

/// Every incident of the journal, newest first (drills only with `all`), and how many drills
/// were left out.
fn listed_incidents(ctx: &Ctx, all: bool) -> CliResult<(Vec<Incident>, usize)> {
    let journal = ctx.journal()?;
    let mut incidents = Vec::new();
    let mut hidden_drills = 0;
    for id in journal.list()?.into_iter().rev() {
        match ctx.load(&id) {
            Ok(inc) if inc.drill && !all => hidden_drills += 1,
            Ok(inc) => incidents.push(inc),
            Err(e) => ctx.warn(format!("{id}: {}", e.message)),
        }
    }
    Ok((incidents, hidden_drills))
}

fn list_of(
    ctx: &Ctx,
    incidents: Vec<Incident>,
    open_only: bool,
    hidden_drills: usize,
    stale: &[String],
) -> ListOutcome {
    let journal = ctx.journal().ok();
    let current = journal.as_ref().and_then(|j| j.current());
    let incidents = incidents
        .into_iter()
        .filter(|inc| !open_only || inc.is_open())
        .map(|inc| {
            let stale = stale.contains(&inc.id);
            Listed {
                current: current.as_deref() == Some(inc.id.as_str()),
                state: inc.state(),
                as_of: stale
                    .then(|| journal.as_ref().and_then(|j| j.synced_at(&inc.id)))
                    .flatten(),
                stale,
                id: inc.id,
                title: inc.title,
                severity: inc.severity,
                declared_at: inc.declared_at,
                resolved_at: inc.resolved_at,
                drill: inc.drill,
            }
        })
        .collect();
    ListOutcome {
        incidents,
        hidden_drills,
    }
}
