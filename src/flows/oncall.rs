//! Who is on call, live from a pager (PagerDuty or Opsgenie) or from the cache in the state dir
//! when the pager cannot be reached (marked stale, with its age). Shared by `inc oncall` and
//! `inc page-ic`.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use crate::providers::pagerduty::{Contact, OnCall};
use crate::providers::{SendError, opsgenie, pagerduty};

/// A pager that knows who is on call for a list of schedules (in order: primary, backup,
/// shadows), and how to reach them.
pub trait Roster {
    /// The provider's id in deliveries (`pagerduty`).
    fn provider(&self) -> &'static str;
    /// Its name for humans (`PagerDuty`).
    fn name(&self) -> &'static str;
    /// The cache file's key for these schedules.
    fn cache_key(&self, schedules: &[String]) -> String;
    /// Why it cannot be asked at all (its credential is missing), if so.
    fn credential_problem(&self) -> Option<String>;
    fn oncalls(&self, schedules: &[String])
    -> impl Future<Output = Result<Vec<OnCall>, SendError>>;
    fn contacts(&self, user_id: &str) -> impl Future<Output = Result<Vec<Contact>, SendError>>;
}

impl Roster for pagerduty::Client {
    fn provider(&self) -> &'static str {
        pagerduty::PROVIDER
    }
    fn name(&self) -> &'static str {
        "PagerDuty"
    }
    fn cache_key(&self, schedules: &[String]) -> String {
        schedules.join(",")
    }
    fn credential_problem(&self) -> Option<String> {
        self.token_problem()
    }
    async fn oncalls(&self, schedules: &[String]) -> Result<Vec<OnCall>, SendError> {
        pagerduty::Client::oncalls(self, schedules).await
    }
    async fn contacts(&self, user_id: &str) -> Result<Vec<Contact>, SendError> {
        self.contact_methods(user_id).await
    }
}

impl Roster for opsgenie::Client {
    fn provider(&self) -> &'static str {
        opsgenie::PROVIDER
    }
    fn name(&self) -> &'static str {
        "Opsgenie"
    }
    fn cache_key(&self, schedules: &[String]) -> String {
        format!("opsgenie:{}", schedules.join(","))
    }
    fn credential_problem(&self) -> Option<String> {
        self.key_problem()
    }
    async fn oncalls(&self, schedules: &[String]) -> Result<Vec<OnCall>, SendError> {
        opsgenie::Client::oncalls(self, schedules).await
    }
    async fn contacts(&self, user_id: &str) -> Result<Vec<Contact>, SendError> {
        self.contact_methods(user_id).await
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Cached {
    pub fetched_at: Timestamp,
    pub people: Vec<OnCall>,
}

/// The result of a lookup: who, and whether it came from the cache (and why).
pub struct Lookup {
    pub people: Vec<OnCall>,
    /// Set when the people come from the cache: when it was fetched, and the live error.
    pub stale: Option<(Timestamp, String)>,
    /// The pager refused the credentials (401, 403): the cache answered, but what needs the
    /// same token (the page) will fail too.
    pub refused: bool,
}

impl Lookup {
    /// Whom the cache holds for these schedules, as a lookup that failed with `why`.
    pub fn cached(state_dir: &Path, key: &str, why: String) -> Option<Lookup> {
        let c = load(state_dir, key)?;
        Some(Lookup {
            people: c.people,
            stale: Some((c.fetched_at, why)),
            refused: false,
        })
    }
}

fn path(state_dir: &Path, key: &str) -> PathBuf {
    state_dir
        .join("cache")
        .join(format!("oncall-{}.json", crate::outbox::entry_id(key)))
}

pub fn load(state_dir: &Path, key: &str) -> Option<Cached> {
    serde_json::from_slice(&std::fs::read(path(state_dir, key)).ok()?).ok()
}

pub fn store(state_dir: &Path, key: &str, c: &Cached) -> std::io::Result<()> {
    let p = path(state_dir, key);
    std::fs::create_dir_all(p.parent().expect("cache dir"))?;
    let tmp = p.with_extension(format!("{}.tmp", std::process::id()));
    std::fs::write(&tmp, serde_json::to_vec_pretty(c).expect("json"))?;
    std::fs::rename(tmp, p)
}

/// Asks the pager (bounded by `timeout`); on any failure (a timeout, a 5xx, a 401 or 403)
/// answers from the cache, saying why. `Err` only when nothing is cached.
pub async fn lookup<R: Roster>(
    pager: &R,
    schedules: &[String],
    state_dir: &Path,
    timeout: Duration,
) -> Result<Lookup, SendError> {
    let key = pager.cache_key(schedules);
    let live = match tokio::time::timeout(timeout, pager.oncalls(schedules)).await {
        Ok(r) => r,
        Err(_) => Err(SendError::Transient {
            message: "timed out".into(),
            retry_after: None,
        }),
    };
    match live {
        Ok(mut people) => {
            // Keep cached contacts until fresh ones arrive: the phone numbers matter most when paging fails.
            if let Some(c) = load(state_dir, &key) {
                for p in &mut people {
                    if let Some(old) = c.people.iter().find(|o| o.user_id == p.user_id) {
                        p.contacts = old.contacts.clone();
                    }
                }
            }
            Ok(Lookup {
                people,
                stale: None,
                refused: false,
            })
        }
        Err(e) => match Lookup::cached(state_dir, &key, e.to_string()) {
            Some(mut l) => {
                l.refused = matches!(e, SendError::Auth { .. });
                Ok(l)
            }
            None => Err(e),
        },
    }
}

/// Fills in each person's contact methods (concurrently).
pub async fn refresh_contacts<R: Roster>(pager: &R, people: &mut [OnCall], timeout: Duration) {
    let fetches = people
        .iter()
        .map(|p| tokio::time::timeout(timeout, pager.contacts(&p.user_id)));
    let results = futures_util::future::join_all(fetches).await;
    for (p, r) in people.iter_mut().zip(results) {
        if let Ok(Ok(contacts)) = r {
            p.contacts = contacts;
        }
    }
}

/// Writes the cache of these schedules.
pub fn save<R: Roster>(
    pager: &R,
    state_dir: &Path,
    schedules: &[String],
    people: &[OnCall],
    now: Timestamp,
) -> std::io::Result<()> {
    store(
        state_dir,
        &pager.cache_key(schedules),
        &Cached {
            fetched_at: now,
            people: people.to_vec(),
        },
    )
}

/// The people of the newest on-call cache that has any `wanted` (for `inc page TARGET`, whose
/// target may sit in any cached list), and when that cache was fetched.
pub fn find_cached(
    state_dir: &Path,
    wanted: impl Fn(&OnCall) -> bool,
) -> Option<(Vec<OnCall>, Timestamp)> {
    let dir = std::fs::read_dir(state_dir.join("cache")).ok()?;
    dir.flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("oncall-"))
        .filter_map(|e| serde_json::from_slice::<Cached>(&std::fs::read(e.path()).ok()?).ok())
        .filter_map(|c| {
            let mut people: Vec<OnCall> = Vec::new();
            for p in c.people.into_iter().filter(|p| wanted(p)) {
                if !people.iter().any(|q| q.user_id == p.user_id) {
                    people.push(p);
                }
            }
            (!people.is_empty()).then_some((people, c.fetched_at))
        })
        .max_by_key(|(_, at)| *at)
}
