//! What changed before the incident (SPEC "What changed"): the IC's "is there an obvious
//! cause?". The affected services (`declare --service`, `inc service add`) name their sources
//! in `[changes.services]`; each source is read when configured, all of them concurrently,
//! each within the delivery timeout (retries included):
//!
//! - GitHub: each repository's deployments (with their latest status) and releases, page by
//!   page until past the window;
//! - PagerDuty: each service's change events (`/services/{id}/change_events`); an account
//!   without them (a paid add-on) is told once and remembered for a day;
//! - the `[changes] announcements` rooms (Slack, Matrix): the messages in the window that
//!   name a service.
//!
//! What a source says is untrusted (one bounded line, no control characters). A source that
//! cannot be read is one warning naming it, and the rest is shown. Reads are cached per
//! incident for a minute (`status --watch` does not re-read every interval), and a source that
//! fails serves its last reading, marked stale. With no source configured nothing is read.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::time::Instant;

use crate::config::{ChangesConfig, Config, DeliveryConfig, ServiceConfig};
use crate::ctx::{Ctx, Wait};
use crate::deliver::{self, DeliveryResult};
use crate::error::{CliError, CliResult};
use crate::messages;
use crate::model::{Change, EventKind, Incident, first_url, one_line, safe_url, slack_plain};
use crate::providers::pagerduty::ChangeEvents;
use crate::providers::{SendError, github, matrix, pagerduty, slack};

/// `[changes] window` when it is not set.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(4 * 3600);
/// How long a reading is reused (`status --watch` checks every 30 s).
pub const CACHE_FOR: Duration = Duration::from_secs(60);
/// How long an account without change events is not asked again.
pub const NO_PLAN_FOR: Duration = Duration::from_secs(24 * 3600);
/// How old a reading may be for the declaration to post it with the roster.
const IN_HAND_FOR: Duration = Duration::from_secs(15 * 60);
/// Pages read per list (deployments, releases, change events) before giving up on the end.
const MAX_PAGES: u32 = 10;
/// Deployments per repository whose latest status is read.
const MAX_STATUSES: usize = 10;
/// Messages read per announcements room.
const MAX_MESSAGES: usize = 200;
/// What `inc status` and the declaration show.
pub const AT_A_GLANCE: usize = 3;

/// What `inc changes` is asked.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// `--since`: how long before the incident began [default: `[changes] window`].
    pub since: Option<Duration>,
    /// `--service`: only this service.
    pub service: Option<String>,
}

/// What a reading found: the window, the services read, the changes (newest first) and how
/// each source answered.
#[derive(Clone, Debug, Serialize)]
pub struct Changes {
    pub incident: String,
    /// When the incident began (its first page or its declaration).
    pub began_at: Timestamp,
    /// The window: from `since` (before the start) to `until` (now, or the resolution).
    pub since: Timestamp,
    pub until: Timestamp,
    /// The services read: the incident's affected services, else every configured one.
    pub services: Vec<String>,
    /// Whether the services were named for the incident (else: every configured one).
    pub named: bool,
    /// Newest first; numbered from 1 as listed (`--cite N`).
    pub changes: Vec<Change>,
    pub sources: Vec<SourceRead>,
}

/// How one source answered.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SourceRead {
    /// `github`, `pagerduty`, `slack` or `matrix`.
    pub source: String,
    /// The repository, the PagerDuty service id, the room.
    pub target: String,
    /// `read` (now), `cached` (a reading under a minute old), `stale` (it failed now; its
    /// last reading is shown), `failed`, or `unavailable` (not on the account's plan).
    pub state: String,
    pub changes: usize,
    pub fetched_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Requests this run made to it.
    pub requests: usize,
}

impl Changes {
    /// The newest few, for `inc status` and the declaration.
    pub fn latest(&self) -> &[Change] {
        &self.changes[..self.changes.len().min(AT_A_GLANCE)]
    }

    /// What `inc status` (and the bot's `!status`) shows: the latest few and how many.
    pub fn at_a_glance(&self) -> AtAGlance {
        AtAGlance {
            total: self.changes.len(),
            services: self.services.clone(),
            named: self.named,
            began_at: self.began_at,
            since: self.since,
            until: self.until,
            latest: self.latest().to_vec(),
            sources: self.sources.clone(),
        }
    }
}

/// The changes at a glance (`inc status`, `!status`): the latest few, newest first.
#[derive(Clone, Debug, Serialize)]
pub struct AtAGlance {
    /// How many changes the window holds (`inc changes` lists them all).
    pub total: usize,
    pub services: Vec<String>,
    pub named: bool,
    pub began_at: Timestamp,
    pub since: Timestamp,
    pub until: Timestamp,
    pub latest: Vec<Change>,
    pub sources: Vec<SourceRead>,
}

/// The services `--service` names, checked against `[changes.services]` (exit 2 listing the
/// known ones), each once, in the order given.
pub fn check_services(config: &Config, names: &[String], flag: &str) -> CliResult<Vec<String>> {
    let known = &config.values.changes.services;
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let n = n.trim();
        if !known.contains_key(n) {
            let list: Vec<&str> = known.keys().map(String::as_str).collect();
            let e = if list.is_empty() {
                CliError::usage(format!(
                    "{flag} {n}: no services are configured ([changes.services] in the config)"
                ))
            } else {
                CliError::usage(format!(
                    "{flag} {n}: not a service of [changes.services] (known: {})",
                    list.join(", ")
                ))
            };
            return Err(e);
        }
        if !out.iter().any(|o| o == n) {
            out.push(n.to_string());
        }
    }
    Ok(out)
}

/// Is any change source configured? Without one nothing is read, and nothing is shown.
pub fn configured(ctx: &Ctx) -> bool {
    ctx.config().is_ok_and(|c| c.values.changes.any_source())
}

/// The services whose changes are read for `inc`: its affected services, else every
/// configured one (`false`), narrowed to `only` when given.
pub fn services_for(
    cfg: &ChangesConfig,
    inc: &Incident,
    only: Option<&str>,
) -> (Vec<String>, bool) {
    if let Some(s) = only {
        return (vec![s.to_string()], true);
    }
    let named: Vec<String> = inc
        .services
        .iter()
        .filter(|s| cfg.services.contains_key(*s))
        .cloned()
        .collect();
    if named.is_empty() {
        (cfg.services.keys().cloned().collect(), false)
    } else {
        (named, true)
    }
}

/// The window of `inc`: `since` before it began, to its resolution (or now).
fn window(ctx: &Ctx, inc: &Incident, since: Option<Duration>) -> CliResult<(Timestamp, Timestamp)> {
    let cfg = &ctx.config()?.values.changes;
    let back = since.or(cfg.window.map(|d| d.0)).unwrap_or(DEFAULT_WINDOW);
    let back = SignedDuration::try_from(back)
        .map_err(|_| CliError::usage("--since: too long a duration"))?;
    let from = inc
        .declared_at
        .checked_sub(back)
        .map_err(|_| CliError::usage("--since: too long a duration"))?;
    Ok((from, inc.resolved_at.unwrap_or_else(|| ctx.now())))
}

// ---- Reading ----

/// One thing to read.
#[derive(Clone, Debug)]
enum Task {
    Github {
        service: String,
        repo: String,
        environment: Option<String>,
    },
    PagerDuty {
        service: String,
        id: String,
    },
    /// A Slack channel or Matrix room, matched against these services.
    Room {
        room: String,
        services: Vec<(String, ServiceConfig)>,
    },
}

impl Task {
    fn source(&self) -> &'static str {
        match self {
            Task::Github { .. } => github::PROVIDER,
            Task::PagerDuty { .. } => pagerduty::PROVIDER,
            Task::Room { room, .. } if is_matrix_room(room) => matrix::PROVIDER,
            Task::Room { .. } => slack::PROVIDER,
        }
    }

    fn target(&self) -> String {
        match self {
            Task::Github { repo, .. } => repo.clone(),
            Task::PagerDuty { id, .. } => id.clone(),
            Task::Room { room, .. } => room.clone(),
        }
    }

    /// Its reading's key in the cache (everything the reading depends on).
    fn key(&self) -> String {
        match self {
            Task::Github {
                service,
                repo,
                environment,
            } => format!(
                "github {repo} {} {service}",
                environment.as_deref().unwrap_or("*")
            ),
            Task::PagerDuty { service, id } => format!("pagerduty {id} {service}"),
            Task::Room { room, services } => {
                let names: Vec<&str> = services.iter().map(|(n, _)| n.as_str()).collect();
                format!("{} {room} {}", self.source(), names.join(","))
            }
        }
    }
}

/// `#name:server` and `!id:server` are Matrix rooms; `#name` and `C0123` Slack channels.
fn is_matrix_room(room: &str) -> bool {
    (room.starts_with('#') || room.starts_with('!')) && room.contains(':')
}

fn tasks(cfg: &ChangesConfig, services: &[String]) -> Vec<Task> {
    let mut out = Vec::new();
    let chosen: Vec<(String, ServiceConfig)> = services
        .iter()
        .filter_map(|s| Some((s.clone(), cfg.services.get(s)?.clone())))
        .collect();
    for (name, s) in &chosen {
        for repo in &s.github {
            out.push(Task::Github {
                service: name.clone(),
                repo: repo.clone(),
                environment: s.environment.clone(),
            });
        }
        if let Some(id) = &s.pagerduty {
            out.push(Task::PagerDuty {
                service: name.clone(),
                id: id.clone(),
            });
        }
    }
    if !chosen.is_empty() {
        for room in &cfg.announcements {
            out.push(Task::Room {
                room: room.clone(),
                services: chosen.clone(),
            });
        }
    }
    out
}

/// What reading one source gave.
struct Got {
    changes: Vec<Change>,
    /// Said once per reading: a repository that 404s, a room nobody can see.
    notes: Vec<String>,
    /// Read at all (a repository that 404s was read: it has nothing).
    ok: bool,
    /// PagerDuty: the account has no change events.
    no_plan: Option<String>,
}

impl Got {
    fn some(changes: Vec<Change>) -> Got {
        Got {
            changes,
            notes: Vec::new(),
            ok: true,
            no_plan: None,
        }
    }
    fn failed(note: String) -> Got {
        Got {
            changes: Vec::new(),
            notes: vec![note],
            ok: false,
            no_plan: None,
        }
    }
}

/// The reading of one incident's changes, with the warnings it gives. `fresh_only`: warn only
/// about sources read now (a watch says a cached warning once, not every interval).
pub async fn read(
    ctx: &Ctx,
    inc: &Incident,
    req: &Request,
    fresh_only: bool,
) -> CliResult<Changes> {
    let config = ctx.config()?;
    let cfg = &config.values.changes;
    let (services, named) = services_for(cfg, inc, req.service.as_deref());
    let (since, until) = window(ctx, inc, req.since)?;
    let tasks = tasks(cfg, &services);
    let mut cache = if tasks.is_empty() {
        Cache::default()
    } else {
        Cache::load(config, &inc.id)
    };
    let wall = Timestamp::now();
    let no_plan = NoPlan::load(config);
    let mut pending = Vec::new();
    let mut reads: Vec<Option<SourceRead>> = Vec::new();
    let mut found: Vec<Change> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for t in &tasks {
        let key = t.key();
        if let Task::PagerDuty { .. } = t
            && let Some(until_at) = no_plan.until(config)
        {
            reads.push(Some(SourceRead {
                source: t.source().into(),
                target: t.target(),
                state: "unavailable".into(),
                changes: 0,
                fetched_at: None,
                error: Some(format!(
                    "change events are not on this account's plan (asked again after {})",
                    messages::time(until_at)
                )),
                requests: 0,
            }));
            continue;
        }
        match cache.sources.get(&key) {
            Some(e) if e.fresh(wall, since) => {
                let mine: Vec<Change> = in_window(&e.changes, since, until);
                if !fresh_only {
                    notes.extend(e.notes.iter().cloned());
                }
                reads.push(Some(SourceRead {
                    source: t.source().into(),
                    target: t.target(),
                    state: "cached".into(),
                    changes: mine.len(),
                    fetched_at: Some(e.fetched_at),
                    error: e.notes.first().cloned(),
                    requests: 0,
                }));
                found.extend(mine);
            }
            _ => {
                reads.push(None);
                pending.push(t.clone());
            }
        }
    }
    if !pending.is_empty() {
        let waits = pending
            .iter()
            .map(|t| Wait::new(t.source(), "changes", &t.target()))
            .collect();
        let waiting = ctx.waiting(waits);
        let budget = config.values.delivery.timeout.0;
        let got = futures_util::future::join_all(
            pending
                .iter()
                .map(|t| read_one(ctx, t, since, until, budget)),
        )
        .await;
        drop(waiting);
        let mut got = got.into_iter();
        let mut learnt_no_plan: Option<String> = None;
        for (slot, t) in reads.iter_mut().zip(&tasks) {
            if slot.is_some() {
                continue;
            }
            let (g, requests) = got.next().expect("one result per pending source");
            let key = t.key();
            let state;
            let mut fetched_at = Some(wall);
            let mut shown = g.changes.clone();
            if let Some(why) = &g.no_plan {
                learnt_no_plan.get_or_insert_with(|| why.clone());
                state = "unavailable";
                fetched_at = None;
            } else if g.ok {
                state = "read";
                cache.sources.insert(
                    key,
                    Entry {
                        fetched_at: wall,
                        since,
                        changes: g.changes.clone(),
                        notes: g.notes.clone(),
                    },
                );
            } else if let Some(old) = cache.sources.get(&key) {
                // It cannot be read now: what it said last time, marked as of then.
                state = "stale";
                fetched_at = Some(old.fetched_at);
                shown = old.changes.clone();
            } else {
                state = "failed";
                fetched_at = None;
            }
            let mut said = g.notes.clone();
            if state == "stale" {
                for n in &mut said {
                    n.push_str(&format!(
                        "; showing what it said at {}",
                        messages::clock(fetched_at.unwrap_or(wall))
                    ));
                }
            }
            notes.extend(said.iter().cloned());
            let mine = in_window(&shown, since, until);
            *slot = Some(SourceRead {
                source: t.source().into(),
                target: t.target(),
                state: state.into(),
                changes: mine.len(),
                fetched_at,
                error: g.no_plan.clone().or_else(|| said.first().cloned()),
                requests,
            });
            found.extend(mine);
        }
        if let Some(why) = learnt_no_plan {
            let until_at = wall + NO_PLAN_FOR;
            notes.push(format!(
                "PagerDuty: change events are not available to this account ({why}; they come \
                 with the AIOps add-on); not asked again until {}",
                messages::time(until_at)
            ));
            if !ctx.dry_run() {
                NoPlan::remember(config, until_at, &why);
            }
        }
        if !ctx.dry_run() {
            cache.save(config, &inc.id);
        }
    }
    let mut seen = std::collections::HashSet::new();
    for n in notes {
        if seen.insert(n.clone()) {
            ctx.warn(n);
        }
    }
    Ok(Changes {
        incident: inc.id.clone(),
        began_at: inc.declared_at,
        since,
        until,
        services,
        named,
        changes: newest_first(found),
        sources: reads.into_iter().flatten().collect(),
    })
}

fn in_window(changes: &[Change], since: Timestamp, until: Timestamp) -> Vec<Change> {
    changes
        .iter()
        .filter(|c| c.at >= since && c.at <= until)
        .cloned()
        .collect()
}

/// Newest first; the same change from two readings once.
fn newest_first(mut all: Vec<Change>) -> Vec<Change> {
    all.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id)));
    all.dedup_by(|a, b| a.id == b.id);
    all
}

/// Reads one source within `budget` (pages and retries included): what it gave, and the
/// requests it took.
async fn read_one(
    ctx: &Ctx,
    task: &Task,
    since: Timestamp,
    until: Timestamp,
    budget: Duration,
) -> (Got, usize) {
    let requests = Cell::new(0usize);
    let deadline = Instant::now() + budget;
    let run = async {
        match task {
            Task::Github {
                service,
                repo,
                environment,
            } => {
                read_github(
                    ctx,
                    service,
                    repo,
                    environment.as_deref(),
                    since,
                    until,
                    deadline,
                    &requests,
                )
                .await
            }
            Task::PagerDuty { service, id } => {
                read_pagerduty(ctx, service, id, since, until, deadline, &requests).await
            }
            Task::Room { room, services } => {
                read_room(ctx, room, services, since, until, deadline, &requests).await
            }
        }
    };
    let got = match tokio::time::timeout(budget, run).await {
        Ok(g) => g,
        Err(_) => Got::failed(format!(
            "{} {}: no answer within {}; its changes are left out",
            crate::providers::display_name(task.source()),
            task.target(),
            crate::config::format_duration(budget)
        )),
    };
    (got, requests.get())
}

/// One read with the engine's retries, counted.
async fn get<T, F, Fut>(
    cfg: &DeliveryConfig,
    what: &str,
    deadline: Instant,
    requests: &Cell<usize>,
    mut f: F,
) -> Result<T, SendError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, SendError>>,
{
    deliver::read(cfg, what, deadline, || {
        requests.set(requests.get() + 1);
        f()
    })
    .await
}

fn ts(v: &Value) -> Option<Timestamp> {
    v.as_str()?.parse().ok()
}

/// A GitHub repository that cannot be read, in one line that names it.
fn github_note(repo: &str, e: &SendError) -> String {
    let why = match e {
        SendError::Rejected {
            status: Some(404), ..
        } => "not found, or not visible with this token (HTTP 404)".to_string(),
        SendError::Auth { message } => format!("the token has no access ({message})"),
        other => other.to_string(),
    };
    format!("GitHub {repo}: {why}; its deploys and releases are left out")
}

#[allow(clippy::too_many_arguments)]
async fn read_github(
    ctx: &Ctx,
    service: &str,
    repo: &str,
    environment: Option<&str>,
    since: Timestamp,
    until: Timestamp,
    deadline: Instant,
    requests: &Cell<usize>,
) -> Got {
    let gh = match ctx.changes_github() {
        Ok(c) => c,
        Err(e) => return Got::failed(format!("GitHub {repo}: {}", e.message)),
    };
    let cfg = match ctx.config() {
        Ok(c) => &c.values.delivery,
        Err(e) => return Got::failed(e.message),
    };
    let what = format!("GitHub {repo}");
    let deployments = async {
        let mut kept = Vec::new();
        for page in 1..=MAX_PAGES {
            let list = get(cfg, &what, deadline, requests, || {
                gh.deployments(repo, environment, page)
            })
            .await?;
            let mut past = false;
            for d in &list {
                match ts(&d["created_at"]) {
                    Some(at) if at < since => past = true,
                    Some(at) if at <= until => kept.push((at, d.clone())),
                    _ => {}
                }
            }
            if past || list.len() < github::PER_PAGE {
                break;
            }
        }
        Ok::<_, SendError>(kept)
    };
    let releases = async {
        let mut kept = Vec::new();
        for page in 1..=MAX_PAGES {
            let list = get(cfg, &what, deadline, requests, || gh.releases(repo, page)).await?;
            // Releases are listed by creation; one created before the window may still have
            // been published in it, so a page ends the reading only when all of it is older.
            let mut all_older = !list.is_empty();
            for r in &list {
                let created = ts(&r["created_at"]);
                if created.is_none_or(|c| c >= since) {
                    all_older = false;
                }
                if r["draft"].as_bool() == Some(true) {
                    continue;
                }
                if let Some(at) = ts(&r["published_at"])
                    && at >= since
                    && at <= until
                {
                    kept.push((at, r.clone()));
                }
            }
            if all_older || list.len() < github::PER_PAGE {
                break;
            }
        }
        Ok::<_, SendError>(kept)
    };
    let (deployments, releases) = tokio::join!(deployments, releases);
    let mut got = Got::some(Vec::new());
    // One warning per repository, however many of its lists failed.
    if let Some(e) = deployments.as_ref().err().or(releases.as_ref().err()) {
        got.notes.push(github_note(repo, e));
    }
    // A repository that 404s or refuses the token was read: it has nothing for us. One that
    // did not answer at all keeps its last reading (stale).
    let definitive = |r: Option<&SendError>| {
        matches!(r, Some(SendError::Rejected { .. } | SendError::Auth { .. }))
    };
    if deployments.is_err()
        && releases.is_err()
        && !definitive(deployments.as_ref().err())
        && !definitive(releases.as_ref().err())
    {
        got.ok = false;
    }
    if let Ok(list) = deployments {
        let with_status: Vec<_> = list.iter().take(MAX_STATUSES).collect();
        let statuses = futures_util::future::join_all(with_status.iter().map(|(_, d)| {
            let id = d["id"].as_u64().unwrap_or(0);
            let what = what.clone();
            async move {
                get(cfg, &what, deadline, requests, || {
                    gh.deployment_statuses(repo, id)
                })
                .await
                .ok()
            }
        }))
        .await;
        for (i, (at, d)) in list.iter().enumerate() {
            let latest = statuses.get(i).cloned().flatten().and_then(|s| {
                s.into_iter().max_by(|a, b| {
                    ts(&a["created_at"])
                        .cmp(&ts(&b["created_at"]))
                        .then(a["id"].as_u64().cmp(&b["id"].as_u64()))
                })
            });
            got.changes
                .push(deployment(gh, service, repo, *at, d, latest.as_ref()));
        }
    }
    if let Ok(list) = releases {
        for (at, r) in &list {
            got.changes.push(release(service, repo, *at, r));
        }
    }
    got
}

fn deployment(
    gh: &github::Client,
    service: &str,
    repo: &str,
    at: Timestamp,
    d: &Value,
    status: Option<&Value>,
) -> Change {
    let text = |v: &Value| {
        v.as_str()
            .map(|s| one_line(s, 80))
            .filter(|s| !s.is_empty())
    };
    let mut r = text(&d["ref"]).unwrap_or_else(|| "?".into());
    if r.len() == 40 && r.chars().all(|c| c.is_ascii_hexdigit()) {
        r.truncate(7);
    }
    let task = text(&d["task"]).filter(|t| t != "deploy");
    let mut summary = match task {
        Some(t) => format!("{t} {r}"),
        None => format!("deploy {r}"),
    };
    if let Some(env) = text(&d["environment"]) {
        summary.push_str(&format!(" → {env}"));
    }
    if let Some(desc) = text(&d["description"]) {
        summary.push_str(&format!(": {desc}"));
    }
    let url = status
        .and_then(|s| {
            ["log_url", "target_url", "environment_url"]
                .iter()
                .find_map(|k| s[*k].as_str().and_then(safe_url))
        })
        .or_else(|| safe_url(&format!("{}/deployments", gh.web_url(repo))));
    Change {
        at,
        service: service.into(),
        source: github::PROVIDER.into(),
        kind: "deploy".into(),
        summary: one_line(&summary, crate::model::MAX_SUMMARY),
        status: status
            .and_then(|s| s["state"].as_str())
            .map(|s| one_line(s, 20)),
        who: d["creator"]["login"].as_str().map(|s| one_line(s, 40)),
        url,
        id: format!("github:{repo}:deployment:{}", d["id"].as_u64().unwrap_or(0)),
    }
}

fn release(service: &str, repo: &str, at: Timestamp, r: &Value) -> Change {
    let name = r["name"]
        .as_str()
        .filter(|n| !n.trim().is_empty())
        .or(r["tag_name"].as_str())
        .unwrap_or("?");
    let mut summary = format!("release {name}");
    if r["prerelease"].as_bool() == Some(true) {
        summary.push_str(" (pre-release)");
    }
    Change {
        at,
        service: service.into(),
        source: github::PROVIDER.into(),
        kind: "release".into(),
        summary: one_line(&summary, crate::model::MAX_SUMMARY),
        status: None,
        who: r["author"]["login"].as_str().map(|s| one_line(s, 40)),
        url: r["html_url"].as_str().and_then(safe_url),
        id: format!("github:{repo}:release:{}", r["id"].as_u64().unwrap_or(0)),
    }
}

async fn read_pagerduty(
    ctx: &Ctx,
    service: &str,
    id: &str,
    since: Timestamp,
    until: Timestamp,
    deadline: Instant,
    requests: &Cell<usize>,
) -> Got {
    let pd = match ctx.pagerduty() {
        Ok(c) => c,
        Err(e) => return Got::failed(format!("PagerDuty service {id}: {}", e.message)),
    };
    let cfg = match ctx.config() {
        Ok(c) => &c.values.delivery,
        Err(e) => return Got::failed(e.message),
    };
    // PagerDuty refuses a time that is not UTC; whole seconds, `Z`.
    let fmt = |t: Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let (from, to) = (fmt(since), fmt(until));
    let what = format!("PagerDuty service {id}");
    let mut got = Got::some(Vec::new());
    let mut offset = 0;
    for _ in 0..MAX_PAGES {
        let page = get(cfg, &what, deadline, requests, || {
            pd.service_change_events(id, &from, &to, offset)
        })
        .await;
        let (events, more) = match page {
            Ok(ChangeEvents::Page { events, more }) => (events, more),
            Ok(ChangeEvents::NotOnPlan(why)) => {
                got.no_plan = Some(why);
                got.ok = false;
                return got;
            }
            Err(e) => {
                let why = match &e {
                    SendError::Rejected {
                        status: Some(404), ..
                    } => "no such service (HTTP 404)".to_string(),
                    other => other.to_string(),
                };
                got.notes.push(format!(
                    "PagerDuty service {id}: {why}; its change events are left out"
                ));
                got.ok = matches!(e, SendError::Rejected { .. } | SendError::Auth { .. });
                return got;
            }
        };
        offset += events.len();
        for ev in &events {
            let Some(at) = ts(&ev["timestamp"]) else {
                continue;
            };
            if at < since || at > until {
                continue;
            }
            let url = ev["links"]
                .as_array()
                .into_iter()
                .flatten()
                .find_map(|l| l["href"].as_str().and_then(safe_url))
                .or_else(|| ev["html_url"].as_str().and_then(safe_url));
            let who = ev["source"]
                .as_str()
                .or(ev["integration"]["summary"].as_str())
                .map(|s| one_line(s, 40))
                .filter(|s| !s.is_empty());
            got.changes.push(Change {
                at,
                service: service.into(),
                source: pagerduty::PROVIDER.into(),
                kind: "change".into(),
                summary: one_line(
                    ev["summary"].as_str().unwrap_or("change event"),
                    crate::model::MAX_SUMMARY,
                ),
                status: None,
                who,
                url,
                id: format!(
                    "pagerduty:{id}:{}",
                    one_line(ev["id"].as_str().unwrap_or("?"), 40)
                ),
            });
        }
        if !more || events.is_empty() {
            break;
        }
    }
    got
}

/// Does `text` name this service (its name, or one of its repositories' names), as a word?
fn mentions(text: &str, name: &str, s: &ServiceConfig) -> bool {
    let lower = text.to_lowercase();
    let word = |w: &str| {
        let w = w.to_lowercase();
        !w.is_empty()
            && lower.match_indices(&w).any(|(i, _)| {
                let part = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
                let before = lower[..i].chars().next_back().is_none_or(|c| !part(c));
                let after = lower[i + w.len()..].chars().next().is_none_or(|c| !part(c));
                before && after
            })
    };
    word(name)
        || s.github
            .iter()
            .any(|r| word(r) || r.split('/').nth(1).is_some_and(word))
}

#[allow(clippy::too_many_arguments)]
async fn read_room(
    ctx: &Ctx,
    room: &str,
    services: &[(String, ServiceConfig)],
    since: Timestamp,
    until: Timestamp,
    deadline: Instant,
    requests: &Cell<usize>,
) -> Got {
    let cfg = match ctx.config() {
        Ok(c) => &c.values.delivery,
        Err(e) => return Got::failed(e.message),
    };
    // (time, text as people read it, raw text for its link, who, id)
    let mut messages: Vec<(Timestamp, String, String, Option<String>, String)> = Vec::new();
    if is_matrix_room(room) {
        let mx = match ctx.matrix() {
            Ok(c) => c,
            Err(_) => {
                return Got::failed(format!(
                    "announcements {room}: a Matrix room needs [matrix] in the config"
                ));
            }
        };
        let what = format!("Matrix {room}");
        let read = async {
            let id = get(cfg, &what, deadline, requests, || mx.room_id(room)).await?;
            get(cfg, &what, deadline, requests, || {
                mx.recent_messages(&id, since.as_millisecond(), MAX_MESSAGES)
            })
            .await
        };
        match read.await {
            Ok(list) => {
                for m in list {
                    if !m["content"][crate::model::wire::MATRIX_EVENT_KEY].is_null() {
                        continue;
                    }
                    let Some(at) = m["origin_server_ts"]
                        .as_i64()
                        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
                    else {
                        continue;
                    };
                    let body = m["content"]["body"].as_str().unwrap_or_default();
                    let body: String = body.chars().take(64 * 1024).collect();
                    messages.push((
                        at,
                        body.clone(),
                        body,
                        m["sender"].as_str().map(str::to_string),
                        format!("matrix:{room}:{}", m["event_id"].as_str().unwrap_or("?")),
                    ));
                }
            }
            Err(e) => return Got::failed(format!("announcements {room} (Matrix): {e}; left out")),
        }
    } else {
        let sl = match ctx.slack() {
            Ok(c) => c,
            Err(_) => {
                return Got::failed(format!(
                    "announcements {room}: a Slack channel needs [slack] in the config"
                ));
            }
        };
        let what = format!("Slack {room}");
        let secs = |t: Timestamp| format!("{}.{:06}", t.as_second(), t.subsec_microsecond());
        let (oldest, latest) = (secs(since), secs(until));
        let read = async {
            let Some(id) = get(cfg, &what, deadline, requests, || sl.channel_id(room)).await?
            else {
                return Ok(None);
            };
            get(cfg, &what, deadline, requests, || {
                sl.messages_between(&id, &oldest, &latest, MAX_MESSAGES)
            })
            .await
            .map(Some)
        };
        match read.await {
            Ok(None) => {
                return Got {
                    ok: true,
                    ..Got::failed(format!(
                        "announcements {room}: no such Slack channel, or the bot cannot see it"
                    ))
                };
            }
            Ok(Some(list)) => {
                for m in list {
                    if !m["metadata"].is_null() {
                        // inc's own posts (and other apps' records) are no announcements.
                        continue;
                    }
                    let Some(at) = m["ts"]
                        .as_str()
                        .and_then(|t| t.parse::<f64>().ok())
                        .and_then(|s| Timestamp::from_millisecond((s * 1000.0) as i64).ok())
                    else {
                        continue;
                    };
                    let raw: String = m["text"]
                        .as_str()
                        .unwrap_or_default()
                        .chars()
                        .take(64 * 1024)
                        .collect();
                    let who = m["user"]
                        .as_str()
                        .or(m["username"].as_str())
                        .or(m["bot_profile"]["name"].as_str())
                        .map(str::to_string);
                    let id = format!("slack:{room}:{}", m["ts"].as_str().unwrap_or("?"));
                    messages.push((at, slack_plain(&raw), raw, who, id));
                }
            }
            Err(e) => return Got::failed(format!("announcements {room} (Slack): {e}; left out")),
        }
    }
    let source = if is_matrix_room(room) {
        matrix::PROVIDER
    } else {
        slack::PROVIDER
    };
    let mut got = Got::some(Vec::new());
    for (at, text, raw, who, id) in messages {
        if at < since || at > until {
            continue;
        }
        let Some((service, _)) = services.iter().find(|(n, s)| mentions(&text, n, s)) else {
            continue;
        };
        got.changes.push(Change {
            at,
            service: service.clone(),
            source: source.into(),
            kind: "announcement".into(),
            summary: one_line(&text, crate::model::MAX_SUMMARY),
            status: None,
            who: who.map(|w| one_line(&w, 40)),
            url: first_url(&raw),
            id: one_line(&id, 200),
        });
    }
    got
}

// ---- The cache, and what an account lacks ----

/// `$INC_STATE_DIR/changes/<incident>.json`: each source's last reading, and the list
/// `inc changes` last showed (what `--cite N` numbers).
#[derive(Default, Serialize, Deserialize)]
struct Cache {
    #[serde(default)]
    sources: BTreeMap<String, Entry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    listed: Option<Listed>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Entry {
    /// Wall-clock time of the reading (not `INC_NOW`: the cache is about real requests).
    fetched_at: Timestamp,
    /// The window's start it covers.
    since: Timestamp,
    changes: Vec<Change>,
    #[serde(default)]
    notes: Vec<String>,
}

impl Entry {
    fn fresh(&self, now: Timestamp, since: Timestamp) -> bool {
        let age = now.duration_since(self.fetched_at);
        age >= SignedDuration::ZERO
            && age < SignedDuration::try_from(CACHE_FOR).unwrap_or_default()
            && self.since <= since
    }
}

/// The list as `inc changes` showed it, with what it was asked.
#[derive(Clone, Serialize, Deserialize)]
struct Listed {
    since: Option<u64>,
    service: Option<String>,
    changes: Vec<Change>,
}

fn state_file(config: &Config, name: &str) -> std::path::PathBuf {
    config.state_dir.join("changes").join(name)
}

/// Writes a small state file whole (a temp file renamed over it); a failure only costs the
/// next command a reading.
fn write_state(config: &Config, name: &str, bytes: &[u8]) {
    let dir = config.state_dir.join("changes");
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let tmp = dir.join(format!(".{name}.{}", std::process::id()));
    if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, dir.join(name)).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

impl Cache {
    fn load(config: &Config, inc_id: &str) -> Cache {
        std::fs::read(state_file(config, &format!("{inc_id}.json")))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn save(&self, config: &Config, inc_id: &str) {
        // A reading that never succeeded is not kept.
        write_state(
            config,
            &format!("{inc_id}.json"),
            &serde_json::to_vec(self).expect("json"),
        );
    }
}

/// `$INC_STATE_DIR/changes/pagerduty.json`: until when the account (by API URL) is known to
/// have no change events.
#[derive(Default, Serialize, Deserialize)]
struct NoPlan {
    #[serde(default)]
    accounts: BTreeMap<String, NoPlanEntry>,
}

#[derive(Serialize, Deserialize)]
struct NoPlanEntry {
    until: Timestamp,
    said: String,
}

const NO_PLAN_FILE: &str = "pagerduty.json";

impl NoPlan {
    fn account(config: &Config) -> String {
        config
            .values
            .pagerduty
            .as_ref()
            .and_then(|p| p.api_url.clone())
            .unwrap_or_else(|| "https://api.pagerduty.com".into())
    }

    fn load(config: &Config) -> NoPlan {
        std::fs::read(state_file(config, NO_PLAN_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Until when this account is known to lack change events, if it is.
    fn until(&self, config: &Config) -> Option<Timestamp> {
        self.accounts
            .get(&Self::account(config))
            .map(|e| e.until)
            .filter(|u| *u > Timestamp::now())
    }

    fn remember(config: &Config, until: Timestamp, said: &str) {
        let mut all = Self::load(config);
        all.accounts.insert(
            Self::account(config),
            NoPlanEntry {
                until,
                said: said.to_string(),
            },
        );
        write_state(
            config,
            NO_PLAN_FILE,
            &serde_json::to_vec(&all).expect("json"),
        );
    }
}

// ---- `inc changes`, `--cite`, `inc service add`, and the glance ----

/// `inc changes`: pulls the shared record while the sources are read (a service another
/// responder added is read too), and remembers the list as shown, for `--cite N`.
pub async fn list(ctx: &Ctx, req: &Request) -> CliResult<Changes> {
    let inc = ctx.current_incident()?;
    let (inc, changes) = alongside_sync(ctx, inc, req, false).await?;
    if !ctx.dry_run() {
        let config = ctx.config()?;
        let mut cache = Cache::load(config, &inc.id);
        cache.listed = Some(Listed {
            since: req.since.map(|d| d.as_secs()),
            service: req.service.clone(),
            changes: changes.changes.clone(),
        });
        cache.save(config, &inc.id);
    }
    Ok(changes)
}

/// Reads the changes beside the sync (they share the wait); when the sync brought services
/// this machine did not know, those are read too.
pub async fn alongside_sync(
    ctx: &Ctx,
    inc: Incident,
    req: &Request,
    fresh_only: bool,
) -> CliResult<(Incident, Changes)> {
    let (synced, early) = tokio::join!(
        super::sync::refresh(ctx, inc.clone()),
        read(ctx, &inc, req, fresh_only)
    );
    let (inc, _) = synced?;
    let early = early?;
    let cfg = &ctx.config()?.values.changes;
    if services_for(cfg, &inc, req.service.as_deref()).0 != early.services {
        let again = read(ctx, &inc, req, fresh_only).await?;
        return Ok((inc, again));
    }
    Ok((inc, early))
}

/// What `inc changes --cite N` did.
#[derive(Debug, Serialize)]
pub struct CitedOutcome {
    pub incident: String,
    /// N, as listed.
    pub number: usize,
    pub change: Change,
    /// The change was already cited: nothing recorded or sent.
    pub already: bool,
    #[serde(skip)]
    pub messages: Vec<String>,
    #[serde(skip)]
    pub results: Vec<DeliveryResult>,
}

/// `inc changes --cite N`: the N-th change as `inc changes` last listed it (with the same
/// `--since` and `--service`; else as listed now), recorded as a suspected cause and mirrored
/// to the incident room and the pager. A change already cited is not cited twice.
pub async fn cite(ctx: &Ctx, req: &Request, n: usize) -> CliResult<CitedOutcome> {
    let inc = ctx.current_incident()?;
    let config = ctx.config()?;
    let listed = Cache::load(config, &inc.id)
        .listed
        .filter(|l| l.since == req.since.map(|d| d.as_secs()) && l.service == req.service);
    let (inc, list) = match listed {
        Some(l) => (inc, l.changes),
        None => {
            let (inc, c) = alongside_sync(ctx, inc, req, false).await?;
            (inc, c.changes)
        }
    };
    let Some(change) = n.checked_sub(1).and_then(|i| list.get(i)).cloned() else {
        return Err(CliError::usage(match list.len() {
            0 => format!("--cite {n}: no changes are listed (`inc changes` shows them)"),
            1 => format!("--cite {n}: the list has 1 change (`inc changes` shows it)"),
            len => format!("--cite {n}: the list has {len} changes (`inc changes` shows them)"),
        }));
    };
    if inc
        .suspected_causes
        .iter()
        .any(|c| c.change.id == change.id)
    {
        return Ok(CitedOutcome {
            incident: inc.id,
            number: n,
            change,
            already: true,
            messages: Vec::new(),
            results: Vec::new(),
        });
    }
    let event = ctx.record(
        &inc.id,
        EventKind::SuspectedCause {
            change: change.clone(),
        },
    )?;
    let msgs = vec![messages::suspected_cause(&change, inc.declared_at)];
    let results = ctx
        .deliver(super::mirrors(ctx, &inc, Some(&event), &msgs, true))
        .await?;
    Ok(CitedOutcome {
        incident: inc.id,
        number: n,
        change,
        already: false,
        messages: msgs,
        results,
    })
}

/// What `inc service add` did.
#[derive(Debug, Serialize)]
pub struct ServicesAdded {
    pub incident: String,
    /// Newly named.
    pub added: Vec<String>,
    /// Every affected service now.
    pub services: Vec<String>,
    #[serde(skip)]
    pub messages: Vec<String>,
    #[serde(skip)]
    pub results: Vec<DeliveryResult>,
}

/// `inc service add NAME...`: records each service not named yet and tells the room once.
pub async fn add_services(ctx: &Ctx, names: &[String]) -> CliResult<ServicesAdded> {
    let names = check_services(ctx.config()?, names, "NAME")?;
    let inc = ctx.current_incident()?;
    let added: Vec<String> = names
        .into_iter()
        .filter(|n| !inc.services.contains(n))
        .collect();
    if added.is_empty() {
        return Ok(ServicesAdded {
            incident: inc.id.clone(),
            added,
            services: inc.services.clone(),
            messages: Vec::new(),
            results: Vec::new(),
        });
    }
    let mut events = Vec::new();
    for name in &added {
        events.push(ctx.record(&inc.id, EventKind::Service { name: name.clone() })?);
    }
    let msgs = vec![messages::services_added(&added)];
    let (first, also) = events.split_first().expect("one service at least");
    let mut deliveries = super::mirrors(ctx, &inc, Some(first), &msgs, true);
    for d in &mut deliveries {
        crate::providers::publish_all(d, &inc.id, first, also);
    }
    let results = ctx.deliver(deliveries).await?;
    let mut services = inc.services.clone();
    services.extend(added.iter().cloned());
    Ok(ServicesAdded {
        incident: inc.id,
        added,
        services,
        messages: msgs,
        results,
    })
}

/// The changes an incident already has in hand, from an earlier reading (an IC page's
/// `inc changes`, adopted by the declaration): never a request. Newest first, the latest few.
pub fn in_hand(ctx: &Ctx, inc: &Incident) -> Vec<Change> {
    let Ok(config) = ctx.config() else {
        return Vec::new();
    };
    let cfg = &config.values.changes;
    if !cfg.any_source() {
        return Vec::new();
    }
    let (services, _) = services_for(cfg, inc, None);
    let Ok((since, until)) = window(ctx, inc, None) else {
        return Vec::new();
    };
    let now = Timestamp::now();
    let recent = SignedDuration::try_from(IN_HAND_FOR).unwrap_or_default();
    let keys: Vec<String> = tasks(cfg, &services).iter().map(Task::key).collect();
    let cache = Cache::load(config, &inc.id);
    let all: Vec<Change> = cache
        .sources
        .iter()
        .filter(|(k, e)| keys.contains(k) && now.duration_since(e.fetched_at) < recent)
        .flat_map(|(_, e)| in_window(&e.changes, since, until))
        .collect();
    let mut all = newest_first(all);
    all.truncate(AT_A_GLANCE);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(repos: &[&str]) -> ServiceConfig {
        ServiceConfig {
            pagerduty: None,
            github: repos.iter().map(|r| r.to_string()).collect(),
            environment: None,
        }
    }

    #[test]
    fn announcements_are_matched_to_services_by_word() {
        let s = svc(&["acme/checkout-api"]);
        assert!(mentions("Deployed checkout v2.14 to prod", "checkout", &s));
        assert!(mentions("CHECKOUT: rollback", "checkout", &s));
        assert!(mentions("acme/checkout-api@abc deployed", "checkout", &s));
        assert!(mentions("checkout-api deployed", "checkout", &s));
        assert!(!mentions("checkouts are slow", "checkout", &svc(&[])));
        assert!(!mentions("web-checkout deployed", "checkout", &svc(&[])));
    }

    #[test]
    fn sources_and_keys() {
        let mut cfg = ChangesConfig::default();
        cfg.services.insert(
            "web".into(),
            ServiceConfig {
                pagerduty: Some("PWEB".into()),
                github: vec!["acme/web".into(), "acme/cdn".into()],
                environment: Some("production".into()),
            },
        );
        cfg.announcements = vec!["#deploys".into(), "#deploys:example.com".into()];
        let t = tasks(&cfg, &["web".to_string()]);
        let kinds: Vec<(&str, String)> = t.iter().map(|t| (t.source(), t.target())).collect();
        assert_eq!(
            kinds,
            [
                ("github", "acme/web".to_string()),
                ("github", "acme/cdn".to_string()),
                ("pagerduty", "PWEB".to_string()),
                ("slack", "#deploys".to_string()),
                ("matrix", "#deploys:example.com".to_string()),
            ]
        );
        assert_eq!(t[0].key(), "github acme/web production web");
        assert!(tasks(&cfg, &[]).is_empty(), "no service, nothing to read");
    }

    #[test]
    fn newest_first_and_once() {
        let c = |at: &str, id: &str| Change {
            at: at.parse().unwrap(),
            service: "web".into(),
            source: "github".into(),
            kind: "deploy".into(),
            summary: id.into(),
            status: None,
            who: None,
            url: None,
            id: id.into(),
        };
        let got = newest_first(vec![
            c("2026-11-26T01:00:00Z", "a"),
            c("2026-11-26T03:00:00Z", "b"),
            c("2026-11-26T01:00:00Z", "a"),
            c("2026-11-26T02:00:00Z", "c"),
        ]);
        let ids: Vec<&str> = got.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["b", "c", "a"]);
    }
}
