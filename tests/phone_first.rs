//! Phone numbers first: with PagerDuty failing or silent, `inc page-ic` and `inc page` print
//! whom to call within about 2 s, while the process is still retrying the page; the page ends in
//! the outbox, and `inc outbox retry` delivers it once PagerDuty is back. The output is read as
//! the child writes it, never after it exits.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::cmd::{TestEnv, run, text};
use common::pagerduty::{FakePd, Fault, Outage, TOKEN};
use serde_json::Value;

/// The numbers the fake's contact methods give the three ICs.
const PHONES: [&str; 3] = [
    "primary  Ann Primary: +1 555 0101",
    "backup   Bob Backup: +1 555 0202",
    "shadow   Cat Shadow: +1 555 0303",
];

/// How soon the numbers must show (the SPEC's 2 s, plus the start of a debug binary).
const SOON: Duration = Duration::from_millis(2500);

fn env_for(fake: &FakePd, delivery: &str) -> TestEnv {
    let cfg = fake.config("").replace(
        "timeout = \"1s\"\nretry_for = \"6s\"\nbackoff = \"50ms\"",
        delivery,
    );
    assert!(cfg.contains(delivery), "the [delivery] table moved: {cfg}");
    let mut env = TestEnv::with_config(&cfg);
    env.set("PAGERDUTY_TOKEN", TOKEN);
    env
}

/// A running `inc`, its stdout and stderr read line by line as they come.
struct Live {
    child: Child,
    start: Instant,
    lines: mpsc::Receiver<(Duration, &'static str, String)>,
    /// Every line so far: when it came, from which stream.
    seen: Vec<(Duration, &'static str, String)>,
}

impl Live {
    fn spawn(env: &TestEnv, args: &[&str]) -> Live {
        let mut child = env
            .std_command()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run inc");
        let start = Instant::now();
        let (tx, rx) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        for (name, stream) in [
            ("stdout", Box::new(out) as Box<dyn std::io::Read + Send>),
            ("stderr", Box::new(err)),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    if tx.send((start.elapsed(), name, line)).is_err() {
                        break;
                    }
                }
            });
        }
        Live {
            child,
            start,
            lines: rx,
            seen: Vec::new(),
        }
    }

    /// Waits (at most `limit` from the start) until every one of `wanted` has been printed;
    /// returns when the last of them came.
    fn wait_for(&mut self, wanted: &[&str], limit: Duration) -> Duration {
        loop {
            let missing: Vec<&&str> = wanted
                .iter()
                .filter(|w| !self.seen.iter().any(|(_, _, l)| l.contains(**w)))
                .collect();
            if missing.is_empty() {
                return wanted
                    .iter()
                    .filter_map(|w| self.seen.iter().find(|(_, _, l)| l.contains(*w)))
                    .map(|(at, _, _)| *at)
                    .max()
                    .unwrap();
            }
            let left = limit.saturating_sub(self.start.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(l) => self.seen.push(l),
                Err(_) => panic!(
                    "not printed within {limit:?}: {missing:?}\nso far:\n{}",
                    self.transcript()
                ),
            }
        }
    }

    /// Is the process still running?
    fn running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    /// Waits for the exit (bounded) and the rest of the output; returns the exit code.
    fn finish(&mut self, limit: Duration) -> Option<i32> {
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                break s;
            }
            if self.start.elapsed() > limit {
                let _ = self.child.kill();
                panic!("still running after {limit:?}:\n{}", self.transcript());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // Both readers end at EOF, dropping their senders.
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(l);
        }
        status.code()
    }

    fn stream(&self, name: &str) -> String {
        self.seen
            .iter()
            .filter(|(_, s, _)| *s == name)
            .map(|(_, _, l)| format!("{l}\n"))
            .collect()
    }

    fn count(&self, what: &str) -> usize {
        self.seen
            .iter()
            .filter(|(_, _, l)| l.contains(what))
            .count()
    }

    fn transcript(&self) -> String {
        self.seen
            .iter()
            .map(|(at, s, l)| format!("{:>6} ms {s}: {l}\n", at.as_millis()))
            .collect()
    }
}

impl Drop for Live {
    /// A failed test does not leave its `inc` running.
    fn drop(&mut self) {
        if self.running() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The IC page incidents in the fake.
fn ic_pages(fake: &FakePd) -> usize {
    fake.incidents()
        .iter()
        .filter(|i| i["service"]["id"] == "PICSRVC")
        .count()
}

fn outbox(env: &TestEnv) -> Vec<Value> {
    env.json(&["outbox", "list"])["outbox"]
        .as_array()
        .unwrap()
        .clone()
}

/// Brings PagerDuty back and lets `inc outbox retry` (twice) deliver what is kept: exactly one
/// incident of `service` in the fake, the outbox empty.
async fn outbox_delivers_once(env: &TestEnv, fake: &FakePd, service: &str) {
    fake.outage(None);
    for _ in 0..2 {
        let o = run(env, &["outbox", "retry"]).await;
        assert!(o.status.success(), "{}", text(&o).1);
    }
    let delivered = fake
        .incidents()
        .iter()
        .filter(|i| i["service"]["id"] == service)
        .count();
    assert_eq!(
        delivered,
        1,
        "delivered exactly once: {:?}",
        fake.incidents()
    );
    assert!(outbox(env).is_empty());
}

/// Fills the on-call cache while PagerDuty answers.
async fn warm_cache(env: &TestEnv, args: &[&str]) {
    let o = run(env, args).await;
    assert!(o.status.success(), "{}", text(&o).1);
}

#[tokio::test(flavor = "multi_thread")]
async fn pagerduty_503_shows_the_numbers_at_once_and_the_outbox_pages_once() {
    let fake = FakePd::start().await;
    let env = env_for(
        &fake,
        "timeout = \"1s\"\nretry_for = \"6s\"\nbackoff = \"50ms\"",
    );
    warm_cache(&env, &["oncall", "--ic"]).await;
    fake.outage(Some(Outage::Status(503)));

    let mut live = Live::spawn(&env, &["page-ic", "-m", "Checkout down"]);
    let shown = live.wait_for(&PHONES, SOON);
    assert!(
        live.running(),
        "the numbers came before the end, at {shown:?}:\n{}",
        live.transcript()
    );
    live.wait_for(&["The page is still being retried, until"], SOON);
    assert!(live.running(), "still retrying:\n{}", live.transcript());
    let code = live.finish(Duration::from_secs(20));
    assert_eq!(code, Some(1), "never paged:\n{}", live.transcript());
    let (out, err) = (live.stream("stdout"), live.stream("stderr"));
    assert!(out.contains("✘ NOT paged"), "{out}");
    assert!(!out.contains("✔"), "{out}");
    assert!(err.contains("from the on-call cache of"), "{err}");
    // Once while the page was retried, once with the outcome.
    assert_eq!(live.count("CALL THEM NOW"), 2, "{}", live.transcript());
    assert_eq!(live.count("Ann Primary: +1 555 0101"), 2);
    assert_eq!(live.count("went out after all"), 0);

    let kept = outbox(&env);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["delivery"]["action"], "page_ic");
    assert_eq!(ic_pages(&fake), 0);
    outbox_delivers_once(&env, &fake, "PICSRVC").await;
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn silent_pagerduty_shows_the_numbers_after_2_s_and_json_says_when() {
    let fake = FakePd::start().await;
    // The lookup waits 3 s for PagerDuty: the 2 s clock runs out first.
    let env = env_for(
        &fake,
        "timeout = \"3s\"\nretry_for = \"4s\"\nbackoff = \"50ms\"",
    );
    warm_cache(&env, &["oncall", "--ic"]).await;
    fake.outage(Some(Outage::Silent));

    let mut live = Live::spawn(&env, &["page-ic", "--json"]);
    let shown = live.wait_for(&PHONES, SOON);
    assert!(
        shown >= Duration::from_millis(1900),
        "the clock, not a failure, at {shown:?}"
    );
    assert!(live.running(), "still waiting:\n{}", live.transcript());
    let code = live.finish(Duration::from_secs(30));
    assert_eq!(code, Some(1), "{}", live.transcript());
    let out = live.stream("stdout");
    let doc: Value = serde_json::from_str(&out).expect("one JSON document on stdout");
    let call = &doc["call_now"];
    let after = call["after_ms"].as_u64().unwrap();
    assert!((1900..2500).contains(&after), "{call}");
    assert!(
        call["reason"]
            .as_str()
            .unwrap()
            .contains("PagerDuty has not confirmed the page within 2 s"),
        "{call}"
    );
    assert!(call["retrying_until"].is_string(), "{call}");
    let phones: Vec<&str> = call["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["phone"].as_str().unwrap())
        .collect();
    assert_eq!(phones, ["+1 555 0101", "+1 555 0202", "+1 555 0303"]);
    assert!(
        call["people"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["cached_at"].is_string()),
        "{call}"
    );
    assert_eq!(doc["deliveries"][0]["ok"], false, "{doc}");

    assert_eq!(outbox(&env).len(), 1);
    assert_eq!(ic_pages(&fake), 0);
    outbox_delivers_once(&env, &fake, "PICSRVC").await;
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_healthy_page_says_nothing_about_calling() {
    let fake = FakePd::start().await;
    let env = env_for(
        &fake,
        "timeout = \"1s\"\nretry_for = \"6s\"\nbackoff = \"50ms\"",
    );
    warm_cache(&env, &["oncall", "--ic"]).await;
    let o = run(&env, &["page-ic"]).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert_eq!(out.matches("✔ paged").count(), 3, "{out}");
    for said in [&out, &err] {
        for word in ["CALL", "call them", "555", "retried"] {
            assert!(!said.contains(word), "{word:?} in:\n{said}");
        }
    }
    let doc: Value =
        serde_json::from_slice(&run(&env, &["page-ic", "--again", "--json"]).await.stdout)
            .expect("JSON");
    assert!(doc.get("call_now").is_none(), "{doc}");
    let o = run(&env, &["page", "dan@example.com", "-m", "Need a DBA"]).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(
        !out.contains("CALL") && !err.contains("CALL"),
        "{out}\n{err}"
    );
    assert_eq!(ic_pages(&fake), 2);
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_that_lands_on_a_retry_after_2_s_shows_the_numbers_then_paged() {
    let fake = FakePd::start().await;
    let env = env_for(
        &fake,
        "timeout = \"1s\"\nretry_for = \"6s\"\nbackoff = \"50ms\"",
    );
    // No cache: the numbers come from the live lookup.
    fake.fault(Fault::RateLimited {
        retry_after_secs: 3,
    });
    let mut live = Live::spawn(&env, &["page-ic"]);
    let shown = live.wait_for(&PHONES, SOON);
    assert!(shown >= Duration::from_millis(1900), "at {shown:?}");
    assert!(live.running(), "{}", live.transcript());
    let paged = live.wait_for(&["✔ paged"], Duration::from_secs(10));
    assert!(paged > shown);
    assert_eq!(
        live.finish(Duration::from_secs(15)),
        Some(0),
        "{}",
        live.transcript()
    );
    let (out, err) = (live.stream("stdout"), live.stream("stderr"));
    assert_eq!(out.matches("✔ paged").count(), 3, "{out}");
    assert!(
        err.contains("PagerDuty has not confirmed the page within 2 s"),
        "{err}"
    );
    assert!(!err.contains("from the on-call cache"), "{err}");
    assert_eq!(live.count("CALL THEM NOW"), 1, "{}", live.transcript());
    assert_eq!(
        live.count("The page went out after all"),
        1,
        "{}",
        live.transcript()
    );
    assert_eq!(ic_pages(&fake), 1);
    assert_eq!(fake.count("POST /incidents"), 2, "the 429, then the page");
    assert!(outbox(&env).is_empty());
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn page_target_with_pagerduty_503_shows_the_number_from_the_cache() {
    let fake = FakePd::start().await;
    let env = env_for(
        &fake,
        "timeout = \"1s\"\nretry_for = \"6s\"\nbackoff = \"50ms\"",
    );
    // Every schedule's on-call, as `inc oncall` caches it.
    warm_cache(&env, &["oncall"]).await;
    fake.outage(Some(Outage::Status(503)));
    let mut live = Live::spawn(&env, &["page", "ann@example.com", "-m", "Need Ann"]);
    live.wait_for(&["CALL THEM NOW", "Ann Primary: +1 555 0101"], SOON);
    assert!(live.running(), "{}", live.transcript());
    assert_eq!(
        live.finish(Duration::from_secs(20)),
        Some(1),
        "{}",
        live.transcript()
    );
    let out = live.stream("stdout");
    assert!(
        out.contains("✘ NOT paged Ann Primary"),
        "{}",
        live.transcript()
    );
    assert_eq!(
        live.count("Ann Primary: +1 555 0101"),
        2,
        "{}",
        live.transcript()
    );
    let kept = outbox(&env);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["delivery"]["action"], "page");
    outbox_delivers_once(&env, &fake, "PMAJORS").await;
    let inc = fake
        .incidents()
        .into_iter()
        .find(|i| i["service"]["id"] == "PMAJORS")
        .unwrap();
    assert_eq!(inc["assignments"][0]["assignee"]["id"], "PUANN01");
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn with_opsgenie_beside_a_failing_pagerduty_only_whom_no_page_reaches_is_to_call() {
    use common::opsgenie::{FakeOpsgenie, KEY};
    let fake = FakePd::start().await;
    let og = FakeOpsgenie::start().await;
    let cfg = format!(
        "{}\n{}",
        fake.config("")
            .replace("retry_for = \"6s\"", "retry_for = \"4s\""),
        og.config()
    );
    let mut env = TestEnv::with_config(&cfg);
    env.set("PAGERDUTY_TOKEN", TOKEN)
        .set("OPSGENIE_API_KEY", KEY);
    warm_cache(&env, &["oncall", "--ic"]).await;
    fake.outage(Some(Outage::Status(503)));

    let mut live = Live::spawn(&env, &["page-ic"]);
    // Opsgenie pages the primary and the backup; the shadow is PagerDuty's alone.
    live.wait_for(&["CALL THEM NOW", PHONES[2]], SOON);
    assert!(live.running(), "{}", live.transcript());
    live.wait_for(
        &["The Opsgenie page went out after all"],
        Duration::from_secs(4),
    );
    assert_eq!(
        live.finish(Duration::from_secs(20)),
        Some(3),
        "{}",
        live.transcript()
    );
    assert_eq!(live.count("CALL THEM NOW"), 2, "{}", live.transcript());
    assert_eq!(live.count(PHONES[2]), 2, "{}", live.transcript());
    for ic in [
        "Ann Primary:",
        "Bob Backup:",
        "ann@example.com:",
        "bob@example.com:",
    ] {
        assert_eq!(
            live.count(ic),
            0,
            "{ic} was paged by Opsgenie:\n{}",
            live.transcript()
        );
    }
    assert_eq!(og.alerts().len(), 1);
    let kept = outbox(&env);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["delivery"]["provider"], "pagerduty");
    outbox_delivers_once(&env, &fake, "PICSRVC").await;
    fake.assert_clean();
    og.assert_clean();
}

/// With PagerDuty down and no on-call cache, nobody can be named, but the page is not lost: it
/// is built for the IC service (whose escalation policy pages whoever is on call), retried,
/// kept in the outbox, and delivered once when PagerDuty is back.
#[tokio::test(flavor = "multi_thread")]
async fn no_cache_and_pagerduty_down_still_keeps_the_page() {
    let fake = FakePd::start().await;
    let env = env_for(
        &fake,
        "timeout = \"1s\"\nretry_for = \"2s\"\nbackoff = \"50ms\"",
    );
    fake.outage(Some(Outage::Status(503)));
    let o = run(&env, &["page-ic", "-m", "Checkout down"]).await;
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(err.contains("cannot read who is on call"), "{err}");
    assert!(out.contains("NOT paged"), "{out}");
    let kept = outbox(&env);
    assert_eq!(kept.len(), 1, "the page is kept: {kept:?}");
    assert_eq!(kept[0]["delivery"]["action"], "page_ic");
    outbox_delivers_once(&env, &fake, "PICSRVC").await;
    // inc assigned no one: the service's escalation policy pages (the fake assigns its first
    // level, the primary).
    let sent = fake.requests.lock().unwrap().clone();
    let posts: Vec<_> = sent
        .iter()
        .filter(|r| r.line() == "POST /incidents")
        .map(|r| r.json())
        .collect();
    assert!(!posts.is_empty());
    for p in &posts {
        assert!(p["incident"].get("assignments").is_none(), "{p}");
    }
    let page = fake
        .incidents()
        .into_iter()
        .find(|i| i["service"]["id"] == "PICSRVC")
        .unwrap();
    assert_eq!(
        page["assignments"][0]["assignee"]["id"], "PUANN01",
        "{page}"
    );
    fake.assert_clean();
}

/// With PagerDuty silent on reads, the page goes out from the cached on-call names once the
/// 2 s are up, instead of waiting out the lookup (here 40 s: a page that waited would still be
/// running when the test gives up on it).
#[tokio::test(flavor = "multi_thread")]
async fn a_silent_lookup_pages_the_cached_ics_after_2_s() {
    let fake = FakePd::start().await;
    let env = env_for(
        &fake,
        "timeout = \"40s\"\nretry_for = \"40s\"\nbackoff = \"50ms\"",
    );
    warm_cache(&env, &["oncall", "--ic"]).await;
    let before = fake.requests.lock().unwrap().len();
    fake.outage(Some(Outage::SilentReads));
    let mut live = Live::spawn(&env, &["page-ic", "-m", "Checkout down"]);
    live.wait_for(&PHONES, SOON);
    assert_eq!(
        live.finish(Duration::from_secs(20)),
        Some(0),
        "{}",
        live.transcript()
    );
    let (out, err) = (live.stream("stdout"), live.stream("stderr"));
    assert_eq!(out.matches("✔ paged").count(), 3, "{out}");
    assert!(err.contains("PagerDuty did not answer within 2 s"), "{err}");
    assert!(err.contains("The page went out after all"), "{err}");
    // The lookup, then the page to whom the cache knows: nothing else, nothing twice.
    let sent: Vec<_> = fake.requests.lock().unwrap()[before..].to_vec();
    let lines: Vec<String> = sent.iter().map(|r| r.line()).collect();
    assert_eq!(lines, ["GET /oncalls", "POST /incidents"], "{lines:?}");
    let assignees: Vec<String> = sent[1].json()["incident"]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["assignee"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(assignees, ["PUANN01", "PUBOB02", "PUCAT03"]);
    assert_eq!(ic_pages(&fake), 1);
    assert!(outbox(&env).is_empty());
    fake.outage(None);
    fake.assert_clean();
}

/// Whatever makes the live lookup fail, CALL THEM NOW has the cached numbers, with their age.
#[tokio::test(flavor = "multi_thread")]
async fn the_cache_serves_every_failure() {
    let delivery = "timeout = \"1s\"\nretry_for = \"2s\"\nbackoff = \"50ms\"";
    for failure in ["401", "403", "timeout", "503", "no token"] {
        let fake = FakePd::start().await;
        let mut env = env_for(&fake, delivery);
        warm_cache(&env, &["oncall", "--ic"]).await;
        match failure {
            "401" => {
                env.set("PAGERDUTY_TOKEN", "expiredToken0123456789");
            }
            "403" => fake.outage(Some(Outage::Status(403))),
            "timeout" => fake.outage(Some(Outage::Silent)),
            "503" => fake.outage(Some(Outage::Status(503))),
            _ => env.vars.retain(|(k, _)| k != "PAGERDUTY_TOKEN"),
        }
        let o = run(&env, &["page-ic", "-m", "Checkout down"]).await;
        let (out, err) = text(&o);
        let want = if failure == "no token" { 78 } else { 1 };
        assert_eq!(o.status.code(), Some(want), "{failure}: {out}\n{err}");
        assert!(err.contains("CALL THEM NOW"), "{failure}: {err}");
        for phone in PHONES {
            assert!(err.contains(phone), "{failure}: {phone:?} in:\n{err}");
        }
        assert!(
            err.contains("(from the on-call cache of") && err.contains("s old)"),
            "{failure}: {err}"
        );
        assert!(!err.contains("no one known to call"), "{failure}: {err}");
        fake.outage(None);
        let _ = fake.take_violations();
    }
}
