//! Providers that are down, remembered from one command to the next (issue 16, item 9): after a
//! delivery spent its whole retry budget on transient failures, its endpoint is marked in
//! `$INC_STATE_DIR/down/<endpoint>.json`; for [`FRESH_FOR`] after that, a later command gives
//! that endpoint one short attempt and queues what fails, instead of spending another budget.
//! A delivery that goes through clears the mark (`inc outbox retry`, `inc status --watch`, or
//! any command whose short attempt is answered).
//!
//! One file per endpoint, written whole and renamed into place: every `inc` of this user shares
//! the marks, and concurrent writers never leave half a file (the last writer wins, and both
//! say the same thing). An endpoint is a provider, or one of its APIs where it has two
//! (PagerDuty REST and Events v2).

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::providers::{Delivery, Request};

/// How long a mark holds after the last command that spent a whole budget on the endpoint.
/// After that the next command gives it a whole budget again (and marks it again if it fails).
pub const FRESH_FOR: Duration = Duration::from_secs(5 * 60);

/// The one attempt a command gives an endpoint that is marked down.
pub const QUICK_TRY: Duration = Duration::from_secs(2);

/// One endpoint that failed a whole retry budget.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Mark {
    pub endpoint: String,
    pub provider: String,
    /// When it first failed a whole budget (kept while it keeps failing).
    pub since: Timestamp,
    /// The last time a command spent a whole budget on it and failed: the mark is fresh for
    /// [`FRESH_FOR`] after this. Short attempts that fail do not extend it.
    pub checked: Timestamp,
    /// The last failure, in the provider's words.
    pub error: String,
}

impl Mark {
    pub fn is_fresh(&self, now: Timestamp) -> bool {
        let age = now.as_millisecond() - self.checked.as_millisecond();
        (-60_000..FRESH_FOR.as_millis() as i64).contains(&age)
    }

    /// "Slack failing since 23:37 UTC", for the lines that say why something was queued.
    pub fn failing_since(&self) -> String {
        format!(
            "{} failing since {}",
            endpoint_name(&self.endpoint),
            self.since.strftime("%H:%M UTC")
        )
    }
}

/// The endpoint a delivery goes to: its provider, or `provider-base` for a second API of the
/// same provider (`pagerduty-events`).
pub fn endpoint(d: &Delivery) -> String {
    match &d.request {
        Request::Http(h) if h.base != "api" && h.base != "webhook" => {
            format!("{}-{}", d.provider, h.base)
        }
        _ => d.provider.clone(),
    }
}

/// How people name an endpoint: "Slack", "PagerDuty Events".
pub fn endpoint_name(endpoint: &str) -> String {
    match endpoint.split_once('-') {
        Some((provider, base)) if !crate::providers::webhook::is_webhook(endpoint) => {
            let mut base = base.to_string();
            if let Some(first) = base.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            format!("{} {base}", crate::providers::display_name(provider))
        }
        _ => crate::providers::display_name(endpoint).to_string(),
    }
}

/// The marks of one state dir.
pub struct Marks {
    dir: PathBuf,
}

impl Marks {
    pub fn new(state_dir: &Path) -> Self {
        Marks {
            dir: state_dir.join("down"),
        }
    }

    fn path(&self, endpoint: &str) -> Option<PathBuf> {
        // Endpoints are inc's own names; anything else never becomes a path.
        let safe = !endpoint.is_empty()
            && endpoint
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
            && !endpoint.starts_with('.');
        safe.then(|| self.dir.join(format!("{endpoint}.json")))
    }

    pub fn get(&self, endpoint: &str) -> Option<Mark> {
        let text = std::fs::read(self.path(endpoint)?).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// The mark of an endpoint when it is fresh (a command should not spend a budget on it).
    pub fn fresh(&self, endpoint: &str, now: Timestamp) -> Option<Mark> {
        self.get(endpoint).filter(|m| m.is_fresh(now))
    }

    /// Every mark, fresh or not, by endpoint.
    pub fn list(&self) -> Vec<Mark> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut marks: Vec<Mark> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                self.get(name.strip_suffix(".json")?)
            })
            .collect();
        marks.sort_by(|a, b| a.endpoint.cmp(&b.endpoint));
        marks
    }

    /// Records a failure. `whole_budget`: the command spent its whole retry budget (this makes
    /// or refreshes the mark); a short attempt that failed only updates the error of a mark
    /// that is there.
    pub fn failed(
        &self,
        d: &Delivery,
        error: &str,
        whole_budget: bool,
        now: Timestamp,
    ) -> std::io::Result<Option<Mark>> {
        let endpoint = endpoint(d);
        let Some(path) = self.path(&endpoint) else {
            return Ok(None);
        };
        let previous = self.get(&endpoint);
        let mark = match previous {
            Some(p) => Mark {
                checked: if whole_budget { now } else { p.checked },
                error: error.to_string(),
                ..p
            },
            None if whole_budget => Mark {
                endpoint: endpoint.clone(),
                provider: d.provider.clone(),
                since: now,
                checked: now,
                error: error.to_string(),
            },
            None => return Ok(None),
        };
        std::fs::create_dir_all(&self.dir)?;
        let tmp = self.dir.join(format!(
            ".{endpoint}.{}.{}.tmp",
            std::process::id(),
            fastrand::u32(..)
        ));
        std::fs::write(
            &tmp,
            serde_json::to_vec_pretty(&mark).expect("marks serialize"),
        )?;
        std::fs::rename(&tmp, path)?;
        Ok(Some(mark))
    }

    /// The endpoint answered: it is no longer down. Returns the mark it had.
    pub fn clear(&self, endpoint: &str) -> Option<Mark> {
        let mark = self.get(endpoint)?;
        match std::fs::remove_file(self.path(endpoint)?) {
            Ok(()) => Some(mark),
            // Another inc cleared it a moment ago: it is cleared.
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::HttpRequest;

    fn d(provider: &str, base: &str) -> Delivery {
        Delivery {
            provider: provider.into(),
            action: "post".into(),
            target: "t".into(),
            dedup_key: "k".into(),
            incident: None,
            request: Request::Http(HttpRequest::post("/x", serde_json::json!({})).on(base)),
        }
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn one_mark_per_endpoint_fresh_for_a_few_minutes_then_gone_when_it_answers() {
        let dir = tempfile::tempdir().unwrap();
        let marks = Marks::new(dir.path());
        let t0 = at("2026-11-26T23:37:00Z");
        // A short attempt alone marks nothing.
        assert_eq!(
            marks.failed(&d("slack", "api"), "500", false, t0).unwrap(),
            None
        );
        let m = marks
            .failed(&d("slack", "api"), "HTTP 500", true, t0)
            .unwrap();
        assert_eq!(m.unwrap().failing_since(), "Slack failing since 23:37 UTC");
        assert!(marks.fresh("slack", at("2026-11-26T23:41:00Z")).is_some());
        assert!(marks.fresh("slack", at("2026-11-26T23:43:00Z")).is_none());
        // A failed short attempt keeps `since` and `checked`; a whole budget refreshes `checked`.
        let later = at("2026-11-26T23:40:00Z");
        marks
            .failed(&d("slack", "api"), "HTTP 502", false, later)
            .unwrap();
        let m = marks.get("slack").unwrap();
        assert_eq!((m.since, m.checked, m.error.as_str()), (t0, t0, "HTTP 502"));
        marks
            .failed(&d("slack", "api"), "HTTP 503", true, later)
            .unwrap();
        assert_eq!(marks.get("slack").unwrap().checked, later);
        assert_eq!(marks.get("slack").unwrap().since, t0);
        // PagerDuty's two APIs are two endpoints.
        marks
            .failed(&d("pagerduty", "events"), "503", true, t0)
            .unwrap();
        assert!(marks.get("pagerduty").is_none());
        assert_eq!(
            marks.get("pagerduty-events").unwrap().failing_since(),
            "PagerDuty Events failing since 23:37 UTC"
        );
        assert_eq!(marks.list().len(), 2);
        assert!(marks.clear("slack").is_some());
        assert!(marks.clear("slack").is_none());
        assert_eq!(marks.list().len(), 1);
    }

    #[test]
    fn concurrent_writers_never_leave_a_torn_mark() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = at("2026-11-26T23:37:00Z");
        std::thread::scope(|s| {
            for i in 0..8 {
                let path = dir.path();
                s.spawn(move || {
                    let marks = Marks::new(path);
                    for j in 0..50 {
                        let e = format!("HTTP 5{i}{j}");
                        marks.failed(&d("slack", "api"), &e, true, t0).unwrap();
                        if j % 7 == 0 {
                            marks.clear("slack");
                        }
                        // Whatever is there is a whole mark (or none).
                        if let Ok(bytes) = std::fs::read(path.join("down/slack.json")) {
                            let read = serde_json::from_slice::<Mark>(&bytes);
                            assert!(read.is_ok(), "a torn mark: {read:?}");
                        }
                    }
                });
            }
        });
        let marks = Marks::new(dir.path());
        for entry in std::fs::read_dir(dir.path().join("down")).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(!name.ends_with(".tmp"), "a temporary file was left: {name}");
        }
        if let Some(m) = marks.get("slack") {
            assert_eq!(m.since, t0);
        }
    }

    #[test]
    fn only_inc_names_become_paths() {
        let dir = tempfile::tempdir().unwrap();
        let marks = Marks::new(dir.path());
        assert!(marks.get("../../etc/passwd").is_none());
        assert!(marks.path(".hidden").is_none());
        assert!(marks.path("pagerduty-events").is_some());
    }
}
