//! The paging path against a fake PagerDuty that validates every request against the official
//! OpenAPI files: page-ic, oncall, page, and the PagerDuty side of the incident commands.

mod common;

use std::time::{Duration, Instant};

use common::cmd::{TestEnv, json, run, text};
use common::pagerduty::{FakePd, Fault, ROUTING_KEY, TOKEN, config_for};
use serde_json::Value;

fn env_for(fake: &FakePd, extra: &str) -> TestEnv {
    let mut env = TestEnv::with_config(&fake.config(extra));
    env.set("PAGERDUTY_TOKEN", TOKEN);
    env
}

/// The IC page incidents (the fake also holds the major incidents `declare` opens).
fn ic_pages(fake: &FakePd) -> Vec<Value> {
    fake.incidents()
        .into_iter()
        .filter(|i| i["service"]["id"] == "PICSRVC")
        .collect()
}

/// A port with nothing listening on it.
fn dead_uri() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
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
async fn page_ic_pages_primary_backup_and_shadow_in_one_incident() {
    let fake = FakePd::start().await;
    let env = env_for(&fake, "");
    let o = run(&env, &["page-ic", "-m", "Checkout down"]).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    for line in [
        "✔ paged",
        "primary  Ann Primary",
        "backup   Bob Backup",
        "shadow   Cat Shadow",
        "PagerDuty incident: http",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    let incs = fake.incidents();
    assert_eq!(incs.len(), 1);
    let assignees: Vec<&str> = incs[0]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["assignee"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(assignees, ["PUANN01", "PUBOB02", "PUCAT03"]);
    assert_eq!(incs[0]["urgency"], "high");
    assert_eq!(fake.count("POST /incidents"), 1);
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn page_ic_json_and_rerun_reports_the_existing_page() {
    let fake = FakePd::start().await;
    let env = env_for(&fake, "");
    let id = env.declare("Checkout down", &["--sev", "1"]);
    let first = json(&run(&env, &["page-ic", "--json"]).await);
    assert_eq!(first["paged"].as_array().unwrap().len(), 3);
    assert_eq!(first["paged"][0]["role"], "primary");
    assert_eq!(first["paged"][1]["role"], "backup");
    assert_eq!(first["deliveries"][0]["ok"], true);
    assert_eq!(first["deliveries"][0]["provider"], "pagerduty");
    // The page is journaled on the incident, once.
    assert_eq!(journaled_pages(&env).len(), 1);
    let o = run(&env, &["page-ic"]).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("already paged"), "{out}");
    assert!(out.contains("already open since 20"), "{out}");
    assert!(out.contains("not acknowledged yet"), "{out}");
    assert_eq!(
        ic_pages(&fake).len(),
        1,
        "a re-run never opens a second incident"
    );
    // The key is the IC service's, the same on every machine; the body carries the marker.
    assert_eq!(ic_pages(&fake)[0]["incident_key"], "inc-ic-page-PICSRVC");
    let body = ic_pages(&fake)[0]["body"]["details"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(body.contains(&format!("[inc:{id}/")), "{body}");
    // The page is journaled once: a re-run's report of the open page is not journaled again.
    let o = run(&env, &["page-ic"]).await;
    assert!(o.status.success());
    let pages = journaled_pages(&env);
    assert_eq!(pages.len(), 1, "{pages:?}");
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn page_ic_survives_503s_429_and_a_timeout_that_reached_the_server() {
    for faults in [
        vec![Fault::Status(503), Fault::Status(503)],
        vec![Fault::RateLimited {
            retry_after_secs: 1,
        }],
        vec![Fault::SlowAfterWrite(Duration::from_millis(2500))],
    ] {
        let fake = FakePd::start().await;
        let env = env_for(&fake, "");
        env.declare("API errors", &[]);
        let rate_limited = matches!(faults[0], Fault::RateLimited { .. });
        for f in &faults {
            fake.fault(f.clone());
        }
        let start = Instant::now();
        let o = run(&env, &["page-ic", "--json"]).await;
        let doc = json(&o);
        assert!(o.status.success(), "{faults:?}: {}", text(&o).1);
        assert_eq!(
            ic_pages(&fake).len(),
            1,
            "{faults:?}: exactly one PagerDuty incident"
        );
        assert!(
            doc["deliveries"][0]["attempts"].as_u64().unwrap() >= 2,
            "{faults:?}: {doc}"
        );
        if rate_limited {
            assert!(
                start.elapsed() >= Duration::from_secs(1),
                "Retry-After / ratelimit-reset honoured"
            );
        }
        fake.assert_clean();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_pagerduty_prints_phones_from_cache_and_outbox_delivers_once() {
    let fake = FakePd::start().await;
    let mut env = env_for(&fake, "");
    env.declare("DB down", &[]);
    // Fill the cache while PagerDuty answers.
    let o = run(&env, &["oncall", "--ic"]).await;
    assert!(o.status.success(), "{}", text(&o).1);
    // Now PagerDuty is unreachable.
    let dead = dead_uri();
    env.write_config(&config_for(&dead, ""));
    env.set("PAGERDUTY_TOKEN", TOKEN);
    let start = Instant::now();
    let o = run(&env, &["page-ic"]).await;
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(start.elapsed() < Duration::from_secs(15), "bounded time");
    assert!(err.contains("CALL THEM NOW"), "{err}");
    assert!(err.contains("Ann Primary: +1 555 0101"), "{err}");
    assert!(err.contains("Bob Backup: +1 555 0202"), "{err}");
    assert!(err.contains("from the cache"), "{err}");
    let list = env.json(&["outbox", "list"]);
    let entries = list["outbox"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["delivery"]["action"], "page_ic");
    assert!(!list.to_string().contains(TOKEN));
    // PagerDuty is back: the outbox delivers the page, once.
    env.write_config(&fake.config(""));
    let posts = fake.count("POST /incidents");
    let o = run(&env, &["outbox", "retry"]).await;
    assert!(o.status.success(), "{}", text(&o).1);
    let o = run(&env, &["outbox", "retry"]).await;
    assert!(o.status.success());
    assert_eq!(ic_pages(&fake).len(), 1);
    assert_eq!(
        fake.count("POST /incidents"),
        posts + 1,
        "one request, not a second one the fake turned away"
    );
    assert!(
        env.json(&["outbox", "list"])["outbox"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_token_is_named_and_never_printed() {
    let fake = FakePd::start().await;
    let mut env = env_for(&fake, "");
    let secret = "wrongTokenValue42";
    env.set("PAGERDUTY_TOKEN", secret);
    for args in [
        vec!["page-ic", "-vvv"],
        vec!["oncall", "--ic", "-vv"],
        vec!["doctor", "-vvv"],
        vec!["page-ic", "--json", "-v"],
    ] {
        let o = run(&env, &args).await;
        let (out, err) = text(&o);
        assert!(!o.status.success(), "{args:?}");
        assert!(
            !out.contains(secret) && !err.contains(secret),
            "{args:?} leaked the token"
        );
        assert!(
            format!("{out}{err}").contains("$PAGERDUTY_TOKEN"),
            "{args:?}: {out}{err}"
        );
        if args[0] != "doctor" {
            assert!(
                format!("{out}{err}").contains("inc doctor"),
                "{args:?}: {out}{err}"
            );
        }
    }
    for f in env.state_files() {
        assert!(
            !std::fs::read_to_string(&f)
                .unwrap_or_default()
                .contains(secret),
            "{f:?} holds the token"
        );
    }
    assert!(
        fake.state
            .lock()
            .unwrap()
            .auth_seen
            .iter()
            .any(|a| a == &format!("Token token={secret}"))
    );
    assert!(fake.incidents().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn oncall_lists_people_with_contacts_and_falls_back_to_stale_cache() {
    let fake = FakePd::start().await;
    let mut env = env_for(&fake, "");
    let doc = json(&run(&env, &["oncall", "--ic", "--json"]).await);
    let people = doc["oncall"].as_array().unwrap();
    let roles: Vec<&str> = people.iter().map(|p| p["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["primary", "backup", "shadow"]);
    assert_eq!(doc["stale"], false);
    assert!(
        people[0]["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "phone" && c["address"] == "+1 555 0101")
    );
    let all = json(&run(&env, &["oncall", "--json"]).await);
    assert_eq!(all["oncall"].as_array().unwrap().len(), 4);
    let who = json(
        &run(
            &env,
            &["oncall", "--ic", "--who", "bob@example.com", "--json"],
        )
        .await,
    );
    assert_eq!(who["oncall"].as_array().unwrap().len(), 1);
    let o = run(&env, &["oncall", "--ic"]).await;
    assert!(text(&o).0.contains("Ann Primary"));
    env.write_config(&config_for(&dead_uri(), ""));
    env.set("PAGERDUTY_TOKEN", TOKEN);
    let o = run(&env, &["oncall", "--ic", "--json"]).await;
    assert!(o.status.success());
    let stale = json(&o);
    assert_eq!(stale["stale"], true);
    assert_eq!(stale["oncall"].as_array().unwrap().len(), 3);
    assert!(text(&o).1.contains("cached list"), "{}", text(&o).1);
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn incident_commands_mirror_to_the_pagerduty_incident() {
    let fake = FakePd::start().await;
    let env = env_for(&fake, "");
    let o = run(
        &env,
        &[
            "declare",
            "Payments failing",
            "--sev",
            "1",
            "--ic",
            "me",
            "--json",
        ],
    )
    .await;
    assert!(o.status.success(), "{}", text(&o).1);
    let doc = json(&o);
    assert_eq!(doc["deliveries"][0]["action"], "create_incident");
    let url = doc["deliveries"][0]["url"].as_str().unwrap().to_string();
    let major = fake.incidents()[0].clone();
    assert_eq!(major["urgency"], "high");
    assert_eq!(major["service"]["id"], "PMAJORS");
    assert_eq!(
        major["incident_key"],
        format!("inc-{}", doc["incident"]["id"].as_str().unwrap())
    );
    assert_eq!(
        major["conference_bridge"]["conference_number"],
        "+1 555 244 3473,,,,123456#"
    );
    assert_eq!(
        major["conference_bridge"]["conference_url"],
        "https://meet.example.com/incident"
    );
    for args in [
        vec!["note", "Rolled back 4411", "--type", "action"],
        vec!["todo", "Alert on queue depth"],
        vec!["role", "scribe", "sam@example.com"],
        vec!["handover", "ivy@example.com"],
    ] {
        let o = run(&env, &args).await;
        assert!(o.status.success(), "{args:?}: {}", text(&o).1);
    }
    let notes: Vec<String> = fake
        .state
        .lock()
        .unwrap()
        .notes
        .iter()
        .map(|(id, c)| {
            // Each note ends in the marker of its inc event (SPEC "One incident, many
            // responders"); people read the text before it.
            let (text, marker) = c.rsplit_once(" [inc:").expect("a marker");
            assert!(marker.ends_with(']'), "{c}");
            format!("{id}: {text}")
        })
        .collect();
    assert_eq!(
        notes,
        [
            // Each note and TODO says who wrote it: PagerDuty shows them all by the `from` user.
            "PINC001: tester: ACTION: Rolled back 4411",
            "PINC001: tester: TODO: Alert on queue depth",
            "PINC001: sam@example.com is now Scribe",
            "PINC001: IC handover: tester → ivy@example.com. ivy@example.com is now the Incident Commander.",
        ]
    );
    // status shows the PagerDuty state.
    fake.state.lock().unwrap().incidents[0]["status"] = "acknowledged".into();
    fake.state.lock().unwrap().incidents[0]["acknowledgements"] = serde_json::json!([{ "at": "2026-11-26T03:06:00Z", "acknowledger": { "id": "PUANN01", "type": "user_reference", "summary": "Ann Primary" } }]);
    let st = json(&run(&env, &["status", "--json"]).await);
    assert_eq!(st["pagerduty"]["status"], "acknowledged");
    assert_eq!(st["pagerduty"]["acknowledged_by"][0], "Ann Primary");
    // The acknowledgement is journaled once, at PagerDuty's time, for the post-mortem timeline.
    let o = run(&env, &["status"]).await;
    assert!(o.status.success(), "{}", text(&o).1);
    let tl = env.json(&["timeline"]);
    let acks: Vec<&Value> = tl["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "acknowledged")
        .collect();
    assert_eq!(acks.len(), 1, "{tl}");
    assert_eq!(acks[0]["who"], "Ann Primary");
    assert_eq!(acks[0]["at"], "2026-11-26T03:06:00Z");
    assert_eq!(st["pagerduty"]["url"], url);
    // page a SME: a responder request on the major incident, in the wrapped form.
    let o = run(&env, &["page", "dan@example.com", "-m", "Need a DBA"]).await;
    assert!(o.status.success(), "{}", text(&o).1);
    {
        let st = fake.state.lock().unwrap();
        let (id, body) = &st.responder_requests[0];
        assert_eq!(id, "PINC001");
        assert_eq!(body["requester_id"], "PUBOT00");
        assert_eq!(
            body["responder_request_targets"][0]["responder_request_target"]["id"],
            "PUDAN04"
        );
    }
    // page-ic opens the IC page incident; resolve resolves both.
    assert!(run(&env, &["page-ic"]).await.status.success());
    let o = run(&env, &["resolve", "--final-sev", "2"]).await;
    assert!(o.status.success(), "{}", text(&o).1);
    let incs = fake.incidents();
    assert_eq!(incs.len(), 2);
    assert!(incs.iter().all(|i| i["status"] == "resolved"), "{incs:?}");
    assert!(
        incs[0]["resolution"]
            .as_str()
            .unwrap()
            .contains("final SEV-2")
    );
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn page_without_incident_opens_one_and_schedule_targets_resolve_on_call() {
    let fake = FakePd::start().await;
    let env = env_for(&fake, "");
    let o = run(&env, &["page", "schedule:PDBSCHD", "-m", "DB help"]).await;
    assert!(o.status.success(), "{}", text(&o).1);
    assert!(text(&o).0.contains("paged Dan Database"), "{}", text(&o).0);
    let o = run(&env, &["page", "ep:PNETWRK", "--json"]).await;
    assert!(o.status.success(), "{}", text(&o).1);
    let incs = fake.incidents();
    assert_eq!(incs.len(), 2);
    assert_eq!(incs[0]["assignments"][0]["assignee"]["id"], "PUDAN04");
    let o = run(&env, &["page", "nobody@example.com"]).await;
    assert_eq!(o.status.code(), Some(2));
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn events_v2_page_keeps_the_routing_key_out_of_every_file() {
    let fake = FakePd::start().await;
    let cfg = config_for(&fake.uri(), "routing_key_env = \"PD_ROUTING_KEY\"\n")
        .replace("ic_service = \"PICSRVC\"\n", "");
    let mut env = TestEnv::with_config(&cfg);
    env.set("PAGERDUTY_TOKEN", TOKEN)
        .set("PD_ROUTING_KEY", ROUTING_KEY);
    env.declare("Queue stuck", &[]);
    fake.fault(Fault::Status(503));
    let o = run(&env, &["page-ic", "--json"]).await;
    assert!(o.status.success(), "{}", text(&o).1);
    let events = fake.state.lock().unwrap().events.clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["event_action"], "trigger");
    // The same key on every machine: Events v2 folds a second trigger into the open alert.
    assert_eq!(events[0]["dedup_key"], "inc-ic-page-events");
    assert!(!String::from_utf8_lossy(&o.stdout).contains(ROUTING_KEY));
    // resolve sends the Events v2 resolve with the same dedup_key.
    let o = run(&env, &["resolve"]).await;
    assert!(o.status.success(), "{}", text(&o).1);
    let events = fake.state.lock().unwrap().events.clone();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["event_action"], "resolve");
    assert_eq!(events[1]["dedup_key"], events[0]["dedup_key"]);
    for f in env.state_files() {
        assert!(
            !std::fs::read_to_string(&f)
                .unwrap_or_default()
                .contains(ROUTING_KEY),
            "{f:?}"
        );
    }
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_proves_the_token_and_dry_run_sends_nothing() {
    let fake = FakePd::start().await;
    let env = env_for(&fake, "");
    let doc = json(&run(&env, &["doctor", "--json"]).await);
    let pd = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "pagerduty")
        .unwrap()
        .clone();
    assert_eq!(pd["ok"], true, "{doc}");
    assert!(pd["detail"].as_str().unwrap().contains("$PAGERDUTY_TOKEN"));
    assert_eq!(fake.count("GET /abilities"), 1);
    let before = env.state_files();
    let o = run(&env, &["declare", "Dry", "--sev", "1", "--dry-run"]).await;
    assert!(o.status.success());
    assert!(
        text(&o).0.contains("would send: pagerduty create_incident"),
        "{}",
        text(&o).0
    );
    assert_eq!(env.state_files(), before);
    assert_eq!(fake.count("POST /incidents"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn status_watch_reports_pagerduty_changes_and_alarms_once_when_unreadable() {
    use std::io::BufRead;
    let fake = FakePd::start().await;
    let env = env_for(&fake, "");
    assert!(
        run(&env, &["declare", "Watch me", "--sev", "1"])
            .await
            .status
            .success()
    );
    let mut cmd = env.std_command();
    cmd.args(["status", "--watch", "--json", "--interval", "200ms"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let next = |what: &str| -> Value {
        let line = rx
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_else(|_| panic!("no line for {what}"));
        serde_json::from_str(&line).unwrap()
    };
    assert_eq!(
        next("initial")["status"]["pagerduty"]["status"],
        "triggered"
    );
    // Someone acknowledges in PagerDuty: the watch reports it.
    fake.state.lock().unwrap().incidents[0]["status"] = "acknowledged".into();
    let change = next("ack");
    assert_eq!(
        change["changes"]["pagerduty"]["to"], "acknowledged",
        "{change}"
    );
    // The PagerDuty incident cannot be read: one alarm, not one per check.
    let saved = fake.state.lock().unwrap().incidents.remove(0);
    let alarm = next("alarm");
    assert!(
        alarm["alarm"]
            .as_str()
            .unwrap()
            .contains("cannot read the PagerDuty incident"),
        "{alarm}"
    );
    assert!(
        rx.recv_timeout(Duration::from_millis(700)).is_err(),
        "the alarm is not repeated every check"
    );
    fake.state.lock().unwrap().incidents.insert(0, saved);
    let back = next("recovered");
    assert_eq!(back["changes"]["pagerduty"]["to"], "acknowledged", "{back}");
    child.kill().ok();
    child.wait().ok();
}

/// Every file under the state dir with its bytes: to prove a run wrote nothing.
fn snapshot(env: &TestEnv) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    env.state_files()
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).unwrap_or_default();
            (p, b)
        })
        .collect()
}

/// An environment for the same fake without any PagerDuty token.
fn without_token(env: &mut TestEnv) {
    env.vars.retain(|(k, _)| k != "PAGERDUTY_TOKEN");
}

/// The `POST /incidents` bodies the fake received, in order.
fn posted_incidents(fake: &FakePd) -> Vec<Value> {
    fake.requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.line() == "POST /incidents")
        .map(|r| r.json())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_token_pages_nobody_writes_nothing_and_shows_the_cached_numbers() {
    let fake = FakePd::start().await;
    let mut env = env_for(&fake, "");
    // The on-call cache, filled while the token was there (the IC rotation, and every schedule
    // for `inc page`).
    for args in [["oncall", "--ic"].as_slice(), &["oncall"]] {
        let o = run(&env, args).await;
        assert!(o.status.success(), "{}", text(&o).1);
    }
    without_token(&mut env);
    let before = snapshot(&env);
    let sent = fake.requests.lock().unwrap().len();

    let o = run(&env, &["page-ic", "-m", "Checkout down"]).await;
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(78), "{out}\n{err}");
    assert_eq!(out, "", "nothing was paged: no ✔/✘ lines");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        errors,
        ["error: no PagerDuty token: $PAGERDUTY_TOKEN is not set; run `inc doctor`"],
        "{err}"
    );
    assert_eq!(err.matches("CALL THEM NOW").count(), 1, "{err}");
    for phone in [
        "primary  Ann Primary: +1 555 0101",
        "backup   Bob Backup: +1 555 0202",
        "shadow   Cat Shadow: +1 555 0303",
    ] {
        assert!(err.contains(phone), "{phone:?} in:\n{err}");
    }
    assert!(err.contains("(from the on-call cache of"), "{err}");
    assert!(err.contains("The page is not being retried."), "{err}");
    assert!(!err.contains("still being retried"), "{err}");

    // `inc page`: the same, with the target's number from the cache.
    let o = run(&env, &["page", "dan@example.com", "-m", "Need a DBA"]).await;
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(78), "{out}\n{err}");
    assert!(err.contains("Dan Database: no phone number known"), "{err}");
    assert!(err.contains("$PAGERDUTY_TOKEN is not set"), "{err}");

    // `inc oncall`: the cached list, marked, and the configuration error.
    let o = run(&env, &["oncall", "--ic"]).await;
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(78), "{out}\n{err}");
    assert!(
        out.contains("Ann Primary") && out.contains("+1 555 0202"),
        "{out}"
    );
    assert!(
        err.contains("PagerDuty not asked; showing the cached list from"),
        "{err}"
    );
    assert!(
        err.contains("error: no PagerDuty token: $PAGERDUTY_TOKEN is not set; run `inc doctor`"),
        "{err}"
    );
    let o = run(&env, &["oncall", "--ic", "--json"]).await;
    assert_eq!(o.status.code(), Some(78));
    let doc = json(&o);
    assert_eq!(doc["stale"], true, "{doc}");
    assert_eq!(doc["oncall"].as_array().unwrap().len(), 3);
    assert_eq!(doc["skipped"][0]["pager"], "pagerduty");

    assert_eq!(
        fake.requests.lock().unwrap().len(),
        sent,
        "not one request to PagerDuty"
    );
    assert_eq!(
        snapshot(&env),
        before,
        "no journal, no outbox, no cache write"
    );

    // Nothing cached: the error alone.
    let bare = TestEnv::with_config(&fake.config(""));
    let o = run(&bare, &["page-ic"]).await;
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(78), "{err}");
    assert!(!err.contains("CALL THEM NOW"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(bare.state_files().is_empty(), "{:?}", bare.state_files());

    // A token_cmd that fails is named as such.
    let cmd = TestEnv::with_config(&fake.config("token_cmd = \"exit 3\"\n"));
    let o = run(&cmd, &["page-ic"]).await;
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(78), "{err}");
    assert!(err.contains("pagerduty.token_cmd exited with"), "{err}");
    assert!(err.contains("inc doctor"), "{err}");
    assert_eq!(fake.requests.lock().unwrap().len(), sent);
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_schedule_with_nobody_on_call_is_said_and_exits_3() {
    let fake = FakePd::start().await;
    let env = env_for(&fake, "");
    fake.nobody_on_call("PBACKUP");
    let o = run(&env, &["page-ic", "-m", "Checkout down"]).await;
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}\n{err}");
    assert!(
        out.contains("✔ paged         primary  Ann Primary"),
        "{out}"
    );
    assert!(out.contains("✔ paged         shadow   Cat Shadow"), "{out}");
    assert!(
        out.contains("✘ nobody on call backup   schedule PBACKUP"),
        "{out}"
    );
    assert!(
        err.contains("nobody is on call for PagerDuty schedule PBACKUP (backup)"),
        "{err}"
    );
    // The others were still paged, in one incident.
    let posts = posted_incidents(&fake);
    assert_eq!(posts.len(), 1);
    let assignees: Vec<&str> = posts[0]["incident"]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["assignee"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(assignees, ["PUANN01", "PUCAT03"]);
    let doc = json(&run(&env, &["page-ic", "--json"]).await);
    let gap: Vec<&Value> = doc["paged"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["nobody_on_call"] == true)
        .collect();
    assert_eq!(gap.len(), 1, "{doc}");
    assert_eq!(gap[0]["schedule"], "PBACKUP");
    assert_eq!(gap[0]["role"], "backup");

    // `oncall --ic` shows the gap.
    let o = run(&env, &["oncall", "--ic"]).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("(nobody on call)"), "{out}");
    assert!(
        err.contains("nobody is on call for PagerDuty schedule PBACKUP (backup)"),
        "{err}"
    );
    let doc = json(&run(&env, &["oncall", "--ic", "--json"]).await);
    assert_eq!(doc["gaps"][0]["schedule"], "PBACKUP", "{doc}");

    // `doctor` too.
    let o = run(&env, &["doctor", "--json"]).await;
    let doc = json(&o);
    let row = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "pagerduty schedule PBACKUP")
        .cloned()
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(row["ok"], false, "{row}");
    assert!(
        row["detail"].as_str().unwrap().contains("nobody on call"),
        "{row}"
    );
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_checks_from_the_services_the_schedules_and_the_drill_ids() {
    let fake = FakePd::start().await;
    let healthy = env_for(&fake, "");
    let doc = json(&run(&healthy, &["doctor", "--json"]).await);
    let rows = |doc: &Value| -> Vec<(String, Value, String)> {
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["check"].as_str().unwrap().to_string(),
                    c["ok"].clone(),
                    c["detail"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let row = |doc: &Value, name: &str| {
        rows(doc)
            .into_iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or_else(|| panic!("no {name} row in {doc}"))
    };
    assert_eq!(doc["ok"], true, "{doc}");
    let (_, ok, d) = row(&doc, "pagerduty from");
    assert_eq!(
        (ok, d.as_str()),
        (
            Value::Bool(true),
            "ic-bot@example.com is PagerDuty user IC Bot (PUBOT00)"
        )
    );
    let (_, ok, d) = row(&doc, "pagerduty ic_service");
    assert_eq!(ok, true);
    assert!(d.contains("PICSRVC") && d.contains("PEPIC01"), "{d}");
    let (_, ok, d) = row(&doc, "pagerduty incident_service");
    assert_eq!(ok, true, "{d}");
    let (_, ok, d) = row(&doc, "pagerduty schedule PPRIMRY");
    assert_eq!(ok, true);
    assert_eq!(
        d,
        "IC Primary (primary): on call Ann Primary <ann@example.com>"
    );
    let (_, ok, d) = row(&doc, "pagerduty ic_page");
    assert_eq!(ok, Value::Null, "information: {d}");
    assert!(
        d.contains("does not page PBACKUP, PSHADOW on level 1"),
        "{d}"
    );

    // A `from` that is nobody, a schedule that does not exist, a drill service that does not.
    let cfg = fake
        .config("[drill]\nservice = \"PNODRIL\"\nic_schedules = [\"PDRILL1\"]\n")
        .replace(
            "from = \"ic-bot@example.com\"",
            "from = \"nobody@example.com\"",
        )
        .replace("\"PSHADOW\"]", "\"PNOSUCH\"]");
    let mut env = TestEnv::with_config(&cfg);
    env.set("PAGERDUTY_TOKEN", TOKEN);
    let o = run(&env, &["doctor", "--json"]).await;
    assert!(!o.status.success(), "{}", text(&o).0);
    let doc = json(&o);
    assert_eq!(doc["ok"], false);
    let (_, ok, d) = row(&doc, "pagerduty from");
    assert_eq!(ok, false);
    assert!(
        d.contains("no PagerDuty user has the email nobody@example.com"),
        "{d}"
    );
    let (_, ok, d) = row(&doc, "pagerduty schedule PNOSUCH");
    assert_eq!(ok, false);
    assert!(d.contains("PagerDuty has no schedule PNOSUCH"), "{d}");
    let (_, ok, d) = row(&doc, "pagerduty drill service");
    assert_eq!(ok, false);
    assert!(
        d.contains("drill.service PNODRIL: PagerDuty has no such service"),
        "{d}"
    );
    let (_, ok, d) = row(&doc, "pagerduty schedule PDRILL1");
    assert_eq!(ok, false, "nobody is on call for the drill rotation: {d}");
    assert!(d.contains("nobody on call"), "{d}");
    // The human table says the same.
    let o = run(&env, &["doctor"]).await;
    assert!(
        text(&o).0.contains("no PagerDuty user has the email"),
        "{}",
        text(&o).0
    );
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn ic_page_service_pages_in_one_post_beside_the_lookup() {
    let fake = FakePd::start().await;
    fake.ic_policy_level1();
    let env = env_for(&fake, "ic_page = \"service\"\n");
    let o = run(&env, &["page-ic", "-m", "Checkout down", "--json"]).await;
    assert!(o.status.success(), "{}", text(&o).1);
    let doc = json(&o);
    // One POST, no assignees: the service's policy pages every IC schedule on level 1.
    let posts = posted_incidents(&fake);
    assert_eq!(posts.len(), 1);
    assert!(
        posts[0]["incident"].get("assignments").is_none(),
        "{}",
        posts[0]
    );
    assert_eq!(posts[0]["incident"]["service"]["id"], "PICSRVC");
    assert_eq!(fake.requests_of("GET /oncalls"), 1, "the lookup, beside it");
    // The names and the numbers come from the lookup.
    let paged: Vec<(String, String, bool)> = doc["paged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["phone"].as_str().unwrap_or_default().to_string(),
                p["ok"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        paged,
        [
            ("Ann Primary".into(), "+1 555 0101".into(), true),
            ("Bob Backup".into(), "+1 555 0202".into(), true),
            ("Cat Shadow".into(), "+1 555 0303".into(), true),
        ]
    );
    // With the numbers cached, a second page is the POST and the lookup alone.
    assert!(run(&env, &["resolve"]).await.status.success());
    let before = fake.requests.lock().unwrap().len();
    let o = run(&env, &["page-ic", "-m", "Again down"]).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert_eq!(out.matches("✔ paged").count(), 3, "{out}");
    let lines: Vec<String> = fake.requests.lock().unwrap()[before..]
        .iter()
        .map(|r| r.line())
        .collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(sorted, ["GET /oncalls", "POST /incidents"], "{lines:?}");

    // A policy that does not page everyone on level 1: the ICs it left out are ✘, to call.
    let fake = FakePd::start().await;
    let env = env_for(&fake, "ic_page = \"service\"\n");
    let o = run(&env, &["page-ic", "-m", "Checkout down"]).await;
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}\n{err}");
    assert!(
        out.contains("✔ paged         primary  Ann Primary"),
        "{out}"
    );
    assert!(out.contains("✘ NOT paged     backup   Bob Backup"), "{out}");
    assert!(err.contains("did not page them"), "{err}");
    assert!(err.contains("CALL THEM NOW"), "{err}");
    assert!(err.contains("backup   Bob Backup: +1 555 0202"), "{err}");
    assert!(!err.contains("Ann Primary:"), "{err}");
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn page_ic_learns_that_the_policy_pages_everyone_on_level_1() {
    let fake = FakePd::start().await;
    fake.ic_policy_level1();
    let env = env_for(&fake, "");
    // Lookup-then-assign, the default: the answer shows the policy pages all on level 1.
    assert!(run(&env, &["page-ic"]).await.status.success());
    let posts = posted_incidents(&fake);
    assert_eq!(
        posts[0]["incident"]["assignments"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(run(&env, &["resolve"]).await.status.success());
    // The next page is one POST on the service.
    assert!(run(&env, &["page-ic"]).await.status.success());
    let posts = posted_incidents(&fake);
    assert_eq!(posts.len(), 2);
    assert!(
        posts[1]["incident"].get("assignments").is_none(),
        "{}",
        posts[1]
    );
    // ic_page = "assign" keeps lookup-then-assign whatever was learned.
    assert!(run(&env, &["resolve"]).await.status.success());
    let cfg = fake.config("ic_page = \"assign\"\n");
    let mut assign = TestEnv::with_config(&cfg);
    assign.state = env.state.clone();
    assign.set("PAGERDUTY_TOKEN", TOKEN);
    assert!(run(&assign, &["page-ic"]).await.status.success());
    let posts = posted_incidents(&fake);
    assert_eq!(
        posts[2]["incident"]["assignments"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // doctor teaches it too.
    let fresh = FakePd::start().await;
    fresh.ic_policy_level1();
    let env = env_for(&fresh, "");
    let doc = json(&run(&env, &["doctor", "--json"]).await);
    let row = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "pagerduty ic_page")
        .cloned()
        .unwrap();
    assert_eq!(row["ok"], true, "{row}");
    assert!(run(&env, &["page-ic"]).await.status.success());
    let posts = posted_incidents(&fresh);
    assert!(
        posts[0]["incident"].get("assignments").is_none(),
        "{}",
        posts[0]
    );
    fake.assert_clean();
    fresh.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forgotten_open_ic_page_does_not_swallow_a_new_one() {
    let fake = FakePd::start().await;
    let env = env_for(&fake, "");
    // An IC page from three hours ago that nobody resolved.
    fake.set_clock(
        &jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_hours(3))
            .unwrap()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
    );
    let old = TestEnv::with_config(&fake.config(""));
    let mut old = old;
    old.set("PAGERDUTY_TOKEN", TOKEN);
    assert!(
        run(&old, &["page-ic", "-m", "Last night"])
            .await
            .status
            .success()
    );
    fake.state.lock().unwrap().clock = None;
    // Tonight's page goes out beside it, and says so.
    let o = run(&env, &["page-ic", "-m", "Checkout down"]).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert_eq!(out.matches("✔ paged ").count(), 3, "{out}");
    assert!(err.contains("is still open (PINC001"), "{err}");
    assert!(err.contains("paged anew"), "{err}");
    assert_eq!(ic_pages(&fake).len(), 2);
    assert_eq!(
        ic_pages(&fake)[1]["incident_key"],
        "inc-ic-page-PICSRVC-after-PINC001"
    );
    // Another machine's page-ic now finds tonight's page, and pages nobody.
    let mut other = TestEnv::with_config(&fake.config(""));
    other.set("PAGERDUTY_TOKEN", TOKEN);
    let o = run(&other, &["page-ic"]).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("already paged"), "{out}");
    assert!(out.contains("PINC002"), "{out}");
    assert_eq!(ic_pages(&fake).len(), 2);
    // The forgotten page is not tonight's incident's: its journal knows only PINC002.
    let pages = journaled_pages(&env);
    assert_eq!(pages.len(), 1, "{pages:?}");
    assert_eq!(pages[0].0, "\"PINC002\"");
    fake.assert_clean();
}

/// A responder on their own machine: their own HOME and state dir, the team's one config.
fn responder(fake: &FakePd, who: &str) -> TestEnv {
    let mut env = env_for(fake, "");
    env.set("INC_USER", who);
    env
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_from_any_machine_belongs_to_the_incident() {
    let fake = FakePd::start().await;
    let (carol, dana, alice) = (
        responder(&fake, "carol@example.com"),
        responder(&fake, "dana@example.com"),
        responder(&fake, "alice@example.com"),
    );
    // Carol pages the IC (nobody declared yet), then again; Dana, on another machine, too.
    let o = run(&carol, &["page-ic", "-m", "Checkout down"]).await;
    assert!(o.status.success(), "{}", text(&o).1);
    for env in [&carol, &dana] {
        let o = run(env, &["page-ic", "-m", "Checkout is down"]).await;
        let (out, err) = text(&o);
        assert!(o.status.success(), "{out}\n{err}");
        assert!(out.contains("already paged"), "{out}");
        assert!(out.contains("nobody was paged twice"), "{out}");
    }
    assert_eq!(ic_pages(&fake).len(), 1, "one page: {:?}", fake.incidents());
    // The page carries the marker of Carol's paging incident from its creation.
    let carol_inc = carol.json(&["show"])["incident"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let body = ic_pages(&fake)[0]["body"]["details"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(body.contains(&format!("[inc:{carol_inc}/")), "{body}");

    // Alice, paged, declares on her machine: beside the declaration she finds the open IC page
    // and adopts it.
    let o = run(
        &alice,
        &["declare", "Checkout down", "--sev", "1", "--ic", "me"],
    )
    .await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("Adopted the open IC page #1 PINC001"), "{out}");
    let inc = alice.json(&["show"])["incident"].clone();
    assert!(
        inc["linked"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["ref"] == "PINC001" && l["provider"] == "pagerduty"),
        "{inc}"
    );
    let note = fake
        .notes_of("PINC001")
        .into_iter()
        .find(|n| {
            n["content"]
                .as_str()
                .unwrap()
                .contains("This IC page belongs to inc incident")
        })
        .expect("the adoption is noted on the page");
    assert!(
        note["content"]
            .as_str()
            .unwrap()
            .contains(inc["id"].as_str().unwrap())
    );
    // The page's acknowledgement is in Alice's timeline.
    fake.acknowledge("PINC001", "Ann Primary");
    assert!(run(&alice, &["sync"]).await.status.success());
    let tl = alice.json(&["timeline"]);
    assert!(
        tl["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "acknowledged" && e["who"] == "Ann Primary"),
        "{tl}"
    );
    // A fourth responder's page-ic, after the declaration: still nobody paged twice.
    let erin = responder(&fake, "erin@example.com");
    let o = run(&erin, &["page-ic"]).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("already paged"), "{out}");
    assert!(out.contains("acknowledged by Ann Primary"), "{out}");
    assert_eq!(ic_pages(&fake).len(), 1);

    // Alice's resolve resolves the IC page with the major incident.
    let o = run(&alice, &["resolve", "--final-sev", "1"]).await;
    assert!(o.status.success(), "{}", text(&o).1);
    let incs = fake.incidents();
    assert_eq!(
        incs.len(),
        2,
        "the IC page and the major incident: {incs:?}"
    );
    assert!(incs.iter().all(|i| i["status"] == "resolved"), "{incs:?}");
    // Every create after the first was PagerDuty's refusal of a second open page.
    let creates = posted_incidents(&fake)
        .into_iter()
        .filter(|p| p["incident"]["service"]["id"] == "PICSRVC")
        .count();
    assert_eq!(creates, 4, "Carol twice, Dana, Erin: one page");
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn declare_adopts_no_page_with_no_adopt_or_several_in_a_script() {
    let fake = FakePd::start().await;
    let carol = responder(&fake, "carol@example.com");
    assert!(run(&carol, &["page-ic"]).await.status.success());
    let bob = responder(&fake, "bob@example.com");
    let o = run(
        &bob,
        &["declare", "Other thing", "--sev", "3", "--no-adopt"],
    )
    .await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(!out.contains("Adopted"), "{out}");
    assert_eq!(
        fake.count("GET /incidents"),
        0,
        "--no-adopt looks for nothing"
    );
    assert!(fake.notes_of("PINC001").is_empty());
    // Two open IC pages (the second after --again): a script adopts neither and says so.
    assert!(run(&carol, &["page-ic", "--again"]).await.status.success());
    assert_eq!(ic_pages(&fake).len(), 2);
    let alice = responder(&fake, "alice@example.com");
    let o = run(&alice, &["declare", "Checkout down", "--sev", "2"]).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(!out.contains("Adopted"), "{out}");
    assert!(
        err.contains("2 open IC pages from the last hour, none adopted"),
        "{err}"
    );
    assert!(err.contains("PINC001") && err.contains("PINC003"), "{err}");
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_to_the_ic_page_before_declare_joins_its_paging_incident() {
    let fake = FakePd::start().await;
    let carol = responder(&fake, "carol@example.com");
    assert!(
        run(&carol, &["page-ic", "-m", "Checkout down"])
            .await
            .status
            .success()
    );
    let carol_inc = carol.json(&["show"])["incident"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let dana = responder(&fake, "dana@example.com");
    let url = ic_pages(&fake)[0]["html_url"].as_str().unwrap().to_string();
    let o = run(&dana, &["attach", &url]).await;
    assert!(o.status.success(), "{}", text(&o).1);
    let shown = dana.json(&["show"])["incident"].clone();
    assert_eq!(shown["id"], carol_inc.as_str(), "{shown}");
    assert_eq!(shown["state"], "paging", "{shown}");
    assert_eq!(shown["title"], "Checkout down", "{shown}");
    // Her page-ic reports the page, pages nobody, and journals nothing new.
    let before = dana.json(&["timeline", "--all"])["timeline"]
        .as_array()
        .unwrap()
        .len();
    let o = run(&dana, &["page-ic"]).await;
    assert!(text(&o).0.contains("already paged"), "{}", text(&o).0);
    assert_eq!(ic_pages(&fake).len(), 1);
    let after = dana.json(&["timeline", "--all"])["timeline"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        after, before,
        "a known page's report is not journaled again"
    );
    // Her declaration continues the same incident.
    let o = run(&dana, &["declare", "Checkout down", "--sev", "1"]).await;
    assert!(o.status.success(), "{}", text(&o).1);
    assert_eq!(dana.json(&["show"])["incident"]["id"], carol_inc.as_str());
    fake.assert_clean();
}

/// Several open IC pages and a terminal: `declare` asks which one is this incident's.
#[tokio::test(flavor = "multi_thread")]
async fn declare_on_a_terminal_asks_which_open_ic_page_to_adopt() {
    use common::tmux::Tmux;
    common::tools::require_tmux();
    let fake = FakePd::start().await;
    let carol = responder(&fake, "carol@example.com");
    assert!(
        run(&carol, &["page-ic", "-m", "Checkout down"])
            .await
            .status
            .success()
    );
    assert!(
        run(&carol, &["page-ic", "--again", "-m", "Search down"])
            .await
            .status
            .success()
    );
    let alice = responder(&fake, "alice@example.com");
    let tmux =
        tokio::task::block_in_place(|| Tmux::start(&alice, "inc declare 'Checkout down' --sev 2"));
    let screen = tokio::task::block_in_place(|| {
        tmux.wait_for("the question", |s| {
            s.contains("Which open IC page is this incident's?") && s.contains("none of them")
        })
    });
    assert!(
        screen.contains("PINC001") && screen.contains("PINC002"),
        "{screen}"
    );
    // Newest first, "none of them" preselected: one up is the older page, Checkout's.
    tokio::task::block_in_place(|| {
        tmux.key("Up");
        tmux.key("Enter");
        assert_eq!(tmux.exit_code(), 0, "{}", tmux.screen());
    });
    let inc = alice.json(&["show"])["incident"].clone();
    let linked: Vec<&str> = inc["linked"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["name"] == "IC page")
        .map(|l| l["ref"].as_str().unwrap())
        .collect();
    assert_eq!(linked, ["PINC001"], "{inc}");
    assert!(fake.notes_of("PINC001").iter().any(|n| {
        n["content"]
            .as_str()
            .unwrap()
            .contains("belongs to inc incident")
    }));
    assert!(fake.notes_of("PINC002").is_empty());
    fake.assert_clean();
}
