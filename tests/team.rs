//! One incident, many responders (SPEC): two responders, each with their own HOME and state
//! dir and one shared config, against the spec-validating PagerDuty and Slack fakes and a REAL
//! Synapse. A declares; B attaches by every kind of reference; B writes; a human writes in
//! PagerDuty and acknowledges; each sees everything, each event exactly once.

mod common;

use std::process::Output;

use common::cmd::TestEnv;
use common::pagerduty::FakePd;
use common::slack::{FakeSlack, TOKEN as SLACK_TOKEN};
use common::synapse::{SERVER_NAME, synapse};
use serde_json::{Value, json};

/// The shared config: PagerDuty, Slack (a channel per incident) and Matrix (a room per incident).
fn config(pd: &FakePd, slack: &FakeSlack, matrix: &str) -> String {
    format!(
        "{}\n[slack]\napi_url = \"{}\"\nper_incident_channel = true\nchannel_prefix = \"inc-\"\n\n\
         [matrix]\nhomeserver = \"{matrix}\"\nper_incident_room = true\n",
        pd.config(""),
        slack.api_url()
    )
}

/// A responder: their own HOME and state dir, the team's config, their own identity.
fn responder(config: &str, who: &str) -> TestEnv {
    let mut env = TestEnv::with_config(config);
    env.set("PAGERDUTY_TOKEN", common::pagerduty::TOKEN)
        .set("SLACK_BOT_TOKEN", SLACK_TOKEN)
        .set("MATRIX_ACCESS_TOKEN", &synapse().bot_token)
        .set("INC_USER", who);
    env
}

async fn run(env: &TestEnv, args: &[&str]) -> Output {
    common::cmd::run(env, args).await
}

#[track_caller]
fn ok(o: &Output) -> Value {
    let (out, err) = common::cmd::text(o);
    assert!(o.status.success(), "exit {:?}\n{out}\n{err}", o.status);
    serde_json::from_str(&out).unwrap_or(Value::Null)
}

/// The timeline as JSON events.
async fn timeline(env: &TestEnv) -> Vec<Value> {
    let doc = ok(&run(env, &["timeline", "--json"]).await);
    doc["timeline"].as_array().cloned().unwrap_or_default()
}

/// How many timeline events are of `kind` and have `field` == `value`.
fn count(events: &[Value], kind: &str, field: &str, value: &str) -> usize {
    events
        .iter()
        .filter(|e| e["event"] == kind && e[field] == value)
        .count()
}

fn unique_title(what: &str) -> String {
    format!("{what} {}", fastrand::u32(1000..9999))
}

#[tokio::test(flavor = "multi_thread")]
async fn two_responders_one_incident_every_event_once() {
    let pd = FakePd::start().await;
    let slack = FakeSlack::start().await;
    let s = synapse();
    let config = config(&pd, &slack, &s.url);
    let a = responder(&config, "ann@example.com");
    let title = unique_title("Checkout errors");

    // A declares: the PagerDuty incident, the Slack channel and the Matrix room open.
    let declared = ok(&run(
        &a,
        &["declare", &title, "--sev", "2", "--ic", "me", "--json"],
    )
    .await);
    let id = declared["incident"]["id"].as_str().unwrap().to_string();
    let pd_id = pd.incidents()[0]["id"].as_str().unwrap().to_string();
    let number = pd.incidents()[0]["incident_number"].as_u64().unwrap();
    let channel = slack.channels()[0].clone();
    let room = declared["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["provider"] == "matrix" && d["action"] == "create_room")
        .and_then(|d| d["id"].as_str())
        .expect("a Matrix room")
        .to_string();
    let alias = declared["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["provider"] == "matrix" && d["action"] == "create_room")
        .and_then(|d| d["target"].as_str())
        .map(|t| format!("{t}:{SERVER_NAME}"))
        .unwrap();
    // The room carries the incident's facts for the next responder.
    let facts = s
        .state(&room, "org.inc.incident", &s.bot_token)
        .expect("org.inc.incident");
    assert_eq!(facts["id"], id.as_str(), "{facts}");

    // B attaches by every kind of reference, each on a fresh machine.
    let refs = [
        pd_id.clone(),
        format!("#{number}"),
        format!("{}/incidents/{pd_id}", pd.uri()),
        format!("#{}", channel.name),
        channel.id.clone(),
        format!("https://fake.slack.example.com/archives/{}", channel.id),
        room.clone(),
        alias.clone(),
        format!("https://matrix.to/#/{alias}"),
        id.clone(),
    ];
    for r in &refs {
        let b = responder(&config, "bob@example.com");
        let doc = ok(&run(&b, &["attach", r, "--json"]).await);
        assert_eq!(doc["incident"]["id"], id.as_str(), "attach {r}: {doc}");
        assert_eq!(doc["incident"]["title"], title.as_str(), "attach {r}");
        assert_eq!(doc["unmarked"], false, "attach {r}");
        let events = timeline(&b).await;
        assert_eq!(count(&events, "declared", "id", &id), 1, "attach {r}");
        assert_eq!(
            count(&events, "role", "person", "ann@example.com"),
            1,
            "attach {r}"
        );
    }

    // B, attached by the Slack channel, takes the scribe role, notes, raises the severity.
    let b = responder(&config, "bob@example.com");
    ok(&run(
        &b,
        &[
            "attach",
            &format!("#{}", channel.name),
            "--as",
            "scribe",
            "--json",
        ],
    )
    .await);
    ok(&run(
        &b,
        &["note", "Bob: EU card payments fail", "--type", "status"],
    )
    .await);
    ok(&run(&b, &["sev", "1"]).await);
    // Someone writes in PagerDuty itself, and the IC acknowledges there.
    pd.human_note(&pd_id, "Dana Human", "Support sees EU complaints");
    pd.acknowledge(&pd_id, "Ann Primary");

    // A sees everything, each exactly once.
    let events = timeline(&a).await;
    assert_eq!(
        count(&events, "note", "text", "Bob: EU card payments fail"),
        1
    );
    assert_eq!(
        count(&events, "note", "text", "Support sees EU complaints"),
        1
    );
    assert_eq!(count(&events, "role", "person", "bob@example.com"), 1);
    assert_eq!(
        events
            .iter()
            .filter(|e| e["event"] == "severity" && e["severity"] == "SEV-1")
            .count(),
        1
    );
    assert_eq!(count(&events, "acknowledged", "who", "Ann Primary"), 1);
    let human = events
        .iter()
        .find(|e| e["text"] == "Support sees EU complaints")
        .unwrap();
    assert_eq!(
        human["by"], "Dana Human",
        "a PagerDuty note is by its author"
    );
    let bobs = events
        .iter()
        .find(|e| e["text"] == "Bob: EU card payments fail")
        .unwrap();
    assert_eq!(bobs["by"], "bob@example.com");
    let status = ok(&run(&a, &["status", "--json"]).await);
    assert_eq!(status["incident"]["severity"], "SEV-1", "{status}");
    assert_eq!(
        status["incident"]["roles"]["scribe"],
        json!(["bob@example.com"])
    );
    // A second pull adds nothing: each event stays once.
    let again = ok(&run(&a, &["sync", "--json"]).await);
    assert_eq!(again["new"], json!([]), "{again}");
    // The post-mortem is written from the merged timeline.
    ok(&run(
        &a,
        &["postmortem", "new", "--owner", "ann@example.com", "--json"],
    )
    .await);
    let md = std::fs::read_to_string(a.home.path().join(format!("postmortems/{id}.md"))).unwrap();
    assert_eq!(md.matches("Bob: EU card payments fail").count(), 1, "{md}");
    assert_eq!(md.matches("Support sees EU complaints").count(), 1, "{md}");
    assert_eq!(md.matches("Ann Primary acknowledged").count(), 1, "{md}");
    assert!(md.contains("| Time to acknowledge the page |"), "{md}");

    // A writes and resolves; B sees both, once.
    ok(&run(&a, &["note", "Ann: rolled back 4411", "--type", "action"]).await);
    ok(&run(&a, &["resolve", "--final-sev", "1", "--yes"]).await);
    let events = timeline(&b).await;
    assert_eq!(count(&events, "note", "text", "Ann: rolled back 4411"), 1);
    assert_eq!(
        events.iter().filter(|e| e["event"] == "resolved").count(),
        1
    );
    let show = ok(&run(&b, &["show", "--json"]).await);
    assert_eq!(show["incident"]["state"], "resolved", "{show}");

    // The providers hold each note once: B's note once in Slack, once in Matrix, once in
    // PagerDuty; the PagerDuty incident retitled and resolved.
    let slack_bob = slack
        .messages(&channel.id)
        .iter()
        .filter(|m| m.text.contains("Bob: EU card payments fail"))
        .count();
    assert_eq!(slack_bob, 1);
    let matrix_bob = s
        .messages(&room, &s.bot_token)
        .iter()
        .filter(|m| {
            m["content"]["body"]
                .as_str()
                .is_some_and(|b| b.contains("Bob: EU card payments fail"))
        })
        .count();
    assert_eq!(matrix_bob, 1);
    let pd_bob = pd
        .notes_of(&pd_id)
        .iter()
        .filter(|n| {
            n["content"]
                .as_str()
                .is_some_and(|c| c.contains("Bob: EU card payments fail"))
        })
        .count();
    assert_eq!(pd_bob, 1);
    let incident = pd.incidents()[0].clone();
    assert!(
        incident["title"].as_str().unwrap().starts_with("[SEV-1] "),
        "{incident}"
    );
    assert_eq!(incident["status"], "resolved");
    pd.assert_clean();
    slack.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ic_page_is_adopted_paged_once_and_resolved_with_the_incident() {
    let pd = FakePd::start().await;
    let og = common::opsgenie::FakeOpsgenie::start().await;
    let config = format!("{}\n{}", pd.config(""), og.config());
    let mut a = TestEnv::with_config(&config);
    a.set("PAGERDUTY_TOKEN", common::pagerduty::TOKEN)
        .set("OPSGENIE_API_KEY", common::opsgenie::KEY)
        .set("INC_USER", "ann@example.com");
    // page-ic before anything is declared opens an incident in state `paging`.
    let first = ok(&run(&a, &["page-ic", "--json"]).await);
    assert_eq!(first["incident"]["already_open"], false, "{first}");
    let listed = ok(&run(&a, &["list", "--json"]).await);
    assert_eq!(listed["incidents"][0]["state"], "paging", "{listed}");
    // Again: the open page is reported; nobody is paged twice.
    let second = run(&a, &["page-ic"]).await;
    let (out, err) = common::cmd::text(&second);
    assert!(second.status.success(), "{out}\n{err}");
    assert!(out.contains("nobody was paged twice"), "{out}");
    assert!(out.contains("not acknowledged yet"), "{out}");
    let pages = pd
        .incidents()
        .iter()
        .filter(|i| {
            i["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("IC needed"))
        })
        .count();
    assert_eq!(pages, 1, "one PagerDuty IC page");
    assert_eq!(og.alerts().len(), 1, "one Opsgenie alert");
    // --again pages anew: a second page on each pager, with a new key.
    let again = ok(&run(&a, &["page-ic", "--again", "--json"]).await);
    assert_eq!(again["incident"]["already_open"], false, "{again}");
    let pages = pd
        .incidents()
        .iter()
        .filter(|i| {
            i["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("IC needed"))
        })
        .count();
    assert_eq!(pages, 2, "--again opened a second PagerDuty page");
    assert_eq!(
        og.alerts().len(),
        2,
        "--again opened a second Opsgenie alert"
    );
    // declare adopts the paging incident: one incident, its page in its timeline.
    let declared = ok(&run(&a, &["declare", "Checkout errors", "--sev", "1", "--json"]).await);
    let listed = ok(&run(&a, &["list", "--json"]).await);
    assert_eq!(listed["incidents"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["incidents"][0]["id"], declared["incident"]["id"]);
    // A note inc mirrors to the alert, and one a person adds in Opsgenie: each once.
    ok(&run(&a, &["note", "Ann took command", "--type", "decision"]).await);
    let alias = og.alerts()[0]["alias"].as_str().unwrap().to_string();
    og.human_note(&alias, "Olga Ops", "Opsgenie: paging the DB team too");
    let events = timeline(&a).await;
    assert_eq!(events.iter().filter(|e| e["event"] == "paging").count(), 1);
    assert_eq!(count(&events, "note", "text", "Ann took command"), 1);
    assert_eq!(
        count(&events, "note", "text", "Opsgenie: paging the DB team too"),
        1
    );
    let olga = events
        .iter()
        .find(|e| e["by"] == "Olga Ops")
        .expect("Olga's note");
    assert_eq!(olga["text"], "Opsgenie: paging the DB team too");
    // resolve resolves every PagerDuty incident and closes the alert inc opened.
    ok(&run(&a, &["resolve", "--yes"]).await);
    for i in pd.incidents() {
        assert_eq!(i["status"], "resolved", "{i}");
    }
    assert!(
        og.alerts().iter().all(|a| a["status"] == "closed"),
        "{:?}",
        og.alerts()
    );
    pd.assert_clean();
    og.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_bad_references_and_unmarked_rooms() {
    let pd = FakePd::start().await;
    let slack = FakeSlack::start().await;
    let config = format!(
        "{}\n[slack]\napi_url = \"{}\"\nper_incident_channel = true\n",
        pd.config(""),
        slack.api_url()
    );
    let b = responder(&config, "bob@example.com");
    // Malformed: exit 2, nothing written.
    for bad in ["hello world", "#", "https://example.com/nothing"] {
        let o = run(&b, &["attach", bad]).await;
        assert_eq!(
            o.status.code(),
            Some(2),
            "{bad}: {:?}",
            common::cmd::text(&o)
        );
    }
    // Matches nothing: exit 4 naming what was tried.
    let o = run(&b, &["attach", "PNOPE99"]).await;
    assert_eq!(o.status.code(), Some(4), "{:?}", common::cmd::text(&o));
    assert!(
        common::cmd::text(&o).1.contains("PagerDuty"),
        "{:?}",
        common::cmd::text(&o)
    );
    let o = run(&b, &["attach", "#no-such-channel"]).await;
    assert_eq!(o.status.code(), Some(4));
    assert!(b.state_files().is_empty(), "{:?}", b.state_files());
    // In a script, no REF: exit 2.
    let o = run(&b, &["attach"]).await;
    assert_eq!(o.status.code(), Some(2));
    // A channel with no inc record attaches with what it can read, and says so.
    let ch = slack.add_channel("war-room", false, true);
    slack
        .state
        .lock()
        .unwrap()
        .channels
        .last_mut()
        .unwrap()
        .topic = "DB failover".into();
    // Another app's metadata and a hostile payload are ignored with a warning.
    slack.add_message(
        &ch,
        "deploy bot",
        json!({ "event_type": "deploy", "event_payload": { "x": 1 } }),
    );
    slack.add_message(
        &ch,
        "hostile",
        json!({ "event_type": "inc_event", "event_payload": { "inc": "x", "event": "x".repeat(1 << 20) } }),
    );
    let o = run(&b, &["attach", "#war-room", "--json"]).await;
    let (out, err) = common::cmd::text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["unmarked"], true, "{doc}");
    assert!(err.contains("no inc record"), "{err}");
    assert!(err.contains("ignored"), "{err}");
    // The journal is whole and readable.
    ok(&run(&b, &["status", "--json"]).await);
    pd.assert_clean();
    slack.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watch_reports_remote_changes_and_posts_nothing_already_posted() {
    let slack = FakeSlack::start().await;
    let config = format!(
        "[delivery]\ntimeout = \"2s\"\nretry_for = \"4s\"\nbackoff = \"50ms\"\n\n\
         [slack]\napi_url = \"{}\"\nper_incident_channel = true\n",
        slack.api_url()
    );
    let a = responder(&config, "ann@example.com");
    let b = responder(&config, "bob@example.com");
    ok(&run(
        &a,
        &["declare", &unique_title("Latency"), "--sev", "2", "--json"],
    )
    .await);
    let channel = slack.channels()[0].id.clone();
    ok(&run(&b, &["attach", &channel, "--json"]).await);
    // A watches and posts changes; B raises the severity from their own machine.
    let out = a.home.path().join("watch.ndjson");
    let mut child = a
        .std_command()
        .args([
            "status",
            "--watch",
            "--post",
            "--interval",
            "300ms",
            "--json",
        ])
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    ok(&run(&b, &["sev", "1"]).await);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(8);
    let mut lines = String::new();
    while std::time::Instant::now() < deadline {
        lines = std::fs::read_to_string(&out).unwrap_or_default();
        if lines.contains("raised the severity") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // One more interval, to see whether the watch posts anything.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    child.kill().ok();
    child.wait().ok();
    let changes: Vec<Value> = lines
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let remote: Vec<&Value> = changes
        .iter()
        .filter(|c| {
            c["remote"].as_array().is_some_and(|r| {
                r.iter().any(|l| {
                    l.as_str()
                        .unwrap_or("")
                        .contains("bob@example.com raised the severity to SEV-1")
                })
            })
        })
        .collect();
    assert_eq!(
        remote.len(),
        1,
        "the remote change is reported once: {lines}"
    );
    assert_eq!(remote[0]["changes"]["severity"]["to"], "SEV-1", "{lines}");
    // Bob's inc posted the raise; A's watch did not post it again.
    let raised = slack
        .messages(&channel)
        .iter()
        .filter(|m| m.text.contains("SEV-1"))
        .count();
    assert_eq!(
        raised,
        1,
        "{:?}",
        slack
            .messages(&channel)
            .iter()
            .map(|m| &m.text)
            .collect::<Vec<_>>()
    );
    assert!(
        !slack
            .messages(&channel)
            .iter()
            .any(|m| m.text.starts_with("Status ")),
        "the watch re-posted another responder's change"
    );
    slack.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_provider_is_a_warning_and_the_local_view_stands() {
    let slack = FakeSlack::start().await;
    let config = format!(
        "[delivery]\ntimeout = \"1s\"\nretry_for = \"2s\"\nbackoff = \"50ms\"\n\n\
         [slack]\napi_url = \"{}\"\nper_incident_channel = true\n",
        slack.api_url()
    );
    let a = responder(&config, "ann@example.com");
    ok(&run(
        &a,
        &[
            "declare",
            &unique_title("Queue backlog"),
            "--sev",
            "2",
            "--json",
        ],
    )
    .await);
    ok(&run(&a, &["note", "local note"]).await);
    slack.fault(common::slack::Fault::Error(
        "conversations.history",
        "internal_error",
    ));
    let o = run(&a, &["timeline", "--json"]).await;
    let (out, err) = common::cmd::text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(err.contains("could not read slack"), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let events = doc["timeline"].as_array().unwrap();
    assert_eq!(count(events, "note", "text", "local note"), 1);
    slack.assert_clean();
}
