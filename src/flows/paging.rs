//! Paging: the primary AND the backup Incident Commander through every configured pager at once
//! (`inc page-ic`: each pager's on-call lookup and page, concurrently across pagers; the
//! on-call cache; the phone numbers to call when a page fails; the note to the incident room),
//! one person, schedule or escalation policy (`inc page`), and who is on call (`inc oncall`).
//!
//! PagerDuty pages in one of three ways ([`ic_page::Mode`]): lookup-then-assign (the
//! default), one POST on `ic_service` whose policy pages every IC schedule on level 1 with the
//! lookup beside it (`ic_page = "service"`, or learned), or an Events v2 trigger. Opsgenie's
//! alert names the schedules, so its lookup runs beside it. A pager whose credential is
//! missing is skipped before anything is written; a schedule with nobody on call is said.

use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;

use super::call_now::{Board, CALL_AFTER, CallNow, Callee, Step, Track};
use super::drill::DrillPage;
use super::ic_page::{self, Mode};
use super::oncall::{self, Lookup, OnCall, Roster};
use crate::ctx::{Ctx, Wait};
use crate::deliver::DeliveryResult;
use crate::error::{CliError, CliResult, ErrorKind};
use crate::journal::new_id;
use crate::messages;
use crate::model::Incident;
use crate::providers::opsgenie;
use crate::providers::pagerduty::{self, NewIncident};
use crate::providers::{Delivery, SendError, pagerduty::PROVIDER as PD};

/// `inc page-ic`: what the ICs should know (else the current incident, else a generic summary).
#[derive(Debug, Default)]
pub struct IcPage {
    pub message: Option<String>,
    /// `--again`: page anew even though the incident's IC page is open.
    pub again: bool,
}

/// A pager that could not be reached: its people come from the cache.
#[derive(Clone, Debug)]
pub struct Stale {
    pub fetched_at: Timestamp,
    /// Why the live lookup failed.
    pub error: String,
    /// Seconds since `fetched_at`.
    pub age: i64,
}

impl Stale {
    fn of(s: Option<(Timestamp, String)>, now: Timestamp) -> Option<Stale> {
        s.map(|(at, error)| Stale {
            fetched_at: at,
            error,
            age: now.as_second() - at.as_second(),
        })
    }
}

/// One pager's part of the IC page: who it reaches, and its delivery (or why there is none).
#[derive(Debug)]
pub struct Part {
    pub provider: &'static str,
    pub name: &'static str,
    /// The schedules paged (shown when no one could be looked up).
    pub schedules: Vec<String>,
    pub people: Vec<OnCall>,
    pub stale: Option<Stale>,
    pub delivery: Option<Delivery>,
    /// Set when the page could not even be built (nobody is on call at all).
    pub error: Option<String>,
    /// The on-call lookup failed and nothing was cached; the page does not need it.
    pub lookup_error: Option<String>,
    /// The on-call cache could not be written.
    pub cache_error: Option<String>,
    pub result: Option<DeliveryResult>,
    /// The pager was not used: its credential is missing (why). Nothing was sent to it.
    pub skipped: Option<String>,
    /// The IC schedules nobody is on call for: (position in the schedules, schedule).
    pub gaps: Vec<(usize, String)>,
    /// On call, but the page did not reach them (PagerDuty assigned the service's page to
    /// others: they are not on the first level of its escalation policy).
    pub missed: Vec<OnCall>,
    /// A forgotten IC page found open beside this one (older than an hour, not this
    /// incident's): the ICs were paged anew.
    pub forgotten: Option<String>,
}

impl Part {
    fn new(provider: &'static str, name: &'static str, schedules: &[String]) -> Part {
        Part {
            provider,
            name,
            schedules: schedules.to_vec(),
            people: Vec::new(),
            stale: None,
            delivery: None,
            error: None,
            lookup_error: None,
            cache_error: None,
            result: None,
            skipped: None,
            gaps: Vec::new(),
            missed: Vec::new(),
            forgotten: None,
        }
    }
    pub fn ok(&self) -> bool {
        self.result.as_ref().is_some_and(|r| r.ok)
    }
    /// Went out, and reached every IC role it pages.
    pub fn complete(&self) -> bool {
        self.ok() && self.gaps.is_empty() && self.missed.is_empty()
    }
    /// The pager took the page but did not confirm it in time (kept in the outbox to check).
    pub fn unconfirmed(&self) -> bool {
        self.result.as_ref().is_some_and(|r| r.unconfirmed)
    }
    /// The pager reported the page as already open (nobody was paged twice).
    pub fn already(&self) -> bool {
        self.result.as_ref().is_some_and(ic_page::already)
    }
    /// Was this person reached by this part's page?
    pub fn reached(&self, who: &OnCall) -> bool {
        self.ok()
            && self.people.iter().any(|p| p.user_id == who.user_id)
            && !self.missed.iter().any(|m| m.user_id == who.user_id)
    }
    /// The IC roles this part's page reached (a role another pager reached is nobody to call).
    fn roles_reached(&self) -> Vec<String> {
        if !self.ok() {
            return Vec::new();
        }
        let mut roles: Vec<String> = self
            .people
            .iter()
            .filter(|p| self.reached(p))
            .map(|p| p.role.clone())
            .collect();
        // Opsgenie's alert goes to the schedules: without a lookup, it reached their roles.
        if self.people.is_empty() && self.gaps.is_empty() && self.provider == opsgenie::PROVIDER {
            roles.extend((0..self.schedules.len()).map(|i| role(i).to_string()));
        }
        roles
    }
}

/// Whom a page was meant to reach, and whether it did.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Paged {
    /// A schedule of a page sent without an on-call lookup.
    Schedule {
        role: &'static str,
        schedule: String,
        name: String,
        ok: bool,
        pager: &'static str,
    },
    /// A schedule nobody is on call for: that IC role was not paged.
    Gap {
        role: &'static str,
        schedule: String,
        ok: bool,
        nobody_on_call: bool,
        pager: &'static str,
    },
    Person {
        role: String,
        name: String,
        email: Option<String>,
        user_id: String,
        ok: bool,
        phone: Option<String>,
        pager: &'static str,
    },
}

/// The PagerDuty incident of the IC page.
#[derive(Debug, Serialize)]
pub struct PdIncident {
    pub id: Option<String>,
    pub url: Option<String>,
    pub already_open: bool,
}

/// The Opsgenie alert of the IC page.
#[derive(Debug, Serialize)]
pub struct Alert {
    pub id: Option<String>,
    pub alias: Option<String>,
    pub already_open: bool,
    pub note: Option<String>,
}

/// A pager whose page could not be built, or was skipped.
#[derive(Debug, Serialize)]
pub struct PagerError {
    pub pager: &'static str,
    pub error: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
}

/// What `inc page-ic` did: each pager's part with ✔/✘, the people to call by phone, the links.
#[derive(Debug, Serialize)]
pub struct PageOutcome {
    pub paged: Vec<Paged>,
    pub incident: Option<PdIncident>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<Alert>,
    pub stale_oncall: bool,
    pub dry_run: bool,
    pub deliveries: Vec<DeliveryResult>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<PagerError>,
    /// One part per pager, in order (PagerDuty first).
    #[serde(skip)]
    pub parts: Vec<Part>,
    /// Everyone no page reached (by person or by IC role): call them by hand, each once.
    #[serde(skip)]
    pub call_now: Vec<Callee>,
    /// The schedules of failed pages nobody could be looked up for.
    #[serde(skip)]
    pub unknown: Vec<String>,
    /// The incident the page belongs to, as it was before the page.
    #[serde(skip)]
    pub inc: Option<Incident>,
    /// Whom inc told to call by hand, and when: during the race, else with the outcome.
    #[serde(rename = "call_now", skip_serializing_if = "Option::is_none")]
    pub call: Option<CallNow>,
    /// The call-now was shown while the pages were still in flight.
    #[serde(skip)]
    pub early: bool,
}

impl PageOutcome {
    /// 0 when every pager paged every IC role, 1 when none paged, 3 in between (a pager skipped
    /// or failed, a schedule with nobody on call, an IC the page did not reach).
    pub fn exit(&self) -> CliResult {
        let complete = self.parts.iter().filter(|p| p.complete()).count();
        let ok = self.parts.iter().filter(|p| p.ok()).count();
        // Sent but not confirmed (Opsgenie still processing): it may land, so partly delivered.
        let unconfirmed = self.parts.iter().filter(|p| p.unconfirmed()).count();
        if complete == self.parts.len() {
            Ok(())
        } else if ok == 0 && unconfirmed == 0 {
            Err(CliError::silent(ErrorKind::Failed))
        } else {
            Err(CliError::silent(ErrorKind::Partial))
        }
    }
}

/// Which pagers page the ICs: PagerDuty unless it is there only for `declare` (no
/// `ic_schedules`) beside Opsgenie; Opsgenie when its table is present.
fn pagers(ctx: &Ctx) -> CliResult<(bool, bool)> {
    let v = &ctx.config()?.values;
    let use_og = v.opsgenie.is_some();
    let use_pd = match &v.pagerduty {
        None => false,
        Some(pd) => !(pd.ic_schedules.is_empty() && use_og),
    };
    if !use_pd && !use_og {
        // The same configuration error as every PagerDuty command.
        ctx.pagerduty()?;
    }
    if let Some(pd) = v.pagerduty.as_ref().filter(|_| use_pd) {
        if pd.ic_schedules.is_empty() {
            return Err(CliError::config(
                "pagerduty.ic_schedules is empty: list the IC rotation's schedule ids (primary first)",
            ));
        }
        if pd.ic_service.is_none() && pd.routing_key_env.is_none() {
            return Err(CliError::config(
                "set pagerduty.ic_service (REST) or pagerduty.routing_key_env (Events v2) to page the ICs",
            ));
        }
        if pd.ic_page == Some(crate::config::IcPageMode::Service) && pd.ic_service.is_none() {
            return Err(CliError::config(
                "pagerduty.ic_page = \"service\" needs pagerduty.ic_service: the service whose escalation policy pages every IC schedule",
            ));
        }
    }
    if let Some(og) = &v.opsgenie
        && og.ic_schedules.is_empty()
    {
        return Err(CliError::config(
            "opsgenie.ic_schedules is empty: list the IC schedules' names (primary first)",
        ));
    }
    Ok((use_pd, use_og))
}

/// What one pager's page needs to know, shared by both pagers.
struct Plan<'a> {
    ctx: &'a Ctx,
    board: &'a Board,
    /// Its track on the board.
    i: usize,
    schedules: Vec<String>,
    title: String,
    /// What the page says, ending in the inc marker.
    details: String,
    key: String,
    inc_id: Option<String>,
    /// The pages the incident knows already (reported, not journaled again).
    known: Vec<String>,
    /// False for a drill without `[drill] ic_schedules`: the page is only rehearsed.
    send: bool,
    skip: Option<String>,
    timeout: Duration,
    now: Timestamp,
}

impl Plan<'_> {
    fn state_dir(&self) -> &std::path::Path {
        &self.ctx.config().expect("loaded").state_dir
    }

    /// The on-call lookup has answered (live or from the cache), or failed with nothing cached.
    fn looked_up(&self, name: &str, found: &Result<Lookup, SendError>) {
        let why =
            |e: &dyn std::fmt::Display| format!("cannot read who is on call from {name}: {e}");
        match found {
            Ok(l) => self.board.looked_up(
                self.i,
                &l.people,
                l.stale.as_ref().map(|s| s.0),
                l.stale.as_ref().map(|s| why(&s.1)),
            ),
            Err(e) => self.board.trouble(self.i, why(e)),
        }
    }

    /// A pager skipped for a missing credential: whom its cache knows, to call.
    fn skipped<R: Roster>(&self, pager: &R, why: &str) -> Part {
        let mut part = Part::new(pager.provider(), pager.name(), &self.schedules);
        part.skipped = Some(why.to_string());
        let key = pager.cache_key(&self.schedules);
        if let Some(l) = Lookup::cached(self.state_dir(), &key, why.to_string()) {
            part.people = l.people;
            part.stale = Stale::of(l.stale, self.now);
        }
        self.board.sent(
            self.i,
            false,
            Some(format!("{} was skipped: {why}", pager.name())),
        );
        part
    }

    /// Takes what a lookup found into the part: the people, or why there are none.
    fn take(&self, part: &mut Part, found: Result<Lookup, SendError>) -> bool {
        match found {
            Ok(l) => {
                part.gaps = gaps(&self.schedules, &l.people);
                part.people = l.people;
                part.stale = Stale::of(l.stale, self.now);
                true
            }
            Err(e) => {
                part.lookup_error = Some(e.to_string());
                false
            }
        }
    }

    /// Sends the page (or rehearses it). A page that finds the same IC page already open is
    /// journaled once, and only when it belongs to this emergency: known to the incident, or
    /// opened in the last hour by another machine. One still open from longer ago is someone's
    /// forgotten page: the ICs are paged anew beside it, under a key every machine derives alike.
    async fn send(&self, part: &mut Part, mut d: Delivery) -> CliResult<DeliveryResult> {
        self.board.sending(self.i);
        let mut r = None;
        for _ in 0..3 {
            let sent = if self.send {
                let now = self.now;
                let known = &self.known;
                let keep = |r: &DeliveryResult| {
                    !ic_page::already(r)
                        || (!known.iter().any(|k| r.id.as_ref() == Some(k))
                            && ic_page::opened_at(r).is_none_or(|at| ic_page::recent(at, now)))
                };
                self.ctx.deliver_journaling(vec![d.clone()], keep).await?
            } else {
                self.ctx.rehearse(vec![d.clone()]).await?
            };
            let got = sent.into_iter().next().expect("one result per delivery");
            let forgotten = ic_page::already(&got)
                && !self.known.iter().any(|k| got.id.as_ref() == Some(k))
                && ic_page::opened_at(&got).is_some_and(|at| !ic_page::recent(at, self.now));
            if forgotten && let Some(id) = got.id.clone() {
                let at = ic_page::opened_at(&got)
                    .map(messages::time)
                    .unwrap_or_default();
                part.forgotten = Some(format!(
                    "an IC page opened {at} is still open ({id}, {}): it is not this incident's, so the ICs were paged anew; resolve it if it is over",
                    got.url.as_deref().unwrap_or("no link")
                ));
                let key = format!("{}-after-{id}", d.dedup_key);
                ic_page::rekey(&mut d, key);
                r = Some(got);
                continue;
            }
            r = Some(got);
            break;
        }
        let r = r.expect("sent at least once");
        part.delivery = Some(d);
        let why = r
            .error
            .as_ref()
            .map(|e| format!("the {} page failed: {e}", part.name));
        self.board.sent(self.i, r.ok, why);
        Ok(r)
    }
}

/// The IC schedules nobody is on call for, by what the lookup found.
pub fn gaps(schedules: &[String], people: &[OnCall]) -> Vec<(usize, String)> {
    schedules
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            !people.iter().any(|p| {
                p.schedule_id.as_deref() == Some(s.as_str())
                    || p.schedule.as_deref() == Some(s.as_str())
            })
        })
        .map(|(i, s)| (i, s.clone()))
        .collect()
}

/// Looks the ICs up for a page that needs their names first. With a cache, PagerDuty gets
/// [`CALL_AFTER`] to answer; after that the page goes to whom the cache knows instead of
/// waiting out the lookup (the lookup is dropped). The flag says the clock ran out: that is
/// the race's to say, not a failure of the lookup.
async fn lookup_first<R: Roster>(
    pager: &R,
    schedules: &[String],
    state_dir: &std::path::Path,
    timeout: Duration,
) -> (Result<Lookup, SendError>, bool) {
    let live = oncall::lookup(pager, schedules, state_dir, timeout);
    let key = pager.cache_key(schedules);
    if oncall::load(state_dir, &key).is_none() {
        return (live.await, false);
    }
    tokio::select! {
        found = live => (found, false),
        _ = tokio::time::sleep(CALL_AFTER) => {
            let why = format!("{} did not answer within {} s", pager.name(), CALL_AFTER.as_secs());
            let cached = Lookup::cached(state_dir, &key, why).ok_or(SendError::Transient {
                message: "timed out".into(),
                retry_after: None,
            });
            (cached, true)
        }
    }
}

/// Pages the ICs through every configured pager, concurrently. Each pager's part races a 2 s
/// clock: `show` is handed the people to call by hand as soon as a page is in doubt (see
/// [`super::call_now`]), while the pages keep being retried. A pager whose credential is
/// missing is skipped (the others page; exit 3); when none can page, nothing is written or
/// sent, whom the cache knows is shown, and the error names the credential (exit 78).
pub async fn page_ic(
    ctx: &Ctx,
    req: &IcPage,
    mut show: impl FnMut(Step<'_>),
) -> CliResult<PageOutcome> {
    let config = ctx.config()?;
    let (use_pd, use_og) = pagers(ctx)?;
    let inc = ctx.optional_incident()?;
    let drill = DrillPage::of(ctx, inc.as_ref(), use_pd)?;
    let use_og = use_og && drill.as_ref().is_none_or(|d| !(d.pages() && use_pd));
    let pd = if use_pd { Some(ctx.pagerduty()?) } else { None };
    let og = if use_og { Some(ctx.opsgenie()?) } else { None };
    let pd_cfg = config.values.pagerduty.clone().unwrap_or_default();
    let now = ctx.now();
    let summary = match (&req.message, &inc) {
        (Some(m), _) => m.trim().to_string(),
        (None, Some(i)) if i.is_paging() => i.title.clone(),
        (None, Some(i)) => format!("{} {}", i.severity, i.public_name()),
        (None, None) => "Incident Commander needed".to_string(),
    };
    let timeout = config.values.delivery.timeout.0;
    let state_dir = &config.state_dir;
    let pd_schedules = DrillPage::schedules(drill.as_ref(), pd_cfg.ic_schedules.clone());
    let og_schedules = DrillPage::schedules(
        drill.as_ref(),
        config
            .values
            .opsgenie
            .as_ref()
            .map(|c| c.ic_schedules.clone())
            .unwrap_or_default(),
    );
    let pd_service = match &drill {
        Some(d) => d.service.clone(),
        None => pd_cfg.ic_service.clone(),
    };
    let send = drill.as_ref().is_none_or(DrillPage::pages);
    // A missing credential is a configuration error, found before anything is written.
    let check = !ctx.dry_run() && send;
    let pd_skip = pd.filter(|_| check).and_then(|c| match &pd_service {
        Some(_) => c.token_problem(),
        None => c.routing_key_problem(),
    });
    let og_skip = og.filter(|_| check).and_then(|c| c.key_problem());

    // What the race knows: one track per pager, with its cache read up front, so the phone
    // numbers are there at once even while a lookup hangs.
    let cached = |key: String| oncall::load(state_dir, &key).map(|c| (c.people, c.fetched_at));
    let unknown = |s: &[String]| s.iter().map(|s| format!("schedule {s}")).collect();
    let mut tracks = Vec::new();
    if let Some(c) = pd {
        let cache = cached(c.cache_key(&pd_schedules));
        tracks.push(Track::new(PD, "PagerDuty", unknown(&pd_schedules), cache));
    }
    if let Some(c) = og {
        let cache = cached(c.cache_key(&og_schedules));
        let roles = (0..og_schedules.len())
            .map(|i| role(i).to_string())
            .collect();
        tracks.push(
            Track::new(
                opsgenie::PROVIDER,
                "Opsgenie",
                unknown(&og_schedules),
                cache,
            )
            .covering(roles),
        );
    }
    let board = Board::new(
        now,
        tracks,
        timeout,
        config.values.delivery.retry_for.0,
        ctx.dry_run(),
    );
    let board = &board;
    let (pd_i, og_i) = (0, usize::from(pd.is_some()));

    if (pd.is_none() || pd_skip.is_some()) && (og.is_none() || og_skip.is_some()) {
        // Nothing can page: whom to call from the caches; nothing written, nothing sent.
        let why: Vec<String> = [pd_skip.clone(), og_skip.clone()]
            .into_iter()
            .flatten()
            .collect();
        for (i, w) in why.iter().enumerate() {
            board.sent(i, false, Some(format!("nothing was paged ({w})")));
        }
        if let Some(c) = board.at_end().filter(|c| !c.people.is_empty()) {
            show(Step::CallNow(&c));
        }
        return Err(CliError::config(why.join("; ")));
    }

    // A pager another command saw down: the page still gets its whole budget, and the people to
    // call are shown at once rather than after the clock.
    for (i, on, endpoints) in [
        (pd_i, pd.is_some(), &["pagerduty", "pagerduty-events"][..]),
        (og_i, og.is_some(), &[opsgenie::PROVIDER][..]),
    ] {
        if let Some(why) = endpoints.iter().find_map(|e| ctx.failing(e)).filter(|_| on) {
            board.trouble(i, why);
        }
    }

    // The page belongs to an incident: with none declared yet (the usual order at 3 a.m.), it
    // opens one in state `paging` that `inc declare` adopts.
    let inc = match inc {
        Some(i) => Some(i),
        None if ctx.dry_run() => None,
        None => Some(open_paging(ctx, &summary, drill.is_some())?),
    };
    // The keys are the same on every machine: a second page anywhere finds this one open.
    let (pd_key, og_key) = ic_page::keys(pd_service.as_deref(), &og_schedules, req.again, now);
    let title = messages::tag_if(drill.is_some(), &format!("IC needed: {summary}"));
    let mut details = description(&summary, inc.as_ref(), &config.values.call);
    if let Some(m) = inc.as_ref().and_then(ic_page::marker) {
        details = format!("{details} {m}");
    }
    let inc_id = inc.as_ref().map(|i| i.id.clone());
    let known = ic_page::known(inc.as_ref());
    let plan = |i: usize, schedules: &[String], key: &str, skip: Option<String>| Plan {
        ctx,
        board,
        i,
        schedules: schedules.to_vec(),
        title: title.clone(),
        details: details.clone(),
        key: key.to_string(),
        inc_id: inc_id.clone(),
        known: known.clone(),
        send,
        skip,
        timeout,
        now,
    };
    let mode = ic_page::mode(
        pd_cfg.ic_page,
        pd_service.as_deref(),
        drill.is_some(),
        state_dir,
        &pd_schedules,
        now,
    );
    let pd_plan = plan(pd_i, &pd_schedules, &pd_key, pd_skip);
    let og_plan = plan(og_i, &og_schedules, &og_key, og_skip);
    let work = async {
        let (p, o) = tokio::join!(
            async {
                match pd {
                    Some(c) => pd_part(c, &pd_plan, mode, pd_service.as_deref())
                        .await
                        .map(Some),
                    None => Ok(None),
                }
            },
            async {
                match og {
                    Some(c) => og_part(c, &og_plan).await.map(Some),
                    None => Ok(None),
                }
            },
        );
        Ok::<_, CliError>([p?, o?].into_iter().flatten().collect::<Vec<Part>>())
    };
    let mut parts = board.race(work, show).await?;
    if !ctx.dry_run() {
        for p in parts
            .iter_mut()
            .filter(|p| p.stale.is_none() && p.skipped.is_none() && !p.people.is_empty())
        {
            let saved = match (p.provider, pd, og) {
                (PD, Some(c), _) => oncall::save(c, state_dir, &pd_schedules, &p.people, now),
                (_, _, Some(c)) if p.provider == opsgenie::PROVIDER => {
                    oncall::save(c, state_dir, &og_schedules, &p.people, now)
                }
                _ => Ok(()),
            };
            p.cache_error = saved.err().map(|e| e.to_string());
        }
    }
    let mut page = outcome(parts, inc, ctx.dry_run());
    page.early = board.shown().is_some();
    page.call = board.at_end();
    Ok(page)
}

/// The PagerDuty part of the IC page, in its mode.
async fn pd_part(
    c: &pagerduty::Client,
    plan: &Plan<'_>,
    mode: Mode,
    service: Option<&str>,
) -> CliResult<Part> {
    if let Some(why) = &plan.skip {
        return Ok(plan.skipped(c, why));
    }
    let mut part = Part::new(PD, "PagerDuty", &plan.schedules);
    let state_dir = plan.state_dir();
    if mode == Mode::Service {
        // One round trip: the page on the service ∥ who is on call (for the names and numbers).
        let d = pd_page(plan, &[], service);
        let (sent, found) = tokio::join!(plan.send(&mut part, d), async {
            let mut found = oncall::lookup(c, &plan.schedules, state_dir, plan.timeout).await;
            plan.looked_up("PagerDuty", &found);
            if let Ok(l) = &mut found {
                // Numbers are fetched only for whom the cache has none: no second trip.
                let mut new: Vec<OnCall> = l
                    .people
                    .iter()
                    .filter(|p| p.contacts.is_empty())
                    .cloned()
                    .collect();
                if !new.is_empty() && l.stale.is_none() {
                    oncall::refresh_contacts(c, &mut new, plan.timeout).await;
                    for n in new {
                        if let Some(p) = l.people.iter_mut().find(|p| p.user_id == n.user_id) {
                            p.contacts = n.contacts;
                        }
                    }
                    plan.board.contacts(plan.i, &l.people);
                }
            }
            found
        });
        let r = sent?;
        let live = found.as_ref().is_ok_and(|l| l.stale.is_none());
        plan.take(&mut part, found);
        // Whom PagerDuty assigned the new incident to: an IC on call it did not assign was
        // not paged (the policy's first level does not page that schedule).
        if r.ok && !ic_page::already(&r) {
            let assigned: Vec<String> = r
                .receipt
                .as_ref()
                .map(|x| &x.body["incident"]["assignments"])
                .and_then(|a| a.as_array())
                .into_iter()
                .flatten()
                .filter_map(|a| a["assignee"]["id"].as_str().map(str::to_string))
                .collect();
            if !assigned.is_empty() {
                part.missed = part
                    .people
                    .iter()
                    .filter(|p| !assigned.contains(&p.user_id))
                    .cloned()
                    .collect();
                let reached: Vec<OnCall> = part
                    .people
                    .iter()
                    .filter(|p| assigned.contains(&p.user_id))
                    .cloned()
                    .collect();
                plan.board.reaches(plan.i, &reached);
                if live && let Some(s) = service {
                    learn(plan, s, r.receipt.as_ref(), part.missed.is_empty());
                }
            }
        }
        part.result = Some(r);
        return Ok(part);
    }
    // Lookup, then the page to whom it found (or, found nobody, to the service).
    let (found, late) = lookup_first(c, &plan.schedules, state_dir, plan.timeout).await;
    match &found {
        Ok(l) if late => {
            plan.board
                .looked_up(plan.i, &l.people, l.stale.as_ref().map(|s| s.0), None)
        }
        _ => plan.looked_up("PagerDuty", &found),
    }
    let live = found.as_ref().is_ok_and(|l| l.stale.is_none());
    if plan.take(&mut part, found) && part.people.is_empty() {
        let why = "nobody is on call for any of pagerduty.ic_schedules".to_string();
        plan.board.sent(plan.i, false, Some(why.clone()));
        part.error = Some(why);
        return Ok(part);
    }
    // Nobody could be looked up, live or cached: the page still goes out (and is retried, and
    // kept in the outbox), to the IC service, whose escalation policy pages whoever is on call.
    // A lost lookup never loses the page.
    let d = pd_page(plan, &part.people, service);
    let mut people = part.people.clone();
    let (sent, ()) = tokio::join!(plan.send(&mut part, d), async {
        if part_is_live(live, &people) {
            oncall::refresh_contacts(c, &mut people, plan.timeout).await;
            plan.board.contacts(plan.i, &people);
        }
    });
    let r = sent?;
    if live {
        part.people = people;
        if mode == Mode::Assign
            && r.ok
            && !ic_page::already(&r)
            && let Some(s) = service
            && let Some(ep) = r
                .receipt
                .as_ref()
                .and_then(|x| x.body["incident"]["escalation_policy"]["id"].as_str())
        {
            let level1 = ic_page::level1_by_oncall(ep, &plan.schedules, &part.people);
            learn(plan, s, r.receipt.as_ref(), level1);
        }
    }
    part.result = Some(r);
    Ok(part)
}

fn part_is_live(live: bool, people: &[OnCall]) -> bool {
    live && !people.is_empty()
}

/// Remembers whether the IC service's policy pages every IC schedule on level 1, from a page
/// that showed it (the next `page-ic` pages in one round trip, or stops doing so).
fn learn(
    plan: &Plan<'_>,
    service: &str,
    receipt: Option<&crate::providers::Receipt>,
    level1: bool,
) {
    if plan.ctx.dry_run() || !plan.send {
        return;
    }
    let ep = receipt
        .and_then(|r| r.body["incident"]["escalation_policy"]["id"].as_str())
        .map(str::to_string);
    let p = ic_page::Policy {
        service: service.to_string(),
        schedules: plan.schedules.clone(),
        escalation_policy: ep,
        level1,
        checked_at: plan.now,
    };
    if let Err(e) = ic_page::store_policy(plan.state_dir(), &p) {
        plan.ctx
            .warn(format!("could not write the IC policy cache: {e}"));
    }
}

/// The Opsgenie part: the alert names the IC schedules, so it goes out at once, beside the
/// lookup (for the names, the numbers and the schedules nobody is on call for).
async fn og_part(c: &opsgenie::Client, plan: &Plan<'_>) -> CliResult<Part> {
    if let Some(why) = &plan.skip {
        return Ok(plan.skipped(c, why));
    }
    let mut part = Part::new(opsgenie::PROVIDER, "Opsgenie", &plan.schedules);
    let d = opsgenie::ic_alert(
        &plan.title,
        &plan.details,
        plan.key.clone(),
        &plan.schedules,
        plan.inc_id.as_deref(),
    );
    let state_dir = plan.state_dir();
    let (sent, found) = tokio::join!(plan.send(&mut part, d), async {
        let mut found = oncall::lookup(c, &plan.schedules, state_dir, plan.timeout).await;
        plan.looked_up("Opsgenie", &found);
        if let Ok(l) = &mut found
            && l.stale.is_none()
        {
            oncall::refresh_contacts(c, &mut l.people, plan.timeout).await;
            plan.board.contacts(plan.i, &l.people);
        }
        found
    });
    let r = sent?;
    plan.take(&mut part, found);
    part.result = Some(r);
    Ok(part)
}

/// A new incident in state `paging`, made current: the IC page's home until `inc declare`.
fn open_paging(ctx: &Ctx, message: &str, drill: bool) -> CliResult<Incident> {
    // From a room command (`inc bot`), the id derives from the command: two bots that both act
    // on it open the same incident, and so page with the same key.
    let id = ctx.new_incident_id();
    let journal = ctx.journal()?;
    let event = ctx.event(crate::model::EventKind::Paging {
        id: id.clone(),
        message: message.to_string(),
        drill,
    });
    journal.create(&id, &event)?;
    journal.set_current(&id)?;
    ctx.load(&id)
}

/// Tells the incident room who was paged through which pager, and the link, so nobody there
/// wonders whether an IC is coming (nothing without an incident or a room, or under --dry-run).
pub async fn announce(ctx: &Ctx, page: &PageOutcome) -> CliResult<Vec<DeliveryResult>> {
    match &page.inc {
        Some(inc) if super::room::configured(ctx) && !ctx.dry_run() => {
            let text = room_message(&page.parts);
            ctx.deliver(super::mirrors(ctx, inc, None, &[text], false))
                .await
        }
        _ => Ok(Vec::new()),
    }
}

fn outcome(parts: Vec<Part>, inc: Option<Incident>, dry_run: bool) -> PageOutcome {
    let mut paged = Vec::new();
    for p in &parts {
        if p.people.is_empty() && p.gaps.is_empty() {
            for (i, s) in p.schedules.iter().enumerate() {
                paged.push(Paged::Schedule {
                    role: role(i),
                    schedule: s.clone(),
                    name: s.clone(),
                    ok: p.ok(),
                    pager: p.provider,
                });
            }
        }
        paged.extend(p.people.iter().map(|o| Paged::Person {
            role: o.role.clone(),
            name: o.name.clone(),
            email: o.email.clone(),
            user_id: o.user_id.clone(),
            ok: p.reached(o),
            phone: o.phone().map(str::to_string),
            pager: p.provider,
        }));
        paged.extend(p.gaps.iter().map(|(i, s)| Paged::Gap {
            role: role(*i),
            schedule: s.clone(),
            ok: false,
            nobody_on_call: true,
            pager: p.provider,
        }));
    }
    let of = |provider: &str| parts.iter().find(|p| p.provider == provider);
    let incident = of(PD).and_then(|p| p.result.as_ref()).map(|r| PdIncident {
        id: r.id.clone(),
        url: r.url.clone(),
        already_open: ic_page::already(r),
    });
    let alert = of(opsgenie::PROVIDER).map(|p| {
        let r = p.result.as_ref();
        Alert {
            id: r.and_then(|r| r.id.clone()),
            alias: p.delivery.as_ref().map(|d| d.dedup_key.clone()),
            already_open: p.already(),
            note: r.and_then(|r| r.note.clone()),
        }
    });
    let errors = parts
        .iter()
        .filter_map(|p| {
            let (error, skipped) = match (&p.skipped, &p.error) {
                (Some(s), _) => (s.clone(), true),
                (None, Some(e)) => (e.clone(), false),
                (None, None) => return None,
            };
            Some(PagerError {
                pager: p.provider,
                error,
                skipped,
            })
        })
        .collect();
    let (call_now, unknown) = call_now(&parts);
    PageOutcome {
        paged,
        incident,
        alert,
        stale_oncall: parts.iter().any(|p| p.stale.is_some()),
        dry_run,
        deliveries: parts.iter().filter_map(|p| p.result.clone()).collect(),
        errors,
        call_now,
        unknown,
        parts,
        inc,
        call: None,
        early: false,
    }
}

/// Everyone no page reached, by person or by IC role (once each), and the schedules of
/// failed pages nobody could be looked up for.
fn call_now(parts: &[Part]) -> (Vec<Callee>, Vec<String>) {
    let same_email = |a: &OnCall, b: &OnCall| {
        a.email
            .as_deref()
            .zip(b.email.as_deref())
            .is_some_and(|(x, y)| x.eq_ignore_ascii_case(y))
    };
    // Reached: the same person by any page that went out, or the same IC role through
    // another pager.
    let reached = |part: &Part, who: &OnCall| {
        parts.iter().any(|p| {
            let person = p.people.iter().any(|a| {
                p.reached(a)
                    && ((p.provider == part.provider && a.user_id == who.user_id)
                        || same_email(a, who))
            });
            let role = p.provider != part.provider && p.roles_reached().contains(&who.role);
            person || role
        })
    };
    let mut call: Vec<Callee> = Vec::new();
    for p in parts {
        let cached_at = p.stale.as_ref().map(|s| s.fetched_at);
        for o in &p.people {
            let dup = call.iter().any(|c| {
                (c.pager == p.provider && c.user_id == o.user_id)
                    || c.email
                        .as_deref()
                        .zip(o.email.as_deref())
                        .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
            });
            if !dup && !reached(p, o) && !p.result.as_ref().is_some_and(|r| r.dry_run) {
                call.push(Callee {
                    role: o.role.clone(),
                    name: o.name.clone(),
                    email: o.email.clone(),
                    user_id: o.user_id.clone(),
                    phone: o.phone().map(str::to_string),
                    pager: p.provider,
                    cached_at,
                });
            }
        }
    }
    let unknown = parts
        .iter()
        .filter(|p| !p.ok() && p.people.is_empty() && p.gaps.is_empty())
        .flat_map(|p| p.schedules.iter().cloned())
        .collect();
    (call, unknown)
}

/// What the incident room is told: who was paged through which pager, and the link.
fn room_message(parts: &[Part]) -> String {
    let mut lines = Vec::new();
    for p in parts {
        let who: Vec<String> = p
            .people
            .iter()
            .filter(|o| !p.ok() || p.reached(o))
            .map(|o| format!("{} {}", o.role, o.name))
            .collect();
        let link = p
            .result
            .as_ref()
            .and_then(|r| r.url.clone())
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        let rehearsed = p.result.as_ref().is_some_and(|r| r.dry_run);
        lines.push(match (p.ok(), p.already()) {
            _ if p.skipped.is_some() => format!("✘ IC page via {} skipped (no credential)", p.name),
            _ if rehearsed => format!(
                "IC page via {} not sent (drill): would have paged {}",
                p.name,
                who.join(", ")
            ),
            (true, false) => format!("✔ IC page via {}: paged {}{link}", p.name, who.join(", ")),
            (true, true) => format!(
                "✔ IC page via {}: already paged {}{link}",
                p.name,
                who.join(", ")
            ),
            (false, _) => format!(
                "✘ IC page via {} FAILED for {}: call them by phone",
                p.name,
                who.join(", ")
            ),
        });
        for (i, s) in &p.gaps {
            lines.push(format!(
                "✘ nobody is on call for {} schedule {s} ({}): no {} IC was paged",
                p.name,
                role(*i),
                role(*i)
            ));
        }
        for m in &p.missed {
            lines.push(format!(
                "✘ {} {} is on call but was not paged via {}: call them by phone",
                m.role, m.name, p.name
            ));
        }
    }
    lines.join("\n")
}

/// The PagerDuty page: one incident on the IC service (assigned to `people`, else to whom its
/// escalation policy pages), carrying the inc marker in its body; or an Events v2 trigger.
fn pd_page(plan: &Plan<'_>, people: &[OnCall], service: Option<&str>) -> Delivery {
    let user_ids: Vec<String> = people.iter().map(|p| p.user_id.clone()).collect();
    match service {
        Some(service) => pagerduty::with_body(
            pagerduty::create_incident(NewIncident {
                action: "page_ic",
                title: plan.title.clone(),
                service,
                urgency: "high",
                incident_key: plan.key.clone(),
                assignees: &user_ids,
                escalation_policy: None,
                bridge: None,
                inc_id: plan.inc_id.as_deref(),
            }),
            &plan.details,
        ),
        None => {
            let details = json!({
                "ics": people.iter().map(|p| json!({"role": p.role, "name": p.name, "email": p.email})).collect::<Vec<_>>(),
                "inc": plan.details,
            });
            pagerduty::trigger(
                &plan.title,
                plan.key.clone(),
                details,
                plan.inc_id.as_deref(),
            )
        }
    }
}

/// The alert's description: what is wrong, and how to join.
fn description(summary: &str, inc: Option<&Incident>, call: &crate::config::CallConfig) -> String {
    let mut lines = vec![format!("Incident Commander needed: {summary}")];
    if let Some(i) = inc {
        lines.push(format!("inc incident {} ({})", i.id, i.severity));
    }
    lines.push(messages::contact_summary(call));
    lines.join("\n")
}

/// The role of the `i`th IC schedule.
pub fn role(i: usize) -> &'static str {
    match i {
        0 => "primary",
        1 => "backup",
        _ => "shadow",
    }
}

// ---- inc page ----

/// `inc page TARGET`: who to page, and what they should know.
#[derive(Debug, Default)]
pub struct TargetPage {
    pub target: String,
    pub message: Option<String>,
}

/// What `inc page` did: whom it paged, with what message, and the delivery.
#[derive(Debug, Serialize)]
pub struct TargetPaged {
    pub paged: Vec<String>,
    pub message: String,
    #[serde(skip)]
    pub results: Vec<DeliveryResult>,
    #[serde(skip)]
    pub dry_run: bool,
    /// Whom inc told to call by hand, and when: during the race, else with the outcome.
    #[serde(rename = "call_now", skip_serializing_if = "Option::is_none")]
    pub call: Option<CallNow>,
    /// The call-now was shown while the page was still in flight.
    #[serde(skip)]
    pub early: bool,
}

impl TargetPaged {
    pub fn ok(&self) -> bool {
        self.results.first().is_some_and(|r| r.ok)
    }
}

/// What a target resolved to: PagerDuty ids with their reference type.
enum Target {
    Users(Vec<(String, String)>),
    EscalationPolicy(String),
}

/// Does a cached on-call person match a target (`schedule:ID`, an email, a user id)?
fn is_target(t: &str, p: &OnCall) -> bool {
    if let Some(id) = t.strip_prefix("schedule:") {
        return p.schedule_id.as_deref() == Some(id);
    }
    if t.contains('@') {
        return p
            .email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(t));
    }
    !t.starts_with("ep:")
        && !t.starts_with("escalation_policy:")
        && p.user_id == t.strip_prefix("user:").unwrap_or(t)
}

/// Looks up a target (`ep:`, `schedule:` → its on-call, an email, a user id). When PagerDuty
/// cannot answer, the on-call cache (`cached`) stands in, and the board hears why.
async fn target(
    pd: &pagerduty::Client,
    t: &str,
    timeout: std::time::Duration,
    cached: Option<&(Vec<OnCall>, Timestamp)>,
    board: &Board,
) -> CliResult<Target> {
    let timed_out = || SendError::Transient {
        message: "timed out".into(),
        retry_after: None,
    };
    let fail = |e: SendError| {
        let why = format!("cannot look up {t} in PagerDuty: {e}");
        board.trouble(0, why.clone());
        match cached {
            // The page can still go out (and be retried) to whom the cache knows.
            Some((people, _)) if !matches!(e, SendError::Auth { .. }) => Ok(Target::Users(
                people
                    .iter()
                    .map(|p| (p.user_id.clone(), p.name.clone()))
                    .collect(),
            )),
            _ => Err(CliError::failed(why)),
        }
    };
    if let Some(id) = t
        .strip_prefix("ep:")
        .or_else(|| t.strip_prefix("escalation_policy:"))
    {
        return Ok(Target::EscalationPolicy(id.to_string()));
    }
    if let Some(id) = t.strip_prefix("schedule:") {
        let people = match tokio::time::timeout(timeout, pd.oncalls(&[id.to_string()])).await {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return fail(e),
            Err(_) => return fail(timed_out()),
        };
        if people.is_empty() {
            return Err(CliError::failed(format!(
                "no one is on call for schedule {id}"
            )));
        }
        return Ok(Target::Users(
            people.into_iter().map(|p| (p.user_id, p.name)).collect(),
        ));
    }
    if t.contains('@') {
        return match tokio::time::timeout(timeout, pd.user_by_email(t)).await {
            Ok(Ok(Some(u))) => Ok(Target::Users(vec![u])),
            Ok(Ok(None)) => Err(CliError::usage(format!(
                "TARGET {t}: no PagerDuty user has this email"
            ))),
            Ok(Err(e)) => fail(e),
            Err(_) => fail(timed_out()),
        };
    }
    let id = t.strip_prefix("user:").unwrap_or(t);
    if id.is_empty() {
        return Err(CliError::usage("TARGET is empty"));
    }
    Ok(Target::Users(vec![(id.to_string(), id.to_string())]))
}

/// Pages a target: as a responder on the incident's PagerDuty incident when there is one, else
/// on a new PagerDuty incident. The lookups and the page race a 2 s clock like `page_ic`'s:
/// `show` is handed whom to call (from the on-call cache) as soon as the page is in doubt.
pub async fn page(
    ctx: &Ctx,
    req: &TargetPage,
    mut show: impl FnMut(Step<'_>),
) -> CliResult<TargetPaged> {
    let config = ctx.config()?;
    let pd = ctx.pagerduty()?;
    let cfg = config
        .values
        .pagerduty
        .as_ref()
        .expect("pagerduty client implies config");
    let t = req.target.trim();
    let timeout = config.values.delivery.timeout.0;
    let cached = oncall::find_cached(&config.state_dir, |p| is_target(t, p));
    let board = Board::new(
        ctx.now(),
        vec![Track::new(
            PD,
            "PagerDuty",
            vec![t.to_string()],
            cached.clone(),
        )],
        timeout * 2,
        config.values.delivery.retry_for.0,
        ctx.dry_run(),
    );
    let board = &board;
    // No token: nothing is written or sent; whom the cache knows for the target is shown.
    if !ctx.dry_run()
        && let Some(why) = pd.token_problem()
    {
        board.sent(0, false, Some(format!("nothing was paged ({why})")));
        if let Some(c) = board.at_end().filter(|c| !c.people.is_empty()) {
            show(Step::CallNow(&c));
        }
        return Err(CliError::config(why));
    }
    let work = async {
        let target = target(pd, t, timeout, cached.as_ref(), board).await?;
        if let Target::Users(u) = &target {
            // Whom to call while the page is in doubt: the cache knows their numbers.
            let known = |id: &str| {
                cached
                    .iter()
                    .flat_map(|(people, _)| people)
                    .find(|p| p.user_id == id)
            };
            let people: Vec<OnCall> = u
                .iter()
                .map(|(id, name)| match known(id) {
                    Some(p) => p.clone(),
                    None => OnCall {
                        role: String::new(),
                        schedule_id: None,
                        schedule: None,
                        escalation_policy: None,
                        escalation_policy_id: None,
                        level: None,
                        user_id: id.clone(),
                        name: name.clone(),
                        email: None,
                        contacts: Vec::new(),
                    },
                })
                .collect();
            let at = cached.as_ref().map(|(_, at)| *at);
            board.looked_up(
                0,
                &people,
                at.filter(|_| u.iter().any(|(id, _)| known(id).is_some())),
                None,
            );
        }
        let inc = ctx.optional_incident()?;
        let message = req.message.clone().unwrap_or_else(|| match &inc {
            Some(i) => format!(
                "Please join the incident call: {} {}",
                i.severity,
                i.public_name()
            ),
            None => "Please join the incident call".into(),
        });
        // A drill pages only on its own PagerDuty incident or `[drill] service`; without either
        // the page is only rehearsed (SPEC "Drills").
        let drill = inc.as_ref().is_some_and(|i| i.drill);
        let message = messages::tag_if(drill, &message);
        let drill_service = drill.then(|| super::drill::config(ctx).service);
        let slug: String = t
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let inc_id = inc.as_ref().map(|i| i.id.as_str());
        let who: Vec<String> = match &target {
            Target::Users(u) => u.iter().map(|(_, name)| name.clone()).collect(),
            Target::EscalationPolicy(ep) => vec![format!("escalation policy {ep}")],
        };
        let mut delivery = match inc.as_ref().and_then(super::pd_incident) {
            Some(pd_id) => {
                let from = cfg.from.as_deref().ok_or_else(|| {
                    CliError::config("pagerduty.from is required to request responders")
                })?;
                let requester = match tokio::time::timeout(timeout, pd.user_by_email(from)).await {
                    Ok(Ok(Some(u))) => u.0,
                    Ok(Ok(None)) => {
                        return Err(CliError::config(format!(
                            "pagerduty.from: no PagerDuty user has the email {from}"
                        )));
                    }
                    Ok(Err(e)) => {
                        let why = format!("cannot look up pagerduty.from ({from}): {e}");
                        board.trouble(0, why.clone());
                        return Err(CliError::failed(why));
                    }
                    Err(_) => {
                        let why = format!("cannot look up pagerduty.from ({from}): timed out");
                        board.trouble(0, why.clone());
                        return Err(CliError::failed(why));
                    }
                };
                let targets: Vec<(String, &str)> = match &target {
                    Target::Users(u) => u
                        .iter()
                        .map(|(id, _)| (id.clone(), "user_reference"))
                        .collect(),
                    Target::EscalationPolicy(ep) => {
                        vec![(ep.clone(), "escalation_policy_reference")]
                    }
                };
                let key = format!(
                    "inc-{}-page-{slug}",
                    inc.as_ref().map_or("", |i| i.id.as_str())
                );
                pagerduty::responder_request(pd_id, &requester, &message, &targets, key, inc_id)
            }
            None => {
                let service = drill_service
                    .clone()
                    .flatten()
                    .or(cfg.incident_service.clone())
                    .or(cfg.ic_service.clone())
                    .ok_or_else(|| {
                        CliError::config(
                            "set pagerduty.incident_service to open incidents for `inc page`",
                        )
                    })?;
                let users: Vec<String> = match &target {
                    Target::Users(u) => u.iter().map(|(id, _)| id.clone()).collect(),
                    Target::EscalationPolicy(_) => Vec::new(),
                };
                let key = match inc_id {
                    Some(id) => format!("inc-{id}-page-{slug}"),
                    None => format!("inc-page-{slug}-{}", new_id(ctx.now())),
                };
                pagerduty::create_incident(NewIncident {
                    action: "page",
                    title: message.clone(),
                    service: &service,
                    urgency: "high",
                    incident_key: key,
                    assignees: &users,
                    escalation_policy: match &target {
                        Target::EscalationPolicy(ep) => Some(ep),
                        Target::Users(_) => None,
                    },
                    bridge: None,
                    inc_id,
                })
            }
        };
        // The journal and the post-mortem timeline name the people, not their PagerDuty ids.
        delivery.target = who.join(", ");
        board.sending(0);
        let rehearsed = delivery.action == "page" && drill_service.is_some_and(|s| s.is_none());
        // A re-run that finds the same page open reports it, journaled once.
        let known: Vec<String> = inc
            .as_ref()
            .map(|i| i.refs.iter().filter_map(|r| r.id.clone()).collect())
            .unwrap_or_default();
        let keep = |r: &DeliveryResult| {
            !ic_page::already(r) || !known.iter().any(|k| r.id.as_ref() == Some(k))
        };
        let results = if rehearsed {
            ctx.rehearse(vec![delivery]).await?
        } else {
            ctx.deliver_journaling(vec![delivery], keep).await?
        };
        let ok = results.first().is_some_and(|r| r.ok);
        let why = results.first().and_then(|r| r.error.clone());
        board.sent(0, ok, why.map(|e| format!("the page failed: {e}")));
        Ok(TargetPaged {
            paged: who,
            message,
            results,
            dry_run: ctx.dry_run(),
            call: None,
            early: false,
        })
    };
    let paged = board.race(work, &mut show).await;
    let early = board.shown().is_some();
    match paged {
        Ok(mut p) => {
            p.early = early;
            p.call = board.at_end();
            Ok(p)
        }
        Err(e) => {
            // The page cannot go out: whom to call, if the pager's trouble is why.
            if !early
                && board.in_trouble()
                && let Some(c) = board.at_end()
            {
                show(Step::CallNow(&c));
            }
            Err(e)
        }
    }
}

// ---- inc oncall ----

/// `inc oncall`: the IC schedules only (`ic`), else every schedule; only one person (`who`).
#[derive(Debug, Default)]
pub struct OnCallQuery {
    pub ic: bool,
    pub who: Option<String>,
}

/// One person on call, and the pager that says so.
#[derive(Debug, Serialize)]
pub struct Listed {
    #[serde(flatten)]
    pub person: OnCall,
    pub pager: &'static str,
}

/// An IC schedule nobody is on call for.
#[derive(Debug, Serialize)]
pub struct Gap {
    pub role: &'static str,
    pub schedule: String,
    pub pager: &'static str,
}

/// Who is on call: from every pager asked, stale when a pager answered from its cache.
#[derive(Debug, Serialize)]
pub struct OnCallList {
    pub oncall: Vec<Listed>,
    pub stale: bool,
    pub fetched_at: Option<Timestamp>,
    /// The IC schedules nobody is on call for (`--ic`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<Gap>,
    /// The pagers whose credential is missing (not asked: `skipped`) or refused: the cache
    /// answered for them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<PagerError>,
    /// More than one pager was asked.
    #[serde(skip)]
    pub several: bool,
    /// Each pager that answered from its cache, by name.
    #[serde(skip)]
    pub stale_pagers: Vec<(&'static str, Stale)>,
    /// Pagers asked (skipped ones included).
    #[serde(skip)]
    pub asked: usize,
}

impl OnCallList {
    /// 78 when no pager could be asked for want of a (valid) credential, 3 when one of several.
    pub fn exit(&self) -> CliResult {
        match self.skipped.len() {
            0 => Ok(()),
            n if n == self.asked => Err(CliError::silent(ErrorKind::Config)),
            _ => Err(CliError::silent(ErrorKind::Partial)),
        }
    }
}

/// One pager's answer.
struct Answer {
    provider: &'static str,
    name: &'static str,
    found: oncall::Lookup,
    schedules: Vec<String>,
    skipped: Option<String>,
}

/// Looks up one pager (live, else its cache), refreshes contacts and writes the cache. A pager
/// whose credential is missing is not asked: its cache answers, and the answer says why.
async fn ask<R: Roster>(ctx: &Ctx, pager: &R, schedules: &[String]) -> CliResult<Answer> {
    let config = ctx.config()?;
    let timeout = config.values.delivery.timeout.0;
    if let Some(why) = pager.credential_problem() {
        let key = pager.cache_key(schedules);
        let found = Lookup::cached(&config.state_dir, &key, why.clone()).unwrap_or(Lookup {
            people: Vec::new(),
            stale: None,
            refused: false,
        });
        return Ok(Answer {
            provider: pager.provider(),
            name: pager.name(),
            found,
            schedules: schedules.to_vec(),
            skipped: Some(why),
        });
    }
    let _waiting = ctx.waiting(vec![Wait::new(
        pager.provider(),
        "oncall",
        &schedules.join(", "),
    )]);
    let mut found = oncall::lookup(pager, schedules, &config.state_dir, timeout)
        .await
        .map_err(|e| {
            CliError::failed(format!(
                "cannot read who is on call from {}: {e}",
                pager.name()
            ))
        })?;
    if found.stale.is_none() {
        oncall::refresh_contacts(pager, &mut found.people, timeout).await;
        if !ctx.dry_run()
            && let Err(e) = oncall::save(
                pager,
                &config.state_dir,
                schedules,
                &found.people,
                ctx.now(),
            )
        {
            ctx.warn(format!("could not write the on-call cache: {e}"));
        }
    }
    Ok(Answer {
        provider: pager.provider(),
        name: pager.name(),
        found,
        schedules: schedules.to_vec(),
        skipped: None,
    })
}

/// The IC schedules of a pager, or all schedules (empty) without --ic.
fn schedules(ic: bool, configured: &[String], key: &str) -> CliResult<Vec<String>> {
    if !ic {
        return Ok(Vec::new());
    }
    if configured.is_empty() {
        return Err(CliError::config(format!("--ic needs {key} in the config")));
    }
    Ok(configured.to_vec())
}

/// Who is on call now, from every configured pager (PagerDuty first).
pub async fn on_call(ctx: &Ctx, q: &OnCallQuery) -> CliResult<OnCallList> {
    let config = ctx.config()?;
    let v = &config.values;
    let mut answers = Vec::new();
    // PagerDuty first (and alone unless Opsgenie is configured too).
    if v.pagerduty.is_some() || v.opsgenie.is_none() {
        let pd = ctx.pagerduty()?;
        let configured = v
            .pagerduty
            .as_ref()
            .map(|p| p.ic_schedules.clone())
            .unwrap_or_default();
        // With both pagers, the one without IC schedules sits out of --ic.
        if !(q.ic && configured.is_empty() && v.opsgenie.is_some()) {
            let s = schedules(q.ic, &configured, "pagerduty.ic_schedules")?;
            answers.push(ask(ctx, pd, &s).await?);
        }
    }
    if let Some(og_cfg) = &v.opsgenie
        && !(q.ic && og_cfg.ic_schedules.is_empty() && !answers.is_empty())
    {
        let og = ctx.opsgenie()?;
        let s = schedules(q.ic, &og_cfg.ic_schedules, "opsgenie.ic_schedules")?;
        answers.push(ask(ctx, og, &s).await?);
    }
    let now = ctx.now();
    let stale_pagers: Vec<(&'static str, Stale)> = answers
        .iter()
        .filter_map(|a| Some((a.name, Stale::of(a.found.stale.clone(), now)?)))
        .collect();
    let mut oncall: Vec<Listed> = Vec::new();
    let mut gap_list = Vec::new();
    for a in &answers {
        oncall.extend(a.found.people.iter().cloned().map(|person| Listed {
            person,
            pager: a.provider,
        }));
        // A schedule nobody is on call for (known only when the pager or its cache answered).
        if q.ic && (a.skipped.is_none() || a.found.stale.is_some()) {
            gap_list.extend(gaps(&a.schedules, &a.found.people).into_iter().map(
                |(i, schedule)| Gap {
                    role: role(i),
                    schedule,
                    pager: a.provider,
                },
            ));
        }
    }
    if let Some(who) = &q.who {
        let w = who.to_lowercase();
        oncall.retain(|l| {
            let p = &l.person;
            p.user_id.eq_ignore_ascii_case(who)
                || p.name.to_lowercase().contains(&w)
                || p.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(who))
        });
        gap_list.clear();
    }
    // A pager not asked (no credential) or that refused the credential: the list is the
    // cache's, and the exit says the configuration is wrong.
    let skipped = answers
        .iter()
        .filter_map(|a| match (&a.skipped, &a.found.stale) {
            (Some(why), _) => Some(PagerError {
                pager: a.provider,
                error: why.clone(),
                skipped: true,
            }),
            (None, Some((_, why))) if a.found.refused => Some(PagerError {
                pager: a.provider,
                error: why.clone(),
                skipped: false,
            }),
            _ => None,
        })
        .collect();
    Ok(OnCallList {
        oncall,
        stale: !stale_pagers.is_empty(),
        fetched_at: stale_pagers.first().map(|(_, s)| s.fetched_at),
        gaps: gap_list,
        skipped,
        several: answers.len() > 1,
        stale_pagers,
        asked: answers.len(),
    })
}
