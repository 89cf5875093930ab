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
    assert!(
        out.contains("already open since 2026-11-26T03:04:05Z"),
        "{out}"
    );
    assert_eq!(
        ic_pages(&fake).len(),
        1,
        "a re-run never opens a second incident"
    );
    assert_eq!(
        ic_pages(&fake)[0]["incident_key"],
        format!("inc-{id}-ic-page")
    );
    // Every journaled page names the one PagerDuty incident. (A re-run journals its report
    // of the open page as another page_ic delivery: left to the paging flow.)
    let pages = journaled_pages(&env);
    assert!(pages.iter().all(|(pd, _)| *pd == pages[0].0), "{pages:?}");
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
    assert!(
        events[0]["dedup_key"]
            .as_str()
            .unwrap()
            .ends_with("-ic-page")
    );
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
