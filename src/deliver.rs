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

use std::time::Duration;

use tokio::time::Instant;

use serde::Serialize;

use crate::config::DeliveryConfig;
use crate::error::{CliError, CliResult, ErrorKind};
use crate::outbox::Outbox;
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

pub struct Engine<'a, T> {
    pub transport: &'a T,
    pub cfg: &'a DeliveryConfig,
    pub dry_run: bool,
    /// Where failures are parked; `None` when the caller keeps them itself (`outbox retry`).
    pub outbox: Option<&'a Outbox>,
    pub now: jiff::Timestamp,
}

impl<T: Transport> Engine<'_, T> {
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

    /// Sends one delivery with retries, `tried` attempts having been made in earlier runs
    /// (`inc outbox retry` knows them from the entry).
    pub async fn send_after(&self, d: Delivery, tried: u32) -> DeliveryResult {
        let mut result = DeliveryResult {
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
            outbox: None,
            dry_run: self.dry_run,
            delivery: d,
            receipt: None,
            failure: None,
        };
        if self.dry_run {
            result.ok = true;
            return result;
        }
        let start = Instant::now();
        let deadline = start + self.cfg.retry_for.0;
        let outcome = loop {
            result.attempts += 1;
            let left = deadline.saturating_duration_since(Instant::now());
            let per_try = self.cfg.timeout.0.min(left).max(Duration::from_millis(1));
            let sent = tokio::time::timeout(
                per_try,
                self.transport
                    .send(&result.delivery, tried.saturating_add(result.attempts)),
            )
            .await;
            let err = match sent {
                Ok(Ok(receipt)) => break Ok(receipt),
                Ok(Err(e @ SendError::Transient { .. })) => e,
                Ok(Err(e)) => break Err(e),
                Err(_) => SendError::Transient {
                    message: format!(
                        "{}: no answer within {}",
                        crate::providers::display_name(&result.provider),
                        crate::config::format_duration(per_try)
                    ),
                    retry_after: None,
                },
            };
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
            tokio::time::sleep(wait).await;
        };
        match outcome {
            Ok(receipt) => {
                result.ok = true;
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
    /// some was (a delivery the provider took without confirming it counts as partly).
    pub fn exit(&self) -> CliResult {
        let failed = self
            .results
            .iter()
            .filter(|r| !r.ok && !r.unconfirmed)
            .count();
        let unconfirmed = self.results.iter().filter(|r| r.unconfirmed).count();
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
            transport: t,
            cfg: c,
            dry_run: false,
            outbox,
            now: jiff::Timestamp::UNIX_EPOCH,
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
            provider: "p".into(),
            action: "a".into(),
            target: "t".into(),
            ok,
            attempts: 1,
            id: None,
            url: None,
            error: None,
            note: None,
            unconfirmed: false,
            outbox: None,
            dry_run: false,
            delivery: delivery("k"),
            receipt: None,
            failure: None,
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
}
