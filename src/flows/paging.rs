//! Paging: the primary AND the backup Incident Commander through every configured pager at once
//! (`inc page-ic`: on-call lookups ∥, then the pages ∥ fresh contacts, the on-call cache, the
//! phone numbers to call when a page fails, the note to the incident room), one person, schedule
//! or escalation policy (`inc page`), and who is on call (`inc oncall`).

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;

use super::call_now::{Board, CallNow, Step, Track};
use super::drill::DrillPage;
use super::oncall::{self, OnCall, Roster};
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
    /// Set when the page could not even be built (the on-call lookup failed).
    pub error: Option<String>,
    /// The on-call lookup failed; the page does not need it (Opsgenie pages the schedules).
    pub lookup_error: Option<String>,
    /// The on-call cache could not be written.
    pub cache_error: Option<String>,
    pub result: Option<DeliveryResult>,
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
        }
    }
    pub fn ok(&self) -> bool {
        self.result.as_ref().is_some_and(|r| r.ok)
    }
    /// The pager took the page but did not confirm it in time (kept in the outbox to check).
    pub fn unconfirmed(&self) -> bool {
        self.result.as_ref().is_some_and(|r| r.unconfirmed)
    }
    /// The pager reported the page as already open (nobody was paged twice).
    pub fn already(&self) -> bool {
        self.result
            .as_ref()
            .and_then(|r| r.note.as_deref())
            .is_some_and(|n| n.starts_with("already"))
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

/// A pager whose page could not be built.
#[derive(Debug, Serialize)]
pub struct PagerError {
    pub pager: &'static str,
    pub error: String,
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
    /// Everyone a failed page should have reached and no other page did: call them by hand.
    #[serde(skip)]
    pub call_now: Vec<OnCall>,
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
    /// 0 when every pager paged, 1 when none did, 3 when some did.
    pub fn exit(&self) -> CliResult {
        let ok = self.parts.iter().filter(|p| p.ok()).count();
        // Sent but not confirmed (Opsgenie still processing): it may land, so partly delivered.
        let unconfirmed = self.parts.iter().filter(|p| p.unconfirmed()).count();
        if ok == self.parts.len() {
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

/// Pages the ICs through every configured pager. Critical path: the on-call lookups
/// (concurrently), then the pages (concurrently); contacts and the caches come after. The
/// lookups and the pages race a 2 s clock: `show` is handed the people to call by hand as soon
/// as a page is in doubt (see [`call_now`]), while the pages keep being retried.
pub async fn page_ic(
    ctx: &Ctx,
    req: &IcPage,
    show: impl FnMut(Step<'_>),
) -> CliResult<PageOutcome> {
    let config = ctx.config()?;
    let (use_pd, use_og) = pagers(ctx)?;
    let inc = ctx.optional_incident()?;
    let drill = DrillPage::of(ctx, inc.as_ref(), use_pd)?;
    let use_og = use_og && drill.as_ref().is_none_or(|d| !(d.pages() && use_pd));
    let pd = if use_pd { Some(ctx.pagerduty()?) } else { None };
    let og = if use_og { Some(ctx.opsgenie()?) } else { None };
    let now = ctx.now();
    let summary = match (&req.message, &inc) {
        (Some(m), _) => m.trim().to_string(),
        (None, Some(i)) if i.is_paging() => i.title.clone(),
        (None, Some(i)) => format!("{} {}", i.severity, i.public_name()),
        (None, None) => "Incident Commander needed".to_string(),
    };
    // The page belongs to an incident: with none declared yet (the usual order at 3 a.m.), it
    // opens one in state `paging` that `inc declare` adopts. Its key is stable, so a second
    // page-ic reports the open page instead of paging twice.
    let inc = match inc {
        Some(i) => Some(i),
        None if ctx.dry_run() => None,
        None => Some(open_paging(ctx, &summary, drill.is_some())?),
    };
    let key = match &inc {
        Some(i) => {
            let earlier = i
                .refs
                .iter()
                .filter(|r| matches!(r.action.as_str(), "page_ic" | "page_ic_event"))
                .count();
            match (req.again, earlier) {
                (true, n) if n > 0 => format!("{}-again-{}", opsgenie::ic_alias(&i.id), n),
                _ => opsgenie::ic_alias(&i.id),
            }
        }
        None => format!("inc-ic-page-{}", new_id(now)),
    };
    let title = messages::tag_if(drill.is_some(), &format!("IC needed: {summary}"));
    let timeout = config.values.delivery.timeout.0;
    let state_dir = &config.state_dir;
    let pd_schedules = DrillPage::schedules(
        drill.as_ref(),
        config
            .values
            .pagerduty
            .as_ref()
            .map(|c| c.ic_schedules.clone())
            .unwrap_or_default(),
    );
    let og_schedules = DrillPage::schedules(
        drill.as_ref(),
        config
            .values
            .opsgenie
            .as_ref()
            .map(|c| c.ic_schedules.clone())
            .unwrap_or_default(),
    );
    let service = drill.as_ref().and_then(|d| d.service.as_deref());

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
        let name = "Opsgenie";
        tracks.push(Track::new(
            opsgenie::PROVIDER,
            name,
            unknown(&og_schedules),
            cache,
        ));
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
    let looked_up = |i: usize, name: &str, found: &Result<oncall::Lookup, SendError>| {
        let why =
            |e: &dyn std::fmt::Display| format!("cannot read who is on call from {name}: {e}");
        match found {
            Ok(l) => board.looked_up(
                i,
                &l.people,
                l.stale.as_ref().map(|s| s.0),
                l.stale.as_ref().map(|s| why(&s.1)),
            ),
            Err(e) => board.trouble(i, why(e)),
        }
    };

    let work = async {
        let (pd_found, og_found) = tokio::join!(
            async {
                let c = pd?;
                let found = oncall::lookup(c, &pd_schedules, state_dir, timeout).await;
                looked_up(pd_i, "PagerDuty", &found);
                Some(found)
            },
            async {
                let c = og?;
                let found = oncall::lookup(c, &og_schedules, state_dir, timeout).await;
                looked_up(og_i, "Opsgenie", &found);
                Some(found)
            },
        );
        let stale = |s: Option<(Timestamp, String)>| {
            s.map(|(at, error)| Stale {
                fetched_at: at,
                error,
                age: now.as_second() - at.as_second(),
            })
        };
        let mut parts: Vec<Part> = Vec::new();
        let inc_id = inc.as_ref().map(|i| i.id.as_str());
        if let Some(found) = pd_found {
            let mut part = Part::new(PD, "PagerDuty", &pd_schedules);
            match found {
                Ok(l) if !l.people.is_empty() => {
                    part.people = l.people;
                    part.stale = stale(l.stale);
                    part.delivery =
                        Some(pd_page(ctx, &part.people, &title, &key, inc_id, service)?);
                }
                Ok(_) if og.is_none() => {
                    return Err(
                        CliError::failed("no one is on call for pagerduty.ic_schedules")
                            .hint("page the IC rotation's escalation policy from PagerDuty"),
                    );
                }
                Ok(_) => part.error = Some("no one is on call for pagerduty.ic_schedules".into()),
                // Nobody could be looked up, live or cached: the page still goes out (and is
                // retried, and kept in the outbox), to the IC service, whose escalation policy
                // pages whoever is on call. A lost lookup never loses the page.
                Err(e) => {
                    part.lookup_error = Some(e.to_string());
                    part.delivery = Some(pd_page(ctx, &[], &title, &key, inc_id, service)?);
                }
            }
            if let Some(e) = &part.error {
                board.sent(pd_i, false, Some(format!("the PagerDuty page failed: {e}")));
            }
            parts.push(part);
        }
        if let Some(found) = og_found {
            let description = description(&summary, inc.as_ref(), &config.values.call);
            let mut part = Part::new(opsgenie::PROVIDER, "Opsgenie", &og_schedules);
            part.delivery = Some(opsgenie::ic_alert(
                &title,
                &description,
                key.clone(),
                &og_schedules,
                inc_id,
            ));
            // The alert goes to the schedules themselves: who is on call is for the report and
            // the phone numbers, and its failure does not stop the page.
            match found {
                Ok(l) => {
                    part.people = l.people;
                    part.stale = stale(l.stale);
                }
                Err(e) => part.lookup_error = Some(e.to_string()),
            }
            parts.push(part);
        }

        // Each page on its own, so the race learns of each as it lands. A drill without
        // `[drill] ic_schedules` pages nobody: the page is only rehearsed.
        let send = drill.as_ref().is_none_or(DrillPage::pages);
        let to_send: Vec<(usize, &'static str, Delivery)> = parts
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((i, p.name, p.delivery.clone()?)))
            .collect();
        let sends = to_send.into_iter().map(|(i, name, d)| async move {
            board.sending(i);
            let sent = if send {
                ctx.deliver(vec![d]).await?
            } else {
                ctx.rehearse(vec![d]).await?
            };
            let r = sent.into_iter().next().expect("one result per delivery");
            let why = r
                .error
                .as_ref()
                .map(|e| format!("the {name} page failed: {e}"));
            board.sent(i, r.ok, why);
            Ok::<_, CliError>((i, r))
        });
        let (results, ()) = tokio::join!(futures_util::future::join_all(sends), async {
            let refresh = parts
                .iter_mut()
                .enumerate()
                .filter(|(_, p)| p.stale.is_none())
                .map(|(i, p)| async move {
                    if p.provider == PD {
                        if let Some(c) = pd {
                            oncall::refresh_contacts(c, &mut p.people, timeout).await;
                        }
                    } else if let Some(c) = og {
                        oncall::refresh_contacts(c, &mut p.people, timeout).await;
                    }
                    board.contacts(i, &p.people);
                });
            futures_util::future::join_all(refresh).await;
        });
        for r in results {
            let (i, r) = r?;
            parts[i].result = Some(r);
        }
        Ok(parts)
    };
    let mut parts = board.race(work, show).await?;
    if !ctx.dry_run() {
        for p in parts
            .iter_mut()
            .filter(|p| p.stale.is_none() && !p.people.is_empty())
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

/// A new incident in state `paging`, made current: the IC page's home until `inc declare`.
fn open_paging(ctx: &Ctx, message: &str, drill: bool) -> CliResult<Incident> {
    let id = new_id(ctx.now());
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
        if p.people.is_empty() {
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
            ok: p.ok(),
            phone: o.phone().map(str::to_string),
            pager: p.provider,
        }));
    }
    let of = |provider: &str| parts.iter().find(|p| p.provider == provider);
    let incident = of(PD).and_then(|p| p.result.as_ref()).map(|r| PdIncident {
        id: r.id.clone(),
        url: r.url.clone(),
        already_open: r.note.is_some(),
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
            p.error.as_ref().map(|e| PagerError {
                pager: p.provider,
                error: e.clone(),
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

/// Everyone a failed page should have reached and no other page did (once each), and the
/// schedules of failed pages nobody could be looked up for.
fn call_now(parts: &[Part]) -> (Vec<OnCall>, Vec<String>) {
    let same_email = |a: &OnCall, b: &OnCall| {
        a.email
            .as_deref()
            .zip(b.email.as_deref())
            .is_some_and(|(x, y)| x.eq_ignore_ascii_case(y))
    };
    // Is this person reached by some page that went out?
    let reached = |who: &OnCall| {
        parts.iter().filter(|p| p.ok()).any(|p| {
            p.people.iter().any(|a| {
                a.user_id == who.user_id && a.schedule_id == who.schedule_id || same_email(a, who)
            })
        })
    };
    let failed: Vec<&Part> = parts.iter().filter(|p| !p.ok()).collect();
    let mut call: Vec<OnCall> = Vec::new();
    for o in failed.iter().flat_map(|p| &p.people) {
        let dup = call
            .iter()
            .any(|c| c.user_id == o.user_id || same_email(c, o));
        if !dup && !reached(o) {
            call.push(o.clone());
        }
    }
    let unknown = failed
        .iter()
        .filter(|p| p.people.is_empty())
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
    }
    lines.join("\n")
}

/// The PagerDuty page: one incident assigned to every on-call IC (REST), or an Events v2 trigger.
fn pd_page(
    ctx: &Ctx,
    people: &[OnCall],
    title: &str,
    key: &str,
    inc_id: Option<&str>,
    drill_service: Option<&str>,
) -> CliResult<Delivery> {
    let cfg = ctx
        .config()?
        .values
        .pagerduty
        .as_ref()
        .expect("checked by pagers()");
    let user_ids: Vec<String> = people.iter().map(|p| p.user_id.clone()).collect();
    Ok(match drill_service.or(cfg.ic_service.as_deref()) {
        Some(service) => pagerduty::create_incident(NewIncident {
            action: "page_ic",
            title: title.to_string(),
            service,
            urgency: "high",
            incident_key: key.to_string(),
            assignees: &user_ids,
            escalation_policy: None,
            bridge: None,
            inc_id,
        }),
        None => {
            let details = json!({ "ics": people.iter().map(|p| json!({"role": p.role, "name": p.name, "email": p.email})).collect::<Vec<_>>() });
            pagerduty::trigger(title, key.to_string(), details, inc_id)
        }
    })
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
        let results = if rehearsed {
            ctx.rehearse(vec![delivery]).await?
        } else {
            ctx.deliver(vec![delivery]).await?
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

/// Who is on call: from every pager asked, stale when a pager answered from its cache.
#[derive(Debug, Serialize)]
pub struct OnCallList {
    pub oncall: Vec<Listed>,
    pub stale: bool,
    pub fetched_at: Option<Timestamp>,
    /// More than one pager was asked.
    #[serde(skip)]
    pub several: bool,
    /// Each pager that answered from its cache, by name.
    #[serde(skip)]
    pub stale_pagers: Vec<(&'static str, Stale)>,
}

/// One pager's answer.
struct Answer {
    provider: &'static str,
    name: &'static str,
    found: oncall::Lookup,
}

/// Looks up one pager (live, else its cache), refreshes contacts and writes the cache.
async fn ask<R: Roster>(ctx: &Ctx, pager: &R, schedules: &[String]) -> CliResult<Answer> {
    let config = ctx.config()?;
    let timeout = config.values.delivery.timeout.0;
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
        .filter_map(|a| {
            let (at, err) = a.found.stale.clone()?;
            let age = now.as_second() - at.as_second();
            Some((
                a.name,
                Stale {
                    fetched_at: at,
                    error: err,
                    age,
                },
            ))
        })
        .collect();
    let mut oncall: Vec<Listed> = Vec::new();
    for a in &answers {
        oncall.extend(a.found.people.iter().cloned().map(|person| Listed {
            person,
            pager: a.provider,
        }));
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
    }
    Ok(OnCallList {
        oncall,
        stale: !stale_pagers.is_empty(),
        fetched_at: stale_pagers.first().map(|(_, s)| s.fetched_at),
        several: answers.len() > 1,
        stale_pagers,
    })
}
