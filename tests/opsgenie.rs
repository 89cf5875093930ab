//! Opsgenie as a second pager, against a fake Opsgenie that validates every request against the
//! official description, checks the `GenieKey` header and processes writes asynchronously:
//! page-ic (alone and beside PagerDuty), oncall, notes, close, doctor.

mod common;

use std::process::Output;
use std::time::{Duration, Instant};

use common::cmd::{TestEnv, json as json_of, run, text};
use common::opsgenie::{FakeOpsgenie, KEY};
use common::pagerduty::{self as pd, FakePd, Fault};
use serde_json::{Value, json};

#[track_caller]
fn ok(o: &Output) {
    let (out, err) = text(o);
    assert!(o.status.success(), "exit {:?}\n{out}\n{err}", o.status);
}

const DELIVERY: &str = "[delivery]\ntimeout = \"2s\"\nretry_for = \"6s\"\nbackoff = \"50ms\"\n\n";

fn env_for(og: &FakeOpsgenie) -> TestEnv {
    let mut env = TestEnv::with_config(&format!("{DELIVERY}{}", og.config()));
    env.set("OPSGENIE_API_KEY", KEY);
    env
}

/// The journaled page_ic deliveries that went out, as (provider id, event id).
fn journaled_pages(env: &TestEnv) -> Vec<(String, String)> {
    env.json(&["timeline"])["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "delivery" && e["action"] == "page_ic" && e["ok"] == true)
        .map(|e| (e["id"].to_string(), e["event_id"].to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn page_ic_through_opsgenie_alone_pages_both_schedules_once() {
    let og = FakeOpsgenie::start().await;
    let env = env_for(&og);
    let id = env.declare("Checkout down", &["--sev", "1"]);
    let o = run(&env, &["page-ic"]).await;
    ok(&o);
    // The page is journaled on the incident, once.
    assert_eq!(journaled_pages(&env).len(), 1);
    let (out, _) = text(&o);
    for line in [
        "✔ paged         primary  ann@example.com",
        "✔ paged         backup   bob@example.com",
        "Opsgenie alert: og-alert-1 (alias inc-",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    let alerts = og.alerts();
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        alerts[0]["responders"],
        json!([{ "type": "schedule", "name": "IC Primary" }, { "type": "schedule", "name": "IC Backup" }])
    );
    // The alias is the IC schedules', the same on every machine; the inc marker rides along.
    assert_eq!(alerts[0]["alias"], "inc-ic-page-IC Primary,IC Backup");
    assert!(
        alerts[0]["description"]
            .as_str()
            .unwrap()
            .ends_with(&format!("[inc:{id}/{id}-declared]"))
            || alerts[0]["description"]
                .as_str()
                .unwrap()
                .contains(&format!("[inc:{id}/")),
        "{}",
        alerts[0]["description"]
    );
    assert_eq!(alerts[0]["priority"], "P1");
    assert!(
        alerts[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("IC needed: SEV-1 Checkout down")
    );
    // The 202 was followed by the request-status lookup.
    assert!(
        og.state
            .lock()
            .unwrap()
            .log
            .iter()
            .any(|(_, l)| l.starts_with("GET /v2/alerts/requests/"))
    );

    // A re-run reports the open alert and creates nothing.
    let o = run(&env, &["page-ic", "--json"]).await;
    ok(&o);
    let doc = json_of(&o);
    assert_eq!(doc["deliveries"][0]["provider"], "opsgenie");
    assert_eq!(doc["deliveries"][0]["id"], "og-alert-1");
    assert_eq!(doc["alert"]["already_open"], true);
    assert_eq!(doc["paged"].as_array().unwrap().len(), 2);
    assert_eq!(doc["paged"][0]["phone"], "+1 5550101");
    let o = run(&env, &["page-ic"]).await;
    assert!(text(&o).0.contains("already paged"), "{}", text(&o).0);
    assert_eq!(
        og.alerts().len(),
        1,
        "a re-run does not create a second alert"
    );
    assert_eq!(og.count("POST /v2/alerts"), 1);
    assert_eq!(og.alerts()[0]["count"], 1);

    // The page is journaled once: the re-runs' reports of the open alert are not journaled
    // again.
    let pages = journaled_pages(&env);
    assert_eq!(pages.len(), 1, "{pages:?}");
    assert!(
        og.state
            .lock()
            .unwrap()
            .auth_seen
            .iter()
            .all(|a| a == &format!("GenieKey {KEY}"))
    );
    og.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_async_request_is_reported_as_a_failure() {
    let og = FakeOpsgenie::start().await;
    let env = env_for(&og);
    env.declare("DB down", &[]);
    og.state.lock().unwrap().fail_next =
        Some("Failed: schedule [IC Backup] has no rotation".into());
    let o = run(&env, &["page-ic"]).await;
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(out.contains("✘ NOT paged"), "{out}");
    assert!(!out.contains("✔"), "{out}");
    assert!(
        err.contains("could not process it: Failed: schedule [IC Backup] has no rotation"),
        "{err}"
    );
    assert!(err.contains("CALL THEM NOW"), "{err}");
    assert!(err.contains("ann@example.com: +1 5550101"), "{err}");
    assert!(err.contains("bob@example.com: +1 5550202"), "{err}");
    assert!(og.alerts().is_empty());
    let doc = json_of(&run(&env, &["page-ic", "--json"]).await);
    // The next try succeeds (nothing is scripted to fail any more).
    assert_eq!(doc["deliveries"][0]["ok"], true, "{doc}");
    og.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_request_status_is_polled_until_known() {
    let og = FakeOpsgenie::start().await;
    let env = env_for(&og);
    og.state.lock().unwrap().pending_polls = 2;
    let o = run(&env, &["page-ic", "-m", "Need an IC", "--json"]).await;
    ok(&o);
    let doc = json_of(&o);
    assert_eq!(doc["deliveries"][0]["id"], "og-alert-1", "{doc}");
    let polls = og
        .state
        .lock()
        .unwrap()
        .log
        .iter()
        .filter(|(_, l)| l.starts_with("GET /v2/alerts/requests/"))
        .count();
    assert_eq!(polls, 3, "two 404s, then the status");
    og.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn with_both_pagers_page_ic_pages_through_both_at_once() {
    let og = FakeOpsgenie::start().await;
    let fake = FakePd::start().await;
    let cfg = format!("{}\n{}", fake.config(""), og.config())
        .replace("timeout = \"1s\"", "timeout = \"4s\"");
    let mut env = TestEnv::with_config(&cfg);
    env.set("PAGERDUTY_TOKEN", pd::TOKEN)
        .set("OPSGENIE_API_KEY", KEY);
    env.declare("Everything is down", &["--sev", "1"]);
    // Both pages take 1.5 s to answer: one after the other would take 3 s.
    fake.fault(Fault::SlowAfterWrite(Duration::from_millis(1500)));
    og.state.lock().unwrap().create_latency = Duration::from_millis(1500);
    let start = Instant::now();
    let o = run(&env, &["page-ic", "--json"]).await;
    let took = start.elapsed();
    ok(&o);
    let doc = json_of(&o);
    let providers: Vec<&str> = doc["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["provider"].as_str().unwrap())
        .collect();
    assert_eq!(providers, ["pagerduty", "opsgenie"]);
    assert!(
        doc["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["ok"] == true),
        "{doc}"
    );
    assert!(
        took < Duration::from_millis(2900),
        "concurrent: took {took:?}"
    );
    let pd_pages: Vec<Value> = fake
        .incidents()
        .into_iter()
        .filter(|i| i["service"]["id"] == "PICSRVC")
        .collect();
    assert_eq!(pd_pages.len(), 1);
    assert_eq!(og.alerts().len(), 1);
    let pagers: Vec<&str> = doc["paged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pager"].as_str().unwrap())
        .collect();
    assert_eq!(
        pagers,
        [
            "pagerduty",
            "pagerduty",
            "pagerduty",
            "opsgenie",
            "opsgenie"
        ]
    );
    let o = run(&env, &["page-ic"]).await;
    ok(&o);
    let (out, _) = text(&o);
    assert!(
        out.contains("already paged primary  Ann Primary <ann@example.com> via PagerDuty"),
        "{out}"
    );
    assert!(
        out.contains("already paged primary  ann@example.com via Opsgenie"),
        "{out}"
    );

    // One pager failing while the other works: exit 3; no one to call, all were reached.
    let env2 = {
        let mut e = TestEnv::with_config(&cfg);
        e.set("PAGERDUTY_TOKEN", pd::TOKEN)
            .set("OPSGENIE_API_KEY", KEY);
        e
    };
    env2.declare("Second incident", &[]);
    og.state.lock().unwrap().create_latency = Duration::ZERO;
    og.state.lock().unwrap().fail_next = Some("Failed: integration disabled".into());
    let o = run(&env2, &["page-ic"]).await;
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}\n{err}");
    assert!(err.contains("the Opsgenie page failed"), "{err}");
    assert!(
        !err.contains("CALL THEM NOW"),
        "everyone was reached through PagerDuty: {err}"
    );
    fake.assert_clean();
    og.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn oncall_reads_the_ic_schedules_on_call_participants() {
    let og = FakeOpsgenie::start().await;
    let env = env_for(&og);
    let doc = json_of(&run(&env, &["oncall", "--ic", "--json"]).await);
    let people = doc["oncall"].as_array().unwrap();
    let roles: Vec<&str> = people.iter().map(|p| p["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["primary", "backup"]);
    assert_eq!(people[0]["name"], "ann@example.com");
    assert_eq!(people[0]["schedule"], "IC Primary");
    assert_eq!(people[0]["pager"], "opsgenie");
    assert!(
        people[1]["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "phone" && c["address"] == "+1 5550202"),
        "{doc}"
    );
    assert_eq!(og.count("GET /v2/schedules/IC%20Primary/on-calls"), 1);
    let all = json_of(&run(&env, &["oncall", "--json"]).await);
    assert_eq!(all["oncall"].as_array().unwrap().len(), 2);
    let o = run(&env, &["oncall", "--ic"]).await;
    assert!(text(&o).0.contains("bob@example.com"), "{}", text(&o).0);
    og.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn notes_and_resolve_mirror_the_incident_on_the_alert() {
    let og = FakeOpsgenie::start().await;
    let env = env_for(&og);
    env.declare("Payments failing", &[]);
    // Before the IC page there is no alert to mirror to.
    ok(&run(&env, &["note", "Before the page"]).await);
    assert_eq!(og.count("POST /v2/alerts"), 0);
    ok(&run(&env, &["page-ic"]).await);
    ok(&run(&env, &["note", "Rolled back 4411", "--type", "action"]).await);
    ok(&run(&env, &["todo", "Alert on queue depth"]).await);
    let notes: Vec<String> = og
        .state
        .lock()
        .unwrap()
        .notes
        .iter()
        .map(|(_, n)| n.clone())
        .collect();
    // Each note ends in the marker naming its inc event (SPEC "One incident, many responders").
    let (marked, plain): (Vec<bool>, Vec<String>) = notes
        .iter()
        .map(|n| match n.rsplit_once(" [inc:") {
            Some((text, m)) => (m.ends_with(']'), text.to_string()),
            None => (false, n.clone()),
        })
        .unzip();
    assert_eq!(marked, [true, true], "{notes:?}");
    assert_eq!(
        plain,
        // Each note and TODO says who wrote it (the alert's notes are all by inc's key).
        [
            "tester: ACTION: Rolled back 4411",
            "tester: TODO: Alert on queue depth"
        ]
    );
    let o = run(&env, &["resolve", "--final-sev", "2", "--json"]).await;
    ok(&o);
    let doc = json_of(&o);
    assert!(
        doc["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["provider"] == "opsgenie"
                && d["action"] == "close_alert"
                && d["ok"] == true),
        "{doc}"
    );
    assert_eq!(og.alerts()[0]["status"], "closed");
    og.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_proves_the_key_and_a_bad_key_is_named_never_printed() {
    let og = FakeOpsgenie::start().await;
    let mut env = env_for(&og);
    let doc = json_of(&run(&env, &["doctor", "--json"]).await);
    let row = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "opsgenie")
        .unwrap()
        .clone();
    assert_eq!(row["ok"], true, "{doc}");
    assert!(
        row["detail"].as_str().unwrap().contains("account acme"),
        "{row}"
    );
    assert_eq!(og.count("GET /v2/account"), 1);

    let secret = "wrong-genie-key-42";
    env.set("OPSGENIE_API_KEY", secret);
    for args in [
        vec!["doctor", "-vvv"],
        vec!["page-ic", "-vv"],
        vec!["oncall", "--ic"],
    ] {
        let o = run(&env, &args).await;
        let (out, err) = text(&o);
        assert!(!o.status.success(), "{args:?}");
        assert!(
            !out.contains(secret) && !err.contains(secret),
            "{args:?} leaked the key"
        );
        assert!(
            format!("{out}{err}").contains("$OPSGENIE_API_KEY"),
            "{args:?}: {out}{err}"
        );
    }
    for f in env.state_files() {
        assert!(
            !std::fs::read_to_string(&f)
                .unwrap_or_default()
                .contains(secret),
            "{f:?}"
        );
    }
    assert!(og.alerts().is_empty());
}

/// PagerDuty's token missing beside a working Opsgenie: Opsgenie pages, PagerDuty is named as
/// skipped (exit 3), nothing reaches PagerDuty, and CALL THEM NOW lists only the role no pager
/// reached (the shadow is PagerDuty's alone).
#[tokio::test(flavor = "multi_thread")]
async fn two_pagers_one_token_missing_pages_through_the_other() {
    use common::pagerduty::{FakePd, TOKEN};
    let pd = FakePd::start().await;
    let og = FakeOpsgenie::start().await;
    let mut env = TestEnv::with_config(&format!("{}\n{}", pd.config(""), og.config()));
    env.set("PAGERDUTY_TOKEN", TOKEN)
        .set("OPSGENIE_API_KEY", KEY);
    ok(&run(&env, &["oncall", "--ic"]).await);
    env.vars.retain(|(k, _)| k != "PAGERDUTY_TOKEN");
    let sent = pd.requests.lock().unwrap().len();
    let o = run(&env, &["page-ic", "-m", "Checkout down"]).await;
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}\n{err}");
    assert!(
        out.contains("✔ paged         primary  ann@example.com via Opsgenie"),
        "{out}"
    );
    assert!(out.contains("✘ skipped       shadow   Cat Shadow"), "{out}");
    assert!(
        err.contains(
            "PagerDuty was skipped: no PagerDuty token: $PAGERDUTY_TOKEN is not set; run `inc doctor`"
        ),
        "{err}"
    );
    assert!(err.contains("shadow   Cat Shadow: +1 555 0303"), "{err}");
    for reached in [
        "Ann Primary:",
        "Bob Backup:",
        "ann@example.com:",
        "bob@example.com:",
    ] {
        assert!(
            !err.contains(reached),
            "{reached} was paged by Opsgenie:\n{err}"
        );
    }
    assert_eq!(
        pd.requests.lock().unwrap().len(),
        sent,
        "nothing to PagerDuty"
    );
    assert_eq!(og.alerts().len(), 1);
    let doc = json_of(&run(&env, &["page-ic", "--json"]).await);
    assert_eq!(doc["errors"][0]["pager"], "pagerduty", "{doc}");
    assert_eq!(doc["errors"][0]["skipped"], true, "{doc}");
    // `oncall`: Opsgenie's list and PagerDuty's cache, exit 3 naming the skipped pager.
    let o = run(&env, &["oncall", "--ic"]).await;
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}\n{err}");
    assert!(
        out.contains("opsgenie") && out.contains("Cat Shadow"),
        "{out}"
    );
    assert!(
        err.contains("PagerDuty was skipped: no PagerDuty token"),
        "{err}"
    );
    assert_eq!(pd.requests.lock().unwrap().len(), sent);
    og.assert_clean();
}

/// With both pagers reaching both ICs, nobody is to call.
#[tokio::test(flavor = "multi_thread")]
async fn a_role_reached_by_one_pager_is_not_called_when_the_other_fails() {
    use common::pagerduty::{FakePd, Outage, TOKEN};
    let pd = FakePd::start().await;
    let og = FakeOpsgenie::start().await;
    let cfg = format!("{}\n{}", pd.config(""), og.config())
        .replace("\"PBACKUP\", \"PSHADOW\"]", "\"PBACKUP\"]")
        .replace("retry_for = \"6s\"", "retry_for = \"2s\"");
    let mut env = TestEnv::with_config(&cfg);
    env.set("PAGERDUTY_TOKEN", TOKEN)
        .set("OPSGENIE_API_KEY", KEY);
    ok(&run(&env, &["oncall", "--ic"]).await);
    pd.outage(Some(Outage::Status(503)));
    let o = run(&env, &["page-ic"]).await;
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}\n{err}");
    assert!(
        !err.contains("CALL THEM NOW"),
        "Opsgenie reached both roles:\n{err}"
    );
    assert!(err.contains("the PagerDuty page failed"), "{err}");
    pd.outage(None);
    let _ = pd.take_violations();
    og.assert_clean();
}
