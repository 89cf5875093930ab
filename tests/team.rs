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

/// `inc status --watch --post` (every 300 ms, NDJSON into a file in the responder's HOME), for
/// the test to stop.
fn watch_and_post(env: &TestEnv) -> (std::process::Child, std::path::PathBuf) {
    let out = env.home.path().join("watch.ndjson");
    let child = env
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
    (child, out)
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
    let (mut child, out) = watch_and_post(&a);
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

// ---- Every door opens the same incident (issue 17, items 1 and 3; issue 16, item 4) ----

/// One machine's view of an incident, less what may differ between machines: each machine's
/// own delivery records, and when it learned where each place is (a `linked` event's time).
/// Every other event must be the same everywhere: its id, kind, fields, author and time.
fn normalised(events: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = events
        .iter()
        .filter(|e| e["event"] != "delivery")
        .cloned()
        .map(|mut e| {
            if e["event"] == "linked" {
                e.as_object_mut().unwrap().remove("at");
            }
            e
        })
        .collect();
    out.sort_by(|a, b| {
        (a["event_id"].as_str(), a["at"].as_str()).cmp(&(b["event_id"].as_str(), b["at"].as_str()))
    });
    out
}

/// The incident's facts as `inc show --json` has them, less the delivery references (each
/// machine's own): title, state, severity, roles, TODOs, notes, exec and public updates, the
/// post-mortem's owner, and the places it is linked to (by provider and id, with their names).
async fn facts(env: &TestEnv) -> Value {
    let doc = ok(&run(env, &["show", "--json"]).await);
    let i = &doc["incident"];
    let mut linked: Vec<Value> = i["linked"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|l| json!({ "provider": l["provider"], "ref": l["ref"], "name": l["name"] }))
        .collect();
    linked.sort_by_key(|l| l.to_string());
    json!({
        "id": i["id"], "title": i["title"], "state": i["state"], "severity": i["severity"],
        "roles": i["roles"], "todos": i["todos"], "notes": i["notes"],
        "last_exec_update": i["last_exec_update"], "public_stage": i["public"]["stage"],
        "postmortem_owner": i["postmortem"]["owner"], "linked": linked, "named": i["named"],
    })
}

/// An incident as one machine sees it: its normalised timeline and its facts.
async fn view(env: &TestEnv) -> (Vec<Value>, Value) {
    (normalised(&timeline(env).await), facts(env).await)
}

async fn status(env: &TestEnv) -> Value {
    ok(&run(env, &["status", "--json"]).await)
}

/// How many times `needle` occurs in `hay`.
fn occurrences(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

/// The timeline of events that people read as notes, in text.
fn note_texts(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["event"] == "note")
        .map(|e| e["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_by_any_reference_builds_the_same_incident_as_the_ic_has() {
    let pd = FakePd::start().await;
    let slack = FakeSlack::start().await;
    let s = synapse();
    let config = config(&pd, &slack, &s.url);
    let a = responder(&config, "ann@example.com");
    let title = unique_title("Payments gateway");
    let declared = ok(&run(
        &a,
        &[
            "declare",
            &title,
            "--sev",
            "2",
            "--ic",
            "me",
            "--scribe",
            "carol@example.com",
            "--json",
        ],
    )
    .await);
    let id = declared["incident"]["id"].as_str().unwrap().to_string();
    ok(&run(&a, &["todo", "Page the payments team"]).await);
    ok(&run(&a, &["todo", "Check the EU gateway"]).await);
    ok(&run(
        &a,
        &["note", "Config pushed at 03:10", "--type", "decision"],
    )
    .await);
    let pd_id = pd.incidents()[0]["id"].as_str().unwrap().to_string();
    let number = pd.incidents()[0]["incident_number"].as_u64().unwrap();
    let channel = slack.channels()[0].clone();
    let create_room = declared["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["provider"] == "matrix" && d["action"] == "create_room")
        .cloned()
        .expect("a Matrix room");
    let room = create_room["id"].as_str().unwrap().to_string();
    let alias = format!("{}:{SERVER_NAME}", create_room["target"].as_str().unwrap());
    // Someone writes in PagerDuty itself, and the IC acknowledges there.
    pd.human_note(&pd_id, "Dana Human", "Support sees EU complaints");
    pd.acknowledge(&pd_id, "Ann Primary");
    // The IC's own view, after a pull.
    ok(&run(&a, &["sync", "--json"]).await);
    let ic = view(&a).await;

    // The channel is the reference that always worked: the baseline.
    let by_channel = responder(&config, "bob@example.com");
    ok(&run(
        &by_channel,
        &["attach", &format!("#{}", channel.name), "--json"],
    )
    .await);
    let baseline = view(&by_channel).await;
    assert_eq!(
        baseline.0, ic.0,
        "attached by the channel: not the IC's events"
    );
    assert_eq!(
        baseline.1, ic.1,
        "attached by the channel: not the IC's incident"
    );
    // What the whiteboard says: two TODOs, one note of the IC's and one typed in PagerDuty, the
    // roles as declared, the three places, and nothing of the bookkeeping.
    let events = timeline(&by_channel).await;
    assert_eq!(events.iter().filter(|e| e["event"] == "todo").count(), 2);
    let mut notes = note_texts(&events);
    notes.sort();
    assert_eq!(
        notes,
        vec!["Config pushed at 03:10", "Support sees EU complaints"],
        "{events:?}"
    );
    let decision = events
        .iter()
        .find(|e| e["text"] == "Config pushed at 03:10")
        .unwrap();
    assert_eq!(decision["type"], "decision");
    assert_eq!(decision["by"], "ann@example.com");
    assert_eq!(
        baseline.1["roles"],
        json!({ "ic": ["ann@example.com"], "scribe": ["carol@example.com"] })
    );
    let mut providers: Vec<&str> = baseline.1["linked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["provider"].as_str().unwrap())
        .collect();
    providers.sort();
    assert_eq!(
        providers,
        ["matrix", "pagerduty", "slack"],
        "{}",
        baseline.1
    );
    assert_eq!(
        baseline.1["named"],
        Value::Null,
        "every named place was found"
    );

    // Every other kind of reference: the same incident, on a fresh machine each.
    let refs = [
        pd_id.clone(),
        format!("#{number}"),
        format!("{}/incidents/{pd_id}", pd.uri()),
        channel.id.clone(),
        format!("https://fake.slack.example.com/archives/{}", channel.id),
        room.clone(),
        alias.clone(),
        format!("https://matrix.to/#/{alias}"),
        id.clone(),
    ];
    let mut by_pd_link = None;
    for r in &refs {
        let c = responder(&config, "carol@example.com");
        let doc = ok(&run(&c, &["attach", r, "--json"]).await);
        assert_eq!(doc["unmarked"], false, "attach {r}: {doc}");
        let got = view(&c).await;
        assert_eq!(got.0, baseline.0, "attach {r}: other events");
        assert_eq!(got.1, baseline.1, "attach {r}: another incident");
        if r.contains("/incidents/") {
            by_pd_link = Some(c);
        }
    }

    // The responder attached by the PagerDuty link writes: the note reaches PagerDuty (and the
    // rooms) once, and their sync reads PagerDuty.
    let c = by_pd_link.unwrap();
    ok(&run(&c, &["note", "Carol: rolling back the gateway config"]).await);
    let on_pd = pd
        .notes_of(&pd_id)
        .iter()
        .filter(|n| {
            n["content"]
                .as_str()
                .is_some_and(|t| t.contains("Carol: rolling back the gateway config"))
        })
        .count();
    assert_eq!(on_pd, 1, "{:?}", pd.notes_of(&pd_id));
    let on_slack = slack
        .messages(&channel.id)
        .iter()
        .filter(|m| m.text.contains("Carol: rolling back the gateway config"))
        .count();
    assert_eq!(on_slack, 1);
    let pulled = ok(&run(&c, &["sync", "--json"]).await);
    let sources: Vec<&str> = pulled["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["provider"].as_str().unwrap())
        .collect();
    assert!(sources.contains(&"pagerduty"), "{pulled}");
    // And the IC has the note once, by Carol.
    let events = timeline(&a).await;
    let carol: Vec<&Value> = events
        .iter()
        .filter(|e| e["text"] == "Carol: rolling back the gateway config")
        .collect();
    assert_eq!(carol.len(), 1, "{events:?}");
    assert_eq!(carol[0]["by"], "carol@example.com");
    pd.assert_clean();
    slack.assert_clean();
}

/// A journal written by an older inc that attached by the PagerDuty link: every event the
/// pager's note carried kept as a note by the pager's user, the bookkeeping note kept, the
/// linked PagerDuty incident dropped.
fn written_the_old_way(journal: &std::path::Path, pd_notes: &[Value], where_note: &str) {
    let markers: std::collections::HashMap<String, (String, String)> = pd_notes
        .iter()
        .filter_map(|n| {
            let text = n["content"].as_str()?;
            let start = text.rfind("[inc:")?;
            let ev = text[start..].trim_end_matches(']').split('/').nth(1)?;
            Some((
                ev.to_string(),
                (
                    text[..start].trim_end().to_string(),
                    n["created_at"].as_str()?.to_string(),
                ),
            ))
        })
        .collect();
    let old: Vec<String> = std::fs::read_to_string(journal)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let e: Value = serde_json::from_str(l).unwrap();
            let id = e["event_id"].as_str().unwrap_or_default();
            if e["event"] == "linked" && e["provider"] == "pagerduty" && e["ref"].is_string() {
                return None;
            }
            if e["event"] == "linked" && e["provider"] == "pagerduty" {
                // The older declaration's bookkeeping note, kept as a timeline note.
                return Some(
                    json!({ "event_id": id, "at": e["at"], "by": "IC Bot", "event": "note",
                            "text": where_note })
                    .to_string(),
                );
            }
            match markers.get(id) {
                Some((text, at)) => Some(
                    json!({ "event_id": id, "at": at, "by": "IC Bot", "event": "note", "text": text })
                        .to_string(),
                ),
                None => Some(l.to_string()),
            }
        })
        .collect();
    std::fs::write(journal, old.join("\n") + "\n").unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_attach_repairs_a_journal_an_older_inc_built() {
    let pd = FakePd::start().await;
    let slack = FakeSlack::start().await;
    let s = synapse();
    let config = config(&pd, &slack, &s.url);
    let a = responder(&config, "ann@example.com");
    let title = unique_title("Old journal");
    let declared = ok(&run(
        &a,
        &["declare", &title, "--sev", "2", "--ic", "me", "--json"],
    )
    .await);
    let id = declared["incident"]["id"].as_str().unwrap().to_string();
    let pd_id = pd.incidents()[0]["id"].as_str().unwrap().to_string();
    let channel = slack.channels()[0].clone();
    // An older declaration also left a note on PagerDuty telling where the rooms were, marked
    // with its `linked` event: bookkeeping, never a timeline note, on any machine.
    let where_note = format!(
        "Where this incident is: PagerDuty incident {pd_id} · Slack #{} (Slack channel {})",
        channel.name, channel.id
    );
    let linked = timeline(&a)
        .await
        .into_iter()
        .find(|e| e["event"] == "linked" && e["provider"] == "pagerduty" && e["ref"].is_null())
        .expect("the declaration names its PagerDuty incident");
    let marker = format!("[inc:{id}/{}]", linked["event_id"].as_str().unwrap());
    pd.human_note(&pd_id, "IC Bot", &format!("{where_note} {marker} {marker}"));
    let b = responder(&config, "bob@example.com");
    ok(&run(&b, &["attach", &channel.id, "--as", "scribe", "--json"]).await);
    ok(&run(&b, &["todo", "Page the payments team"]).await);
    ok(&run(&b, &["note", "Gateway config pushed", "--type", "status"]).await);
    let good = view(&b).await;
    assert!(
        !note_texts(&timeline(&b).await)
            .iter()
            .any(|t| t.starts_with("Where this incident is")),
        "a bookkeeping note shows"
    );

    // The same machine, as an older inc left it.
    let journal = b.state.join("incidents").join(format!("{id}.jsonl"));
    written_the_old_way(&journal, &pd.notes_of(&pd_id), &where_note);
    let broken = facts(&b).await;
    assert_ne!(
        broken, good.1,
        "the old journal is not broken: the test proves nothing"
    );
    let providers = |f: &Value| -> Vec<String> {
        f["linked"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["provider"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!providers(&broken).contains(&"pagerduty".to_string()));
    assert_ne!(broken["todos"], good.1["todos"]);

    // A second attach repairs it: the same incident as before, bookkeeping hidden.
    ok(&run(&b, &["attach", &channel.id, "--json"]).await);
    let repaired = view(&b).await;
    assert_eq!(repaired.1, good.1);
    assert_eq!(repaired.0, good.0);
    let events = timeline(&b).await;
    assert!(
        !note_texts(&events)
            .iter()
            .any(|t| t.starts_with("Where this incident is")),
        "{events:?}"
    );
    // A third attach adds nothing.
    let again = ok(&run(&b, &["attach", &channel.id, "--json"]).await);
    assert_eq!(again["events"], 0, "{again}");
    // Their notes reach PagerDuty again, once; their sync reads it.
    ok(&run(&b, &["note", "Bob: rollback done"]).await);
    let on_pd = pd
        .notes_of(&pd_id)
        .iter()
        .filter(|n| {
            n["content"]
                .as_str()
                .is_some_and(|t| t.contains("Bob: rollback done"))
        })
        .count();
    assert_eq!(on_pd, 1);
    let pulled = ok(&run(&b, &["sync", "--json"]).await);
    assert!(
        pulled["sources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["provider"] == "pagerduty"),
        "{pulled}"
    );
    pd.assert_clean();
    slack.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn every_update_by_one_responder_reaches_every_status_and_the_postmortem() {
    let pd = FakePd::start().await;
    let slack = FakeSlack::start().await;
    let sp = common::statuspage::FakeStatuspage::start().await;
    let s = synapse();
    let config = format!("{}\n{}", config(&pd, &slack, &s.url), sp.config(""));
    let team = |who: &str| {
        let mut env = responder(&config, who);
        env.set("STATUSPAGE_API_KEY", common::statuspage::KEY);
        env
    };
    let a = team("ann@example.com");
    let title = unique_title("Card payments");
    ok(&run(
        &a,
        &["declare", &title, "--sev", "1", "--ic", "me", "--json"],
    )
    .await);
    let pd_id = pd.incidents()[0]["id"].as_str().unwrap().to_string();
    let channel = slack.channels()[0].clone();
    let b = team("bob@example.com");
    ok(&run(&b, &["attach", &format!("#{}", channel.name), "--json"]).await);
    let c = team("carol@example.com");
    ok(&run(&c, &["attach", &pd_id, "--json"]).await);

    // B briefs the executives: everyone's next exec update is due from B's.
    ok(&run(
        &b,
        &[
            "notify-exec",
            "--summary",
            "SEV-1: EU card payments fail",
            "--actions",
            "rolling back",
            "--impact",
            "EU cards declined",
            "--eta",
            "30 min",
            "--yes",
        ],
    )
    .await);
    let at_b = status(&b).await;
    assert!(at_b["last_exec_update"].is_string(), "{at_b}");
    for env in [&a, &c] {
        let st = status(env).await;
        assert_eq!(st["last_exec_update"], at_b["last_exec_update"], "{st}");
        assert_eq!(
            st["next_exec_update_due"], at_b["next_exec_update_due"],
            "{st}"
        );
    }

    // B goes public: everyone sees the public stage.
    ok(&run(
        &b,
        &[
            "comms",
            "investigating",
            "We are looking into failed card payments.",
            "--yes",
        ],
    )
    .await);
    assert_eq!(sp.incidents().len(), 1);
    for env in [&a, &c] {
        let st = status(env).await;
        assert_eq!(st["incident"]["public"]["stage"], "investigating", "{st}");
        assert_eq!(st["public"], status(&b).await["public"], "{st}");
    }

    // B hands command to Dana: every machine has Dana as IC.
    ok(&run(&b, &["handover", "dana@example.com"]).await);
    for env in [&a, &c] {
        let st = status(env).await;
        assert_eq!(
            st["incident"]["roles"]["ic"],
            json!(["dana@example.com"]),
            "{st}"
        );
    }

    // B stalks: the change B's watch posts (the page acknowledged in PagerDuty) reaches A and C.
    let (mut watch, _) = watch_and_post(&b);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    pd.acknowledge(&pd_id, "Ann Primary");
    let stalked = |m: &common::slack::Message| {
        m.text.starts_with("Status ") && m.text.contains("acknowledged")
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while std::time::Instant::now() < deadline && !slack.messages(&channel.id).iter().any(stalked) {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    watch.kill().ok();
    watch.wait().ok();
    let posted: Vec<String> = slack
        .messages(&channel.id)
        .into_iter()
        .filter(stalked)
        .map(|m| m.text)
        .collect();
    assert_eq!(
        posted.len(),
        1,
        "the watch posted the change once: {posted:?}"
    );
    for env in [&a, &c] {
        let events = timeline(env).await;
        let seen: Vec<&Value> = events.iter().filter(|e| e["event"] == "posted").collect();
        assert_eq!(seen.len(), 1, "{events:?}");
        assert_eq!(seen[0]["by"], "bob@example.com");
    }

    // B names the post-mortem's owner; B resolves, and the public incident with it.
    ok(&run(
        &b,
        &[
            "postmortem",
            "new",
            "--owner",
            "carol@example.com",
            "--json",
        ],
    )
    .await);
    ok(&run(&b, &["resolve", "--final-sev", "1", "--yes"]).await);
    assert_eq!(sp.incidents()[0]["status"], "resolved");
    for env in [&a, &c] {
        let st = status(env).await;
        assert_eq!(st["incident"]["state"], "resolved", "{st}");
        assert_eq!(st["incident"]["public"]["stage"], "resolved", "{st}");
        assert_eq!(
            st["incident"]["postmortem"]["owner"], "carol@example.com",
            "{st}"
        );
        assert_eq!(st["last_exec_update"], at_b["last_exec_update"], "{st}");
    }
    // Every machine's facts agree, whatever each did itself.
    let facts_b = facts(&b).await;
    assert_eq!(facts(&a).await, facts_b);
    assert_eq!(facts(&c).await, facts_b);

    // A's post-mortem: B's exec update once, owned by Carol as B recorded.
    let pm = ok(&run(&a, &["postmortem", "new", "--json"]).await);
    assert_eq!(pm["postmortem"]["owner"], "carol@example.com", "{pm}");
    let id = facts_b["id"].as_str().unwrap();
    let md = std::fs::read_to_string(a.home.path().join(format!("postmortems/{id}.md"))).unwrap();
    assert_eq!(occurrences(&md, "SEV-1: EU card payments fail"), 1, "{md}");
    assert!(md.contains("carol@example.com"), "{md}");
    pd.assert_clean();
    slack.assert_clean();
    sp.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn declare_names_every_place_in_one_round_and_each_place_finds_the_others() {
    let pd = FakePd::start().await;
    let slack = FakeSlack::start().await;
    let s = synapse();
    // Time enough for the test to see every write while PagerDuty holds its answer. No
    // ic_service: the look-up for an open IC page to adopt runs beside the POST, but the fake's
    // gate holds every PagerDuty request, so it would be answered (and logged) only after it.
    let config = format!(
        "[delivery]\ntimeout = \"60s\"\nretry_for = \"120s\"\nbackoff = \"50ms\"\n\n{}\n\
         [slack]\napi_url = \"{}\"\nper_incident_channel = true\nchannel_prefix = \"inc-\"\n\n\
         [matrix]\nhomeserver = \"{}\"\nper_incident_room = true\n",
        common::pagerduty::pagerduty_table(&pd.uri(), "").replace("ic_service = \"PICSRVC\"\n", ""),
        slack.api_url(),
        s.url
    );
    let a = responder(&config, "ann@example.com");
    let title = unique_title("One round");
    // PagerDuty takes the incident but holds its answer until every other write is seen.
    let gate = common::pagerduty::Gate::default();
    pd.fault(common::pagerduty::Fault::HeldUntil(gate.clone()));
    let out = a.home.path().join("declare.json");
    let mut declare = a
        .std_command()
        .args(["declare", &title, "--sev", "2", "--ic", "me", "--json"])
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let calls = |m: &str| slack.calls(m);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut room = None;
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "the rooms were not finished before PagerDuty answered: slack {:?}",
            slack.state.lock().unwrap().log
        );
        if room.is_none()
            && let Some(ch) = slack.channels().first()
        {
            room = s.resolve(&format!("#{}:{SERVER_NAME}", ch.name));
        }
        let matrix_done = room.as_deref().is_some_and(|r| {
            s.state(r, "m.room.pinned_events", &s.bot_token).is_some()
                && s.state(r, "org.inc.incident", &s.bot_token).is_some()
                && s.state(r, "m.room.topic", &s.bot_token).is_some()
        });
        if pd.requests_of("POST /incidents") == 1
            && calls("pins.add") == 1
            && calls("conversations.setTopic") == 1
            && calls("conversations.invite") == 1
            && matrix_done
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let room = room.unwrap();
    let before_slack = slack.state.lock().unwrap().log.clone();
    let before_pd = pd.state.lock().unwrap().log.clone();
    let before_matrix = s.messages(&room, &s.bot_token).len();
    let before_state = s.state(&room, "org.inc.incident", &s.bot_token);
    gate.open();
    let status = tokio::task::spawn_blocking(move || declare.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{:?}", std::fs::read_to_string(&out));
    // Nothing followed PagerDuty's answer: no request to any provider.
    assert_eq!(slack.state.lock().unwrap().log, before_slack);
    assert_eq!(pd.state.lock().unwrap().log, before_pd);
    assert_eq!(s.messages(&room, &s.bot_token).len(), before_matrix);
    assert_eq!(
        s.state(&room, "org.inc.incident", &s.bot_token),
        before_state
    );
    let declared: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let id = declared["incident"]["id"].as_str().unwrap().to_string();
    // Each place was created once, and each holds the roster once.
    assert_eq!(pd.incidents().len(), 1);
    assert_eq!(slack.channels().len(), 1);
    let channel = slack.channels()[0].clone();
    assert_eq!(
        slack.messages(&channel.id).len(),
        1,
        "{:?}",
        slack.messages(&channel.id)
    );
    assert_eq!(before_matrix, 1);
    let pd_id = pd.incidents()[0]["id"].as_str().unwrap().to_string();

    // The PagerDuty incident names the rooms, and carries its marker once; so does each note.
    let details = pd.incidents()[0]["body"]["details"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        details.contains(&format!("Slack: #{}", channel.name)),
        "{details}"
    );
    assert!(
        details.contains(&format!("Matrix: #{}", channel.name)),
        "{details}"
    );
    assert_eq!(occurrences(&details, "[inc:"), 1, "{details}");
    // The rooms name each other for people, in the roster.
    assert!(
        slack.messages(&channel.id)[0]
            .text
            .contains(&format!("Matrix #{}", channel.name)),
        "{}",
        slack.messages(&channel.id)[0].text
    );

    // From each one place, an attach finds the other two.
    for r in [pd_id.clone(), channel.id.clone(), room.clone()] {
        let b = responder(&config, "bob@example.com");
        let doc = ok(&run(&b, &["attach", &r, "--json"]).await);
        assert_eq!(doc["incident"]["id"], id.as_str(), "attach {r}: {doc}");
        let mut linked: Vec<(String, String)> = doc["incident"]["linked"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["provider"].as_str().unwrap().to_string(),
                    l["ref"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        linked.sort();
        assert_eq!(
            linked,
            vec![
                ("matrix".to_string(), room.clone()),
                ("pagerduty".to_string(), pd_id.clone()),
                ("slack".to_string(), channel.id.clone()),
            ],
            "attach {r}: {doc}"
        );
        let read: Vec<&str> = doc["read_from"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap())
            .collect();
        for p in ["Slack", "Matrix", "PagerDuty"] {
            assert_eq!(
                read.iter().filter(|w| w.starts_with(p)).count(),
                1,
                "attach {r} read {p} once: {read:?}"
            );
        }
    }
    // Every note inc wrote on PagerDuty carries one marker.
    ok(&run(&a, &["note", "Gateway config pushed"]).await);
    let notes = pd.notes_of(&pd_id);
    assert!(!notes.is_empty());
    for n in &notes {
        let text = n["content"].as_str().unwrap();
        assert_eq!(occurrences(text, "[inc:"), 1, "{text}");
    }
    pd.assert_clean();
    slack.assert_clean();
}
