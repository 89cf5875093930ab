//! The delivery engine: the one place that applies SPEC "Delivery rules". Independent
//! deliveries go out concurrently; transient failures are retried with exponential backoff and
//! jitter (or after the provider's `Retry-After`) within a bounded total time; other 4xx are not
//! retried; what stays undelivered (refused, unconfirmed, or out of time) is parked in the
//! outbox with the reason; `--dry-run` sends nothing. The `deliveries` JSON array and the exit
//! code (0 / 1 / 3) come from [`Report`].
//!
//! Attempts are counted across runs: a delivery the outbox already holds (a re-run of the same
//! action, or `inc outbox retry`) goes out as a retry, so the adapter first checks whether an
//! earlier try landed.
//!
//! A provider that is down costs one budget, not one per command: a delivery that spends its
//! whole budget on transient failures marks its endpoint down ([`crate::outbox::down`]), and
//! for a few minutes later deliveries there get one short attempt, then the outbox. Pages are
//! the exception: a page always gets its whole budget (see [`is_page`]).

use std::time::Duration;

use tokio::time::Instant;

use serde::Serialize;

use crate::config::DeliveryConfig;
use crate::error::{CliError, CliResult, ErrorKind};
use crate::outbox::Outbox;
use crate::outbox::down::{self, Marks};
use crate::providers::{Delivery, Receipt, SendError, Transport};

/// The outcome of one delivery: the shape of SPEC's `deliveries` array.
#[derive(Clone, Debug, Serialize)]
pub struct DeliveryResult {
    pub provider: String,
    pub action: String,
    pub target: String,
    pub ok: bool,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The provider took it but did not confirm it in time: it may still land (not `ok`, kept
    /// in the outbox to check again).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
    /// Its endpoint was known to be down ("Slack failing since 23:37 UTC"): it had one short
    /// attempt, and was queued when that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<String>,
    /// The place it is for does not exist yet (its creation waits in the outbox): it was not
    /// sent, and waits in the outbox behind that creation. Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waits_for: Option<String>,
    /// The outbox entry that holds it, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbox: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    #[serde(skip)]
    pub delivery: Delivery,
    #[serde(skip)]
    pub receipt: Option<Receipt>,
    #[serde(skip)]
    pub failure: Option<SendError>,
}

impl DeliveryResult {
    /// A delivery not sent (yet): no attempt, no answer.
    pub fn pending(d: Delivery, dry_run: bool) -> DeliveryResult {
        DeliveryResult {
            provider: d.provider.clone(),
            action: d.action.clone(),
            target: d.target.clone(),
            ok: false,
            attempts: 0,
            id: None,
            url: None,
            error: None,
            note: None,
            unconfirmed: false,
            failing_since: None,
            waits_for: None,
            outbox: None,
            dry_run,
            delivery: d,
            receipt: None,
            failure: None,
        }
    }
}

/// A delivery that rings someone: a PagerDuty incident (the IC page, `inc page`, the major
/// incident on its service, which pages whoever is on call for it), an Events v2 trigger, a
/// responder request, an Opsgenie alert. A page always gets its whole retry budget, even to a
/// pager another command saw down: a page given up early may be the one that did not wake the
/// IC, while a note queued early costs nothing. (The paging flows show CALL THEM NOW at once
/// when the pager is known down.)
pub fn is_page(d: &Delivery) -> bool {
    matches!(
        d.action.as_str(),
        "page_ic" | "page_ic_event" | "page" | "request_responders"
    ) || (d.provider == crate::providers::pagerduty::PROVIDER && d.action == "create_incident")
}

/// Where one delivery stands while the engine works on it (what Ctrl-C reports).
#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    /// An attempt is out: the provider may have it, and has not answered.
    Asking { attempts: u32 },
    /// The last attempt failed and the next one waits (backoff, `Retry-After`). `answered`:
    /// the provider (or the network) said no; else the attempt timed out and may have landed.
    Retrying {
        attempts: u32,
        error: String,
        answered: bool,
    },
}

/// Told where each delivery stands, as it changes.
pub trait Observer {
    fn stage(&self, d: &Delivery, stage: Stage);
}

pub struct Engine<'a, T> {
    pub transport: &'a T,
    pub cfg: &'a DeliveryConfig,
    pub dry_run: bool,
    /// Where failures are parked; `None` when the caller keeps them itself (`outbox retry`).
    pub outbox: Option<&'a Outbox>,
    /// The endpoints known to be down: read before each delivery, marked when one spends its
    /// whole budget, cleared when one is answered. `None`: neither read nor written.
    pub marks: Option<&'a Marks>,
    /// Every delivery gets its whole budget, even to an endpoint marked down (`inc outbox
    /// retry`: the user asked for another try).
    pub whole_budget: bool,
    pub observer: Option<&'a dyn Observer>,
    pub now: jiff::Timestamp,
}

impl<'a, T: Transport> Engine<'a, T> {
    /// An engine with no outbox, no marks and no observer (set the fields for more).
    pub fn new(transport: &'a T, cfg: &'a DeliveryConfig, now: jiff::Timestamp) -> Self {
        Engine {
            transport,
            cfg,
            dry_run: false,
            outbox: None,
            marks: None,
            whole_budget: false,
            observer: None,
            now,
        }
    }

    /// Sends all deliveries concurrently; results come back in the same order.
    pub async fn send_all(&self, deliveries: Vec<Delivery>) -> Vec<DeliveryResult> {
        futures_util::future::join_all(deliveries.into_iter().map(|d| self.send(d))).await
    }

    /// Sends one delivery with retries; a delivery already in the outbox goes out as a retry.
    pub async fn send(&self, d: Delivery) -> DeliveryResult {
        let tried = self
            .outbox
            .and_then(|o| o.get(&crate::outbox::entry_id(&d.dedup_key)))
            .map_or(0, |e| e.attempts);
        self.send_after(d, tried).await
    }

    fn observe(&self, d: &Delivery, stage: Stage) {
        if let Some(o) = self.observer {
            o.stage(d, stage);
        }
    }

    /// Sends one delivery with retries, `tried` attempts having been made in earlier runs
    /// (`inc outbox retry` knows them from the entry).
    pub async fn send_after(&self, d: Delivery, tried: u32) -> DeliveryResult {
        let mut result = DeliveryResult::pending(d, self.dry_run);
        if self.dry_run {
            result.ok = true;
            return result;
        }
        let endpoint = down::endpoint(&result.delivery);
        let mark = self.marks.and_then(|m| m.get(&endpoint));
        // Known down: one short attempt, then the outbox. Never for a page.
        let known_down = mark
            .as_ref()
            .filter(|m| m.is_fresh(self.now) && !self.whole_budget && !is_page(&result.delivery));
        let (budget, timeout) = match known_down {
            Some(_) => {
                let quick = down::QUICK_TRY.min(self.cfg.timeout.0);
                (quick, quick)
            }
            None => (self.cfg.retry_for.0, self.cfg.timeout.0),
        };
        let start = Instant::now();
        let deadline = start + budget;
        let outcome = loop {
            result.attempts += 1;
            self.observe(
                &result.delivery,
                Stage::Asking {
                    attempts: result.attempts,
                },
            );
            let left = deadline.saturating_duration_since(Instant::now());
            let per_try = timeout.min(left).max(Duration::from_millis(1));
            let sent = tokio::time::timeout(
                per_try,
                self.transport
                    .send(&result.delivery, tried.saturating_add(result.attempts)),
            )
            .await;
            let (err, answered) = match sent {
                Ok(Ok(receipt)) => break Ok(receipt),
                Ok(Err(e @ SendError::Transient { .. })) => (e, true),
                Ok(Err(e)) => break Err(e),
                Err(_) => (
                    SendError::Transient {
                        message: format!(
                            "{}: no answer within {}",
                            crate::providers::display_name(&result.provider),
                            crate::config::format_duration(per_try)
                        ),
                        retry_after: None,
                    },
                    false,
                ),
            };
            if known_down.is_some() {
                // The one attempt it gets.
                break Err(err);
            }
            let SendError::Transient { retry_after, .. } = &err else {
                unreachable!()
            };
            let wait = retry_after.unwrap_or_else(|| backoff(self.cfg.backoff.0, result.attempts));
            if Instant::now() + wait >= deadline {
                let message = match retry_after {
                    Some(ra) if Instant::now() + *ra >= deadline => {
                        format!("{err} (provider asked to wait {}s; gave up)", ra.as_secs())
                    }
                    _ => format!("{err} (gave up after {} attempts)", result.attempts),
                };
                break Err(SendError::Transient {
                    message,
                    retry_after: *retry_after,
                });
            }
            self.observe(
                &result.delivery,
                Stage::Retrying {
                    attempts: result.attempts,
                    error: err.to_string(),
                    answered,
                },
            );
            tokio::time::sleep(wait).await;
        };
        match outcome {
            Ok(receipt) => {
                result.ok = true;
                // It answers again: no longer down, for every inc of this user.
                if mark.is_some()
                    && let Some(marks) = self.marks
                {
                    marks.clear(&endpoint);
                }
                // A re-run delivered what an earlier run had to park: it is no longer pending.
                if tried > 0
                    && let Some(outbox) = self.outbox
                {
                    let _ = outbox.remove(&crate::outbox::entry_id(&result.delivery.dedup_key));
                }
                result.id = receipt.id.clone();
                result.url = receipt.url.clone();
                result.note = receipt.note.clone();
                result.receipt = Some(receipt);
            }
            Err(e) => {
                result.error = Some(e.to_string());
                result.unconfirmed = matches!(e, SendError::Unconfirmed { .. });
                if let (SendError::Transient { .. }, Some(marks)) = (&e, self.marks) {
                    // A whole budget spent marks the endpoint down (or keeps it marked); a short
                    // attempt that failed only says how it fails now.
                    let whole = known_down.is_none();
                    let marked = marks
                        .failed(&result.delivery, &e.to_string(), whole, self.now)
                        .ok()
                        .flatten();
                    if !whole {
                        result.failing_since = marked.or(mark.clone()).map(|m| m.failing_since());
                    }
                }
                // Nothing undelivered is dropped, not even a rejected request: the cause may be
                // outside it (an archived channel, a disabled integration, the config), and the
                // user decides (`inc outbox retry` or `drop`).
                if let Some(outbox) = self.outbox {
                    match outbox.put(&result.delivery, &e.to_string(), result.attempts, self.now) {
                        Ok(id) => result.outbox = Some(id),
                        Err(io) => {
                            result.error =
                                Some(format!("{e}; and it could not be kept in the outbox: {io}"))
                        }
                    }
                }
                result.failure = Some(e);
            }
        }
        result
    }
}

/// A read (a GET that changes nothing) with the engine's retry rules: each try bounded by
/// `cfg.timeout`, transient failures (connect errors, timeouts, 429, 5xx, a rate limit)
/// tried again after the provider's wait or the backoff, as long as that wait ends before
/// `deadline`; anything else is the answer. A read is no delivery: nothing is parked.
pub async fn read<T, F, Fut>(
    cfg: &DeliveryConfig,
    what: &str,
    deadline: Instant,
    mut attempt: F,
) -> Result<T, SendError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, SendError>>,
{
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let left = deadline.saturating_duration_since(Instant::now());
        let per_try = cfg.timeout.0.min(left).max(Duration::from_millis(1));
        let err = match tokio::time::timeout(per_try, attempt()).await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e @ SendError::Transient { .. })) => e,
            Ok(Err(e)) => return Err(e),
            Err(_) => SendError::Transient {
                message: format!(
                    "{what}: no answer within {}",
                    crate::config::format_duration(per_try)
                ),
                retry_after: None,
            },
        };
        let SendError::Transient { retry_after, .. } = &err else {
            unreachable!()
        };
        let wait = retry_after.unwrap_or_else(|| backoff(cfg.backoff.0, attempts));
        if Instant::now() + wait >= deadline {
            let message = match retry_after {
                Some(_) => format!("{err}; not waited for: past the time allowed"),
                None => format!("{err} (gave up after {attempts} attempts)"),
            };
            return Err(SendError::Transient {
                message,
                retry_after: *retry_after,
            });
        }
        tokio::time::sleep(wait).await;
    }
}

/// Exponential backoff with "equal jitter": half of the step is fixed, half random.
fn backoff(base: Duration, attempt: u32) -> Duration {
    let step = base
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(10))
        .min(Duration::from_secs(30));
    let half = step / 2;
    half + Duration::from_millis(fastrand::u64(0..=half.as_millis() as u64))
}

/// What a run's deliveries came to when Ctrl-C stopped it.
#[derive(Debug, Default, Serialize)]
pub struct Interrupted {
    /// Delivered before Ctrl-C.
    pub sent: Vec<DeliveryResult>,
    /// Failed before Ctrl-C (in the outbox already).
    pub failed: Vec<DeliveryResult>,
    /// Asked, not answered: it may have landed. Kept in the outbox; a retry checks first.
    pub unconfirmed: Vec<DeliveryResult>,
    /// Not sent: never tried, or waiting to be retried. Kept in the outbox.
    pub not_sent: Vec<DeliveryResult>,
}

impl Interrupted {
    /// Every delivery, as the `deliveries` array.
    pub fn all(&self) -> Vec<&DeliveryResult> {
        self.sent
            .iter()
            .chain(&self.unconfirmed)
            .chain(&self.not_sent)
            .chain(&self.failed)
            .collect()
    }
}

/// Every delivery of one command, and the exit code they add up to.
#[derive(Debug, Default)]
pub struct Report {
    pub results: Vec<DeliveryResult>,
}

impl Report {
    pub fn extend(&mut self, results: impl IntoIterator<Item = DeliveryResult>) {
        self.results.extend(results);
    }

    /// SPEC: 0 when everything was delivered (or nothing had to be), 1 when nothing was, 3 when
    /// some was. Partly, too: a delivery the provider took without confirming it, and one that
    /// waits in the outbox behind the creation of its room (the command recorded its event, and
    /// `inc outbox retry` delivers both in order: nothing failed).
    pub fn exit(&self) -> CliResult {
        let deferred = |r: &&DeliveryResult| r.unconfirmed || r.waits_for.is_some();
        let failed = self
            .results
            .iter()
            .filter(|r| !r.ok && !deferred(r))
            .count();
        let unconfirmed = self.results.iter().filter(deferred).count();
        if failed + unconfirmed == 0 {
            Ok(())
        } else if failed == self.results.len() {
            Err(CliError::silent(ErrorKind::Failed))
        } else {
            Err(CliError::silent(ErrorKind::Partial))
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::to_value(&self.results).expect("results serialize")
    }

    pub fn failures(&self) -> impl Iterator<Item = &DeliveryResult> {
        self.results.iter().filter(|r| !r.ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Dur;
    use crate::providers::{HttpRequest, Request};
    use std::cell::RefCell;
    use std::collections::VecDeque;

    /// Answers each send from a script and records when it was called, and as which attempt.
    struct Scripted {
        answers: RefCell<VecDeque<(Duration, Result<Receipt, SendError>)>>,
        calls: RefCell<Vec<Instant>>,
        attempts: RefCell<Vec<u32>>,
    }

    impl Scripted {
        fn new(answers: Vec<(Duration, Result<Receipt, SendError>)>) -> Self {
            Scripted {
                answers: RefCell::new(answers.into()),
                calls: RefCell::new(Vec::new()),
                attempts: RefCell::new(Vec::new()),
            }
        }
    }

    impl Transport for Scripted {
        async fn send(&self, _d: &Delivery, attempt: u32) -> Result<Receipt, SendError> {
            self.calls.borrow_mut().push(Instant::now());
            self.attempts.borrow_mut().push(attempt);
            let (delay, answer) = self
                .answers
                .borrow_mut()
                .pop_front()
                .expect("no more scripted answers");
            tokio::time::sleep(delay).await;
            answer
        }
    }

    fn delivery(key: &str) -> Delivery {
        Delivery {
            provider: "fake".into(),
            action: "post".into(),
            target: "t".into(),
            dedup_key: key.into(),
            incident: None,
            request: Request::Http(HttpRequest::post("/x", serde_json::json!({}))),
        }
    }

    fn cfg(retry_for_ms: u64) -> DeliveryConfig {
        DeliveryConfig {
            timeout: Dur(Duration::from_millis(1_000)),
            retry_for: Dur(Duration::from_millis(retry_for_ms)),
            backoff: Dur(Duration::from_millis(10)),
        }
    }

    fn transient(retry_after: Option<u64>) -> Result<Receipt, SendError> {
        Err(SendError::Transient {
            message: "503".into(),
            retry_after: retry_after.map(Duration::from_millis),
        })
    }

    fn ok() -> Result<Receipt, SendError> {
        Ok(Receipt {
            id: Some("R1".into()),
            ..Default::default()
        })
    }

    fn engine<'a>(
        t: &'a Scripted,
        c: &'a DeliveryConfig,
        outbox: Option<&'a Outbox>,
    ) -> Engine<'a, Scripted> {
        Engine {
            outbox,
            ..Engine::new(t, c, jiff::Timestamp::UNIX_EPOCH)
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retries_transient_then_succeeds_and_honours_retry_after() {
        let t = Scripted::new(vec![
            (Duration::ZERO, transient(None)),
            (Duration::ZERO, transient(Some(700))),
            (Duration::ZERO, ok()),
        ]);
        let c = cfg(5_000);
        let r = engine(&t, &c, None).send(delivery("k")).await;
        assert!(r.ok);
        assert_eq!(r.attempts, 3);
        assert_eq!(r.id.as_deref(), Some("R1"));
        let calls = t.calls.borrow();
        assert!(
            calls[2] - calls[1] >= Duration::from_millis(700),
            "Retry-After honoured"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn rejected_is_not_retried_but_kept_with_its_reason() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::new(dir.path());
        let t = Scripted::new(vec![(
            Duration::ZERO,
            Err(SendError::Rejected {
                status: Some(400),
                message: "Slack: HTTP 400: invalid_arguments".into(),
            }),
        )]);
        let c = cfg(5_000);
        let r = engine(&t, &c, Some(&outbox)).send(delivery("k")).await;
        assert!(!r.ok);
        assert_eq!(r.attempts, 1);
        let kept = outbox.list();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].error, "Slack: HTTP 400: invalid_arguments");
        assert_eq!(r.outbox.as_deref(), Some(kept[0].id.as_str()));
    }

    #[tokio::test(start_paused = true)]
    async fn unconfirmed_is_not_retried_kept_and_partly_delivered() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::new(dir.path());
        let t = Scripted::new(vec![(
            Duration::ZERO,
            Err(SendError::Unconfirmed {
                message: "accepted, not confirmed".into(),
            }),
        )]);
        let c = cfg(5_000);
        let r = engine(&t, &c, Some(&outbox)).send(delivery("k")).await;
        assert!(!r.ok && r.unconfirmed);
        assert_eq!(r.attempts, 1);
        assert_eq!(outbox.list().len(), 1);
        assert_eq!(serde_json::to_value(&r).unwrap()["unconfirmed"], true);
        let report = Report { results: vec![r] };
        assert_eq!(report.exit().unwrap_err().kind.code(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_delivery_the_outbox_holds_goes_out_as_a_retry() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::new(dir.path());
        let t = Scripted::new(vec![
            (Duration::ZERO, transient(Some(10_000))),
            (Duration::ZERO, ok()),
            (Duration::ZERO, ok()),
        ]);
        let c = cfg(1_000);
        let first = engine(&t, &c, Some(&outbox)).send(delivery("k")).await;
        assert!(!first.ok && first.outbox.is_some());
        // Run again (the same action re-run): attempt 2, as the adapter sees it.
        let again = engine(&t, &c, Some(&outbox)).send(delivery("k")).await;
        assert!(again.ok);
        assert_eq!(again.attempts, 1, "this run's attempts");
        assert!(outbox.list().is_empty(), "delivered: no longer pending");
        // `outbox retry` passes the entry's count.
        let retried = engine(&t, &c, None).send_after(delivery("k"), 4).await;
        assert!(retried.ok);
        assert_eq!(*t.attempts.borrow(), vec![1, 2, 5]);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_within_budget_and_parks_in_outbox_once_per_key() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::new(dir.path());
        let answers = (0..50)
            .map(|_| (Duration::from_millis(300), transient(None)))
            .collect();
        let t = Scripted::new(answers);
        let c = cfg(1_000);
        let start = Instant::now();
        let r = engine(&t, &c, Some(&outbox))
            .send(delivery("same-key"))
            .await;
        assert!(!r.ok);
        assert!(
            Instant::now() - start <= Duration::from_millis(1_000),
            "bounded total time"
        );
        assert!(r.attempts >= 2);
        let again = engine(&t, &c, Some(&outbox))
            .send(delivery("same-key"))
            .await;
        assert_eq!(r.outbox, again.outbox);
        assert_eq!(outbox.list().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn independent_deliveries_run_concurrently() {
        let t = Scripted::new((0..3).map(|_| (Duration::from_millis(300), ok())).collect());
        let c = cfg(5_000);
        let start = Instant::now();
        let results = engine(&t, &c, None)
            .send_all(vec![delivery("a"), delivery("b"), delivery("c")])
            .await;
        assert!(results.iter().all(|r| r.ok));
        assert!(
            Instant::now() - start < Duration::from_millis(600),
            "took the slowest, not the sum"
        );
    }

    #[test]
    fn exit_codes_come_from_the_report() {
        let mk = |ok| DeliveryResult {
            ok,
            attempts: 1,
            ..DeliveryResult::pending(delivery("k"), false)
        };
        assert!(Report::default().exit().is_ok());
        assert!(
            Report {
                results: vec![mk(true)]
            }
            .exit()
            .is_ok()
        );
        assert_eq!(
            Report {
                results: vec![mk(false)]
            }
            .exit()
            .unwrap_err()
            .kind
            .code(),
            1
        );
        assert_eq!(
            Report {
                results: vec![mk(true), mk(false)]
            }
            .exit()
            .unwrap_err()
            .kind
            .code(),
            3
        );
    }

    #[test]
    fn a_delivery_waiting_behind_its_room_is_partly_delivered_not_failed() {
        let waiting = DeliveryResult {
            waits_for: Some("#inc-x".into()),
            ..DeliveryResult::pending(delivery("k"), false)
        };
        let report = Report {
            results: vec![waiting],
        };
        assert_eq!(report.exit().unwrap_err().kind.code(), 3);
    }

    fn marked<'a>(
        t: &'a Scripted,
        c: &'a DeliveryConfig,
        outbox: &'a Outbox,
        marks: &'a Marks,
    ) -> Engine<'a, Scripted> {
        Engine {
            outbox: Some(outbox),
            marks: Some(marks),
            ..Engine::new(t, c, "2026-11-26T23:37:00Z".parse().unwrap())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_provider_that_spent_a_budget_gets_one_short_try_from_the_next_command() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, marks) = (Outbox::new(dir.path()), Marks::new(dir.path()));
        let t = Scripted::new((0..60).map(|_| (Duration::ZERO, transient(None))).collect());
        let c = cfg(2_000);
        let first = marked(&t, &c, &outbox, &marks).send(delivery("a")).await;
        assert!(!first.ok && first.attempts > 2, "{first:?}");
        assert_eq!(
            first.failing_since, None,
            "the first command says why it failed"
        );
        let mark = marks.get("fake").expect("marked down");
        assert_eq!(mark.since, "2026-11-26T23:37:00Z".parse().unwrap());

        // The next command: one attempt, short, then queued, saying since when.
        let calls = t.calls.borrow().len();
        let start = Instant::now();
        let second = marked(&t, &c, &outbox, &marks).send(delivery("b")).await;
        assert_eq!(t.calls.borrow().len() - calls, 1, "exactly one attempt");
        assert_eq!(second.attempts, 1);
        assert!(Instant::now() - start <= down::QUICK_TRY);
        assert_eq!(
            second.failing_since.as_deref(),
            Some("fake failing since 23:37 UTC")
        );
        assert!(second.outbox.is_some());
        assert_eq!(outbox.list().len(), 2);
        // A short try does not extend the mark's life; only a whole budget does.
        assert_eq!(marks.get("fake").unwrap().checked, mark.checked);
    }

    #[tokio::test(start_paused = true)]
    async fn a_short_try_that_is_answered_clears_the_mark() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, marks) = (Outbox::new(dir.path()), Marks::new(dir.path()));
        let now = "2026-11-26T23:37:00Z".parse().unwrap();
        marks.failed(&delivery("x"), "503", true, now).unwrap();
        let t = Scripted::new(vec![(Duration::ZERO, ok())]);
        let c = cfg(2_000);
        let r = marked(&t, &c, &outbox, &marks).send(delivery("a")).await;
        assert!(r.ok && r.failing_since.is_none());
        assert!(marks.get("fake").is_none(), "cleared");
    }

    #[tokio::test(start_paused = true)]
    async fn a_stale_mark_gives_a_whole_budget_again() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, marks) = (Outbox::new(dir.path()), Marks::new(dir.path()));
        let long_ago = "2026-11-26T23:00:00Z".parse().unwrap();
        marks.failed(&delivery("x"), "503", true, long_ago).unwrap();
        let t = Scripted::new((0..60).map(|_| (Duration::ZERO, transient(None))).collect());
        let c = cfg(2_000);
        let r = marked(&t, &c, &outbox, &marks).send(delivery("a")).await;
        assert!(r.attempts > 2 && r.failing_since.is_none(), "{r:?}");
        let m = marks.get("fake").unwrap();
        assert_eq!(
            (m.since, m.checked),
            (long_ago, "2026-11-26T23:37:00Z".parse().unwrap())
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_page_gets_its_whole_budget_even_to_a_pager_known_down() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, marks) = (Outbox::new(dir.path()), Marks::new(dir.path()));
        let now = "2026-11-26T23:37:00Z".parse().unwrap();
        let mut page = delivery("page");
        page.provider = "pagerduty".into();
        page.action = "page_ic".into();
        marks.failed(&page, "503", true, now).unwrap();
        let t = Scripted::new(vec![
            (Duration::ZERO, transient(None)),
            (Duration::ZERO, transient(None)),
            (Duration::ZERO, ok()),
        ]);
        let c = cfg(5_000);
        let r = marked(&t, &c, &outbox, &marks).send(page).await;
        assert!(r.ok, "{r:?}");
        assert_eq!(r.attempts, 3, "retried as always");
        assert!(marks.get("pagerduty").is_none(), "and it answers: cleared");
    }

    #[tokio::test(start_paused = true)]
    async fn outbox_retry_gives_a_whole_budget_to_a_provider_known_down() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, marks) = (Outbox::new(dir.path()), Marks::new(dir.path()));
        let now = "2026-11-26T23:37:00Z".parse().unwrap();
        marks.failed(&delivery("x"), "503", true, now).unwrap();
        let t = Scripted::new(vec![
            (Duration::ZERO, transient(None)),
            (Duration::ZERO, ok()),
        ]);
        let c = cfg(5_000);
        let engine = Engine {
            whole_budget: true,
            ..marked(&t, &c, &outbox, &marks)
        };
        let r = engine.send_after(delivery("a"), 1).await;
        assert!(r.ok && r.attempts == 2, "{r:?}");
        assert!(marks.get("fake").is_none());
    }

    #[derive(Default)]
    struct Seen(RefCell<Vec<Stage>>);

    impl Observer for Seen {
        fn stage(&self, _d: &Delivery, stage: Stage) {
            self.0.borrow_mut().push(stage);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_observer_hears_each_attempt_and_each_wait() {
        let t = Scripted::new(vec![
            (Duration::from_millis(2_000), ok()),
            (Duration::ZERO, transient(None)),
            (Duration::ZERO, ok()),
        ]);
        let c = cfg(10_000);
        let seen = Seen::default();
        let engine = Engine {
            observer: Some(&seen),
            ..engine(&t, &c, None)
        };
        // The first attempt outlives the 1 s timeout: it may have landed.
        let r = engine.send(delivery("a")).await;
        assert!(r.ok);
        let stages = seen.0.borrow();
        assert_eq!(stages[0], Stage::Asking { attempts: 1 });
        assert!(matches!(
            &stages[1],
            Stage::Retrying {
                attempts: 1,
                answered: false,
                ..
            }
        ));
        assert_eq!(stages[2], Stage::Asking { attempts: 2 });
        assert!(matches!(
            &stages[3],
            Stage::Retrying {
                attempts: 2,
                answered: true,
                ..
            }
        ));
        assert_eq!(stages[4], Stage::Asking { attempts: 3 });
        assert_eq!(stages.len(), 5);
    }
}
