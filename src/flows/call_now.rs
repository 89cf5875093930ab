//! Phone numbers first (SPEC `page-ic`): a page races a 2 s clock. When a pager has not
//! confirmed the page by then, or its on-call lookup or the page failed sooner, the caller is
//! handed the people to call by hand at once (from the live lookup, else the on-call cache),
//! while the page keeps being retried within the delivery budget. The board is what the race
//! reads: the paging flows tell it what each pager did so far; it never prints.

use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::oncall::OnCall;

/// How long a page may take before the people are shown to call by hand.
pub const CALL_AFTER: Duration = Duration::from_secs(2);

/// A step of a page, handed to the caller as it happens.
pub enum Step<'a> {
    /// Call them now: a pager has not confirmed the page in time, or something failed.
    CallNow(&'a CallNow),
    /// One pager's page went out after the call-now, while another is still being retried.
    WentOut(&'a WentOut),
}

/// Who to call by hand, why, and until when the page keeps being retried.
#[derive(Clone, Debug, Serialize)]
pub struct CallNow {
    /// When it was shown, and how long after the page started.
    pub shown_at: Timestamp,
    pub after_ms: u64,
    /// Why: what failed, or which pager has not confirmed the page in time.
    pub reason: String,
    pub people: Vec<Callee>,
    /// What could not be resolved to a person (no lookup answered, nothing cached).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
    /// The page keeps being retried until then at the latest; `None`: it is not retried.
    pub retrying_until: Option<Timestamp>,
}

/// One person to call.
#[derive(Clone, Debug, Serialize)]
pub struct Callee {
    pub role: String,
    pub name: String,
    pub email: Option<String>,
    pub user_id: String,
    pub phone: Option<String>,
    pub pager: &'static str,
    /// Set when the person comes from the on-call cache: when it was fetched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cached_at: Option<Timestamp>,
}

/// A page that went out after the call-now was shown.
#[derive(Clone, Debug, Serialize)]
pub struct WentOut {
    pub pager: &'static str,
    pub name: &'static str,
    pub at: Timestamp,
    pub after_ms: u64,
}

/// What the race knows of one pager's page.
pub struct Track {
    pub pager: &'static str,
    pub name: &'static str,
    /// Whom the page is for, once a lookup answered (live or from the cache).
    people: Option<Vec<OnCall>>,
    /// Set when `people` come from the on-call cache: when it was fetched.
    cached_at: Option<Timestamp>,
    /// The cache, read up front: whom to call while the lookup has not answered.
    cache: Option<(Vec<OnCall>, Timestamp)>,
    /// What to name when no one is known (the schedules, the target).
    unknown: Vec<String>,
    /// The first thing that failed (the lookup, the page).
    trouble: Option<String>,
    /// `None` while the page is in flight (or not sent yet); then whether it went out.
    done: Option<bool>,
    /// When the delivery budget started (the page was handed to the engine).
    sending_since: Option<Instant>,
    /// The IC roles (`primary`, `backup`, ...) the page reaches once it went out: a role
    /// another pager reached is nobody to call by hand.
    roles: Vec<String>,
    said: bool,
}

impl Track {
    pub fn new(
        pager: &'static str,
        name: &'static str,
        unknown: Vec<String>,
        cache: Option<(Vec<OnCall>, Timestamp)>,
    ) -> Track {
        Track {
            pager,
            name,
            people: None,
            cached_at: None,
            cache: cache.filter(|(p, _)| !p.is_empty()),
            unknown,
            trouble: None,
            done: None,
            sending_since: None,
            roles: Vec::new(),
            said: false,
        }
    }

    /// A page that reaches these roles whoever holds them (Opsgenie pages the schedules), until
    /// a lookup says who is on call.
    pub fn covering(mut self, roles: Vec<String>) -> Track {
        self.roles = roles;
        self
    }

    /// The people known now, and when they were cached (`None`: live).
    fn known(&self) -> Option<(&[OnCall], Option<Timestamp>)> {
        match (&self.people, &self.cache) {
            (Some(p), _) if !p.is_empty() => Some((p, self.cached_at)),
            (None, Some((p, at))) => Some((p, Some(*at))),
            _ => None,
        }
    }
}

/// The race's view of a page: one track per pager, updated by the flow as things happen.
pub struct Board {
    tracks: RefCell<Vec<Track>>,
    alarm: Notify,
    start: Instant,
    started_at: Timestamp,
    /// How long the lookups may take before the page is handed to the engine.
    before_send: Duration,
    retry_for: Duration,
    /// `--dry-run`: nothing is paged, so nobody is told to call.
    off: bool,
    shown: RefCell<Option<CallNow>>,
}

impl Board {
    pub fn new(
        started_at: Timestamp,
        tracks: Vec<Track>,
        before_send: Duration,
        retry_for: Duration,
        off: bool,
    ) -> Board {
        Board {
            tracks: RefCell::new(tracks),
            alarm: Notify::new(),
            start: Instant::now(),
            started_at,
            before_send,
            retry_for,
            off,
            shown: RefCell::new(None),
        }
    }

    fn now(&self) -> (Timestamp, u64) {
        let since = self.start.elapsed();
        let at = self
            .started_at
            .checked_add(SignedDuration::try_from(since).unwrap_or_default())
            .unwrap_or(self.started_at);
        (at, since.as_millis() as u64)
    }

    fn ring(&self) {
        self.alarm.notify_one();
    }

    /// A lookup answered: the people (live, or cached at `cached_at`), and why the live lookup
    /// failed, if it did.
    pub fn looked_up(
        &self,
        i: usize,
        people: &[OnCall],
        cached_at: Option<Timestamp>,
        failed: Option<String>,
    ) {
        let mut t = self.tracks.borrow_mut();
        let t = &mut t[i];
        t.people = Some(people.to_vec());
        t.cached_at = cached_at;
        t.roles = roles_of(people);
        if let Some(f) = failed {
            t.trouble.get_or_insert(f);
            self.ring();
        }
    }

    /// Fresh contacts arrived for the people of a track.
    pub fn contacts(&self, i: usize, people: &[OnCall]) {
        self.tracks.borrow_mut()[i].people = Some(people.to_vec());
    }

    /// The page went out but reaches only these people (PagerDuty assigned the incident to
    /// them): the roles of the others are not covered by it.
    pub fn reaches(&self, i: usize, people: &[OnCall]) {
        self.tracks.borrow_mut()[i].roles = roles_of(people);
    }

    /// Something failed that does not end the page (yet): the race does not wait for the clock.
    pub fn trouble(&self, i: usize, why: String) {
        self.tracks.borrow_mut()[i].trouble.get_or_insert(why);
        self.ring();
    }

    /// The page was handed to the engine: its budget runs from now.
    pub fn sending(&self, i: usize) {
        self.tracks.borrow_mut()[i].sending_since = Some(Instant::now());
    }

    /// The page went out, or failed for good (`error`).
    pub fn sent(&self, i: usize, ok: bool, error: Option<String>) {
        let mut t = self.tracks.borrow_mut();
        let t = &mut t[i];
        t.done = Some(ok);
        if !ok {
            t.trouble
                .get_or_insert(error.unwrap_or_else(|| "the page failed".into()));
        }
        self.ring();
    }

    /// Did anything fail yet (a lookup, the page)?
    pub fn in_trouble(&self) -> bool {
        self.tracks.borrow().iter().any(|t| t.trouble.is_some())
    }

    /// The call-now shown during the race, if any.
    pub fn shown(&self) -> Option<CallNow> {
        self.shown.borrow().clone()
    }

    /// Runs `work` against the clock, handing `show` the call-now once it is due (and, after
    /// it, each page that still went out while another is retried). Returns what `work` did.
    pub async fn race<T>(
        &self,
        work: impl Future<Output = T>,
        mut show: impl FnMut(Step<'_>),
    ) -> T {
        if self.off {
            return work.await;
        }
        let mut work = std::pin::pin!(work);
        let clock = tokio::time::sleep(CALL_AFTER);
        let mut clock = std::pin::pin!(clock);
        let mut late = false;
        loop {
            tokio::select! {
                biased;
                r = &mut work => return r,
                _ = &mut clock, if !late => late = true,
                _ = self.alarm.notified() => {}
            }
            self.check(late, &mut show);
        }
    }

    fn check(&self, late: bool, show: &mut impl FnMut(Step<'_>)) {
        if self.shown.borrow().is_some() {
            let (at, after_ms) = self.now();
            let mut tracks = self.tracks.borrow_mut();
            let pending = tracks.iter().filter(|t| t.done.is_none()).count();
            for t in tracks.iter_mut() {
                if t.done == Some(true) && !t.said && pending > 0 {
                    t.said = true;
                    show(Step::WentOut(&WentOut {
                        pager: t.pager,
                        name: t.name,
                        at,
                        after_ms,
                    }));
                }
            }
            return;
        }
        if let Some(c) = self.due(late) {
            // A page that went out before the call is in it already (whom it reached is not listed).
            for t in self.tracks.borrow_mut().iter_mut() {
                t.said = t.done == Some(true);
            }
            show(Step::CallNow(&c));
            *self.shown.borrow_mut() = Some(c);
        }
    }

    /// The call-now if one is due: someone no page has reached, and no page in flight (within
    /// its 2 s, with nothing failed yet) may still reach.
    fn due(&self, late: bool) -> Option<CallNow> {
        let tracks = self.tracks.borrow();
        // Reached (or still hopeful within the 2 s): the same person, or the same IC role
        // through another pager.
        let reached = |pager: &'static str, who: &OnCall| {
            tracks.iter().any(|t| {
                let hopeful = t.done.is_none() && t.trouble.is_none() && !late;
                let person = t.known().is_some_and(|(people, _)| {
                    people.iter().any(|p| {
                        (t.pager == pager && p.user_id == who.user_id) || same_email(p, who)
                    })
                });
                let role = t.pager != pager && !who.role.is_empty() && t.roles.contains(&who.role);
                (t.done == Some(true) || hopeful) && (person || role)
            })
        };
        let mut people: Vec<Callee> = Vec::new();
        let mut unknown = Vec::new();
        // The tracks whose page is in doubt for someone listed: what the call is about.
        let mut about: Vec<usize> = Vec::new();
        for (i, t) in tracks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.done != Some(true))
        {
            let hopeful = t.done.is_none() && t.trouble.is_none() && !late;
            match t.known() {
                Some((known, cached_at)) => {
                    for o in known {
                        let dup = people.iter().any(|c| {
                            (c.pager == t.pager && c.user_id == o.user_id)
                                || c.email
                                    .as_deref()
                                    .zip(o.email.as_deref())
                                    .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
                        });
                        if !dup && !reached(t.pager, o) {
                            people.push(callee(o, t.pager, cached_at));
                            if !about.contains(&i) {
                                about.push(i);
                            }
                        }
                    }
                }
                None if !hopeful => {
                    unknown.extend(t.unknown.iter().cloned());
                    about.push(i);
                }
                None => {}
            }
        }
        if people.is_empty() && unknown.is_empty() {
            return None;
        }
        let open: Vec<&Track> = about.iter().map(|i| &tracks[*i]).collect();
        let reason = match open.iter().find_map(|t| t.trouble.clone()) {
            Some(why) => why,
            None => {
                let names: Vec<&str> = open.iter().map(|t| t.name).collect();
                let has = if names.len() > 1 { "have" } else { "has" };
                format!(
                    "{} {has} not confirmed the page within {} s",
                    names.join(" and "),
                    CALL_AFTER.as_secs()
                )
            }
        };
        let retrying_until = open
            .iter()
            .filter(|t| t.done.is_none())
            .map(|t| {
                let end = match t.sending_since {
                    Some(s) => s + self.retry_for,
                    None => self.start + self.before_send + self.retry_for,
                };
                let left = end.saturating_duration_since(self.start);
                self.started_at
                    .checked_add(SignedDuration::try_from(left).unwrap_or_default())
                    .unwrap_or(self.started_at)
            })
            .max();
        drop(tracks);
        let (shown_at, after_ms) = self.now();
        Some(CallNow {
            shown_at,
            after_ms,
            reason,
            people,
            unknown,
            retrying_until,
        })
    }

    /// After the race: the call-now to record when the page did not go out and none was shown
    /// (it failed within the 2 s); the renderer shows it with the outcome.
    pub fn at_end(&self) -> Option<CallNow> {
        if self.off {
            return None;
        }
        self.shown().or_else(|| self.due(true))
    }
}

/// The IC roles of these people, each once.
fn roles_of(people: &[OnCall]) -> Vec<String> {
    let mut roles: Vec<String> = Vec::new();
    for p in people {
        if !p.role.is_empty() && !roles.contains(&p.role) {
            roles.push(p.role.clone());
        }
    }
    roles
}

fn same_email(a: &OnCall, b: &OnCall) -> bool {
    a.email
        .as_deref()
        .zip(b.email.as_deref())
        .is_some_and(|(x, y)| x.eq_ignore_ascii_case(y))
}

fn callee(o: &OnCall, pager: &'static str, cached_at: Option<Timestamp>) -> Callee {
    Callee {
        role: o.role.clone(),
        name: o.name.clone(),
        email: o.email.clone(),
        user_id: o.user_id.clone(),
        phone: o.phone().map(str::to_string),
        pager,
        cached_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ic(role: &str, id: &str, email: &str, phone: &str) -> OnCall {
        OnCall {
            role: role.into(),
            schedule_id: None,
            schedule: None,
            escalation_policy: None,
            escalation_policy_id: None,
            level: None,
            user_id: id.into(),
            name: id.into(),
            email: Some(email.into()),
            contacts: vec![crate::providers::pagerduty::Contact {
                kind: "phone".into(),
                address: phone.into(),
                label: None,
            }],
        }
    }

    fn board(tracks: Vec<Track>) -> Board {
        let at: Timestamp = "2026-11-26T03:04:05Z".parse().unwrap();
        Board::new(
            at,
            tracks,
            Duration::from_secs(10),
            Duration::from_secs(30),
            false,
        )
    }

    fn cached() -> Option<(Vec<OnCall>, Timestamp)> {
        let people = vec![
            ic("primary", "PA", "ann@example.com", "+1 1"),
            ic("backup", "PB", "bob@example.com", "+1 2"),
        ];
        Some((people, "2026-11-26T03:00:00Z".parse().unwrap()))
    }

    /// Runs a race whose work ends after `ms`, collecting what it showed.
    async fn shown_by(b: &Board, ms: u64, during: impl Future<Output = ()>) -> Vec<String> {
        let mut seen = Vec::new();
        b.race(
            async {
                during.await;
                tokio::time::sleep(Duration::from_millis(ms)).await;
            },
            |s| match s {
                Step::CallNow(c) => seen.push(format!(
                    "call {} {}: {}",
                    c.after_ms,
                    c.reason,
                    c.people
                        .iter()
                        .map(|p| p.phone.clone().unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join(",")
                )),
                Step::WentOut(w) => seen.push(format!("out {}", w.name)),
            },
        )
        .await;
        seen
    }

    #[tokio::test(start_paused = true)]
    async fn a_page_in_flight_gets_2_s_then_the_cached_numbers_are_shown() {
        let b = board(vec![Track::new("pd", "PagerDuty", vec![], cached())]);
        assert!(shown_by(&b, 1_900, async {}).await.is_empty());
        let b = board(vec![Track::new("pd", "PagerDuty", vec![], cached())]);
        let seen = shown_by(&b, 5_000, async {}).await;
        assert_eq!(
            seen,
            ["call 2000 PagerDuty has not confirmed the page within 2 s: +1 1,+1 2"]
        );
        let c = b.shown().unwrap();
        assert_eq!(
            c.people[0].cached_at,
            Some("2026-11-26T03:00:00Z".parse().unwrap())
        );
        // Not sent yet: the lookup's time and the whole budget, at the latest.
        assert_eq!(
            c.retrying_until,
            Some("2026-11-26T03:04:45Z".parse().unwrap())
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_does_not_wait_for_the_clock() {
        let b = board(vec![Track::new("pd", "PagerDuty", vec![], cached())]);
        let seen = shown_by(&b, 5_000, async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            b.trouble(0, "PagerDuty said 503".into());
        })
        .await;
        assert_eq!(seen, ["call 100 PagerDuty said 503: +1 1,+1 2"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_page_that_went_out_covers_its_people_on_every_pager() {
        let og_people = vec![ic("primary", "og-a", "ann@example.com", "+1 1")];
        let b = board(vec![
            Track::new("pd", "PagerDuty", vec![], cached()),
            Track::new("og", "Opsgenie", vec!["schedule IC".into()], None),
        ]);
        let seen = shown_by(&b, 5_000, async {
            b.looked_up(1, &og_people, None, None);
            b.sent(1, true, None);
            tokio::time::sleep(Duration::from_millis(100)).await;
            b.trouble(0, "PagerDuty said 503".into());
        })
        .await;
        // Ann was paged through Opsgenie; only Bob is left to call.
        assert_eq!(seen, ["call 100 PagerDuty said 503: +1 2"]);
        assert!(b.at_end().is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn a_page_that_lands_after_the_call_is_said_while_another_is_retried() {
        let b = board(vec![
            Track::new("pd", "PagerDuty", vec![], cached()),
            Track::new("og", "Opsgenie", vec!["schedule IC".into()], None),
        ]);
        let seen = shown_by(&b, 5_000, async {
            tokio::time::sleep(Duration::from_millis(2_500)).await;
            b.sent(1, true, None);
        })
        .await;
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(seen[0].starts_with("call 2000 PagerDuty and Opsgenie have not"));
        assert_eq!(seen[1], "out Opsgenie");
    }

    #[tokio::test(start_paused = true)]
    async fn a_role_another_pager_reached_is_nobody_to_call_and_nothing_is_retried_for_the_rest() {
        let (mut people, at) = cached().unwrap();
        people.push(ic("shadow", "PC", "cat@example.com", "+1 3"));
        // PagerDuty skipped; Opsgenie paged the primary and backup schedules, whoever holds them
        // there (other accounts, other emails).
        let b = board(vec![
            Track::new("pd", "PagerDuty", vec![], Some((people, at))),
            Track::new("og", "Opsgenie", vec![], None)
                .covering(vec!["primary".into(), "backup".into()]),
        ]);
        b.sent(0, false, Some("PagerDuty was skipped".into()));
        let early = b.due(false).expect("the shadow is nobody's page");
        let phones: Vec<_> = early
            .people
            .iter()
            .map(|p| p.phone.clone().unwrap())
            .collect();
        assert_eq!(phones, ["+1 3"], "Opsgenie may still reach the others");
        assert_eq!(
            early.retrying_until, None,
            "the call is about a skipped page"
        );
        b.looked_up(
            1,
            &[ic("primary", "og-a", "a@og.example", "+9 1")],
            None,
            None,
        );
        b.sent(1, true, None);
        let end = b.at_end().unwrap();
        let phones: Vec<_> = end
            .people
            .iter()
            .map(|p| p.phone.clone().unwrap())
            .collect();
        // Opsgenie's backup schedule had nobody: Bob (backup) is to call now too.
        assert_eq!(phones, ["+1 2", "+1 3"]);
    }

    #[tokio::test(start_paused = true)]
    async fn dry_run_never_calls() {
        let at: Timestamp = "2026-11-26T03:04:05Z".parse().unwrap();
        let tracks = vec![Track::new("pd", "PagerDuty", vec![], cached())];
        let b = Board::new(at, tracks, Duration::ZERO, Duration::ZERO, true);
        assert!(shown_by(&b, 5_000, async {}).await.is_empty());
        assert!(b.at_end().is_none());
    }
}
