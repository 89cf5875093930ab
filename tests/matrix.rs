//! The Matrix adapter against a REAL Synapse homeserver on 127.0.0.1 (see `common/synapse.rs`):
//! the real `inc` binary opens the room, mirrors the incident into it and keeps its topic, and
//! every check reads the result back from the server.

mod common;

use std::process::Output;

use common::cmd::TestEnv;
use common::synapse::{SERVER_NAME, Synapse, synapse};
use serde_json::{Value, json};

/// A fixed clock, so per-incident aliases are `inc-20261126-...`.
const NOW: &str = "2026-11-26T03:04:00Z";

fn env(s: &Synapse, extra: &str) -> TestEnv {
    let mut env = TestEnv::with_config(&format!(
        "[delivery]\nretry_for = \"5s\"\n\n[matrix]\nhomeserver = \"{}\"\n{extra}",
        s.url
    ));
    env.set("MATRIX_ACCESS_TOKEN", &s.bot_token)
        .set("INC_NOW", NOW);
    env
}

fn run(env: &TestEnv, args: &[&str]) -> Output {
    env.inc().args(args).output().expect("run inc")
}

fn text(o: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `inc ARGS --json`, exit 0, every delivery ok; returns the document.
fn ok(env: &TestEnv, args: &[&str]) -> Value {
    let o = env
        .inc()
        .args(args)
        .arg("--json")
        .output()
        .expect("run inc");
    assert!(o.status.success(), "inc {args:?} failed: {}", text(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    for d in doc["deliveries"].as_array().into_iter().flatten() {
        assert_eq!(d["ok"], true, "inc {args:?}: {d}");
    }
    doc
}

/// The deliveries of one provider action.
fn deliveries<'a>(doc: &'a Value, action: &str) -> Vec<&'a Value> {
    doc["deliveries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["provider"] == "matrix" && d["action"] == action)
        .collect()
}

fn bodies(msgs: &[Value]) -> Vec<String> {
    msgs.iter()
        .map(|m| {
            m["content"]["body"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

fn topic(s: &Synapse, room: &str) -> String {
    s.state(room, "m.room.topic", &s.bot_token)
        .expect("a topic")["topic"]
        .as_str()
        .unwrap()
        .to_string()
}

/// No file under the state dir, and no output, holds the token.
fn assert_no_token(env: &TestEnv, token: &str, outputs: &[&Output]) {
    for o in outputs {
        assert!(!text(o).contains(token), "the token leaked: {}", text(o));
    }
    for f in env.state_files() {
        let body = std::fs::read_to_string(&f).unwrap_or_default();
        assert!(!body.contains(token), "the token is in {}", f.display());
    }
}

#[test]
fn declare_opens_the_room_then_mirrors_notes_and_keeps_the_topic() {
    let s = synapse();
    let env = env(s, "per_incident_room = true\n");
    let doc = ok(
        &env,
        &[
            "declare",
            "Checkout returns 500s",
            "--sev",
            "2",
            "--ic",
            "me",
            "--scribe",
            "ann",
        ],
    );
    let inc = doc["incident"]["id"].as_str().unwrap().to_string();

    // The room: created with the incident's alias, which the server resolves to it.
    let created = deliveries(&doc, "create_room");
    assert_eq!(created.len(), 1, "{doc}");
    let room = created[0]["id"].as_str().expect("room id").to_string();
    let alias = format!("#inc-20261126-checkout-returns-500s:{SERVER_NAME}");
    assert_eq!(s.resolve(&alias).as_deref(), Some(room.as_str()));
    let name = s.state(&room, "m.room.name", &s.bot_token).unwrap();
    assert_eq!(name["name"], "Checkout returns 500s");
    let rules = s.state(&room, "m.room.join_rules", &s.bot_token).unwrap();
    assert_eq!(rules["join_rule"], "public");

    // Topic with severity and roles; the roster posted and pinned.
    assert_eq!(
        topic(s, &room),
        "SEV-2 | IC: tester | Deputy: — | Scribe: ann"
    );
    let msgs = s.messages(&room, &s.bot_token);
    let b = bodies(&msgs);
    assert_eq!(b.len(), 1, "{b:?}");
    assert!(
        b[0].contains("Major incident declared: SEV-2 \"Checkout returns 500s\""),
        "{b:?}"
    );
    assert!(
        b[0].contains("Roster: IC tester · Deputy — · Scribe ann"),
        "{b:?}"
    );
    assert!(b[0].contains("Need an IC? Run `inc page-ic`"), "{b:?}");
    assert_eq!(msgs[0]["sender"], s.bot.as_str());
    assert_eq!(msgs[0]["content"]["m.mentions"], json!({}));
    let roster_event = msgs[0]["event_id"].as_str().unwrap();
    assert_eq!(deliveries(&doc, "post")[0]["id"], roster_event);
    let pins = s
        .state(&room, "m.room.pinned_events", &s.bot_token)
        .expect("pins");
    assert_eq!(pins["pinned"], json!([roster_event]));

    // Notes and TODOs are mirrored; "@room" in a note mentions nobody.
    ok(
        &env,
        &["note", "Rolled back deploy 4411 @room", "--type", "action"],
    );
    ok(&env, &["todo", "Alert on queue depth"]);
    // Severity and role changes update the topic.
    ok(&env, &["sev", "1"]);
    assert!(
        topic(s, &room).starts_with("SEV-1 | IC: tester"),
        "{}",
        topic(s, &room)
    );
    let verbose = run(&env, &["role", "deputy", "bob", "-vv"]);
    assert!(verbose.status.success(), "{}", text(&verbose));
    assert_eq!(
        topic(s, &room),
        "SEV-1 | IC: tester | Deputy: bob | Scribe: ann"
    );
    let resolved = ok(&env, &["resolve", "--final-sev", "1"]);
    assert_eq!(deliveries(&resolved, "set_topic").len(), 1, "{resolved}");
    assert!(
        topic(s, &room).starts_with("[RESOLVED] SEV-1"),
        "{}",
        topic(s, &room)
    );

    let msgs = s.messages(&room, &s.bot_token);
    let b = bodies(&msgs);
    let once = |needle: &str| b.iter().filter(|m| m.contains(needle)).count();
    assert_eq!(once("Rolled back deploy 4411 @room"), 1, "{b:?}");
    assert_eq!(once("TODO: Alert on queue depth"), 1, "{b:?}");
    assert!(b.iter().any(|m| m.contains("SEV-1")), "{b:?}");
    assert!(
        msgs.iter().all(|m| m["content"]["m.mentions"] == json!({})),
        "{msgs:?}"
    );
    // Another responder (the reader) joins by alias and sees the same history.
    assert_eq!(s.reader_join(&alias).0, 200);
    assert_eq!(bodies(&s.messages(&room, &s.reader_token)), b);

    // The room id is kept in the journal as the provider reference.
    let shown = ok(&env, &["show", &inc]);
    assert!(shown.to_string().contains(&room), "{shown}");
    assert_no_token(&env, &s.bot_token, &[&verbose]);
}

#[test]
fn a_second_declare_with_the_same_alias_reuses_the_room() {
    let s = synapse();
    let env = env(s, "per_incident_room = true\n");
    let first = ok(&env, &["declare", "Search is slow", "--sev", "3"]);
    let second = ok(&env, &["declare", "Search is slow", "--sev", "3"]);
    let a = deliveries(&first, "create_room")[0];
    let b = deliveries(&second, "create_room")[0];
    assert_eq!(a["id"], b["id"], "the same room");
    let alias = format!("#inc-20261126-search-is-slow:{SERVER_NAME}");
    assert_eq!(b["note"], format!("reused the existing {alias}"), "{b}");
    let room = a["id"].as_str().unwrap();
    let msgs = s.messages(room, &s.bot_token);
    assert_eq!(
        msgs.len(),
        2,
        "one roster per declaration: {:?}",
        bodies(&msgs)
    );
    // Both rosters stay pinned: a pin adds to the room's pins.
    let pins = s.state(room, "m.room.pinned_events", &s.bot_token).unwrap();
    let ids: Vec<&Value> = msgs.iter().map(|m| &m["event_id"]).collect();
    assert_eq!(
        pins["pinned"]
            .as_array()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        ids
    );
}

#[test]
fn shared_room_and_exec_room_with_an_at_room_mention() {
    let s = synapse();
    let (shared, shared_id) = s.reader_room("ops-incidents");
    let (exec, exec_id) = s.reader_room("executive-summary-updates");
    let env = env(s, &format!("room = \"{shared}\"\nexec_room = \"{exec}\"\n"));
    let doc = ok(
        &env,
        &["declare", "Payments delayed", "--sev", "1", "--ic", "me"],
    );
    let joined = deliveries(&doc, "join_room");
    assert_eq!(joined[0]["id"], shared_id.as_str(), "{doc}");
    // A shared room keeps its own topic, and inc pins nothing there.
    assert!(deliveries(&doc, "set_topic").is_empty() && deliveries(&doc, "pin").is_empty());
    assert_eq!(s.state(&shared_id, "m.room.topic", &s.reader_token), None);
    ok(&env, &["note", "Failover started"]);
    ok(&env, &["sev", "1", "--final"]);
    assert_eq!(s.state(&shared_id, "m.room.topic", &s.reader_token), None);

    let update = ok(
        &env,
        &[
            "notify-exec",
            "--summary",
            "SEV-1: payments delayed",
            "--actions",
            "failover",
            "--impact",
            "EU card payments",
            "--eta",
            "30 min",
            "--yes",
        ],
    );
    // One post to the exec room, and one line in the incident room that carries the update
    // for the other responders.
    let posts = deliveries(&update, "post");
    assert_eq!(posts.len(), 2, "{update}");
    assert_eq!(
        posts
            .iter()
            .filter(|d| d["target"] == exec.as_str())
            .count(),
        1,
        "{update}"
    );

    // The reader, who owns both rooms, sees what the bot posted.
    let b = bodies(&s.messages(&shared_id, &s.reader_token));
    assert!(
        b[0].contains("Major incident declared: SEV-1 \"Payments delayed\""),
        "{b:?}"
    );
    assert_eq!(
        b.iter().filter(|m| m.contains("Failover started")).count(),
        1,
        "{b:?}"
    );
    let exec_msgs = s.messages(&exec_id, &s.reader_token);
    assert_eq!(exec_msgs.len(), 1);
    let c = &exec_msgs[0]["content"];
    assert_eq!(exec_msgs[0]["sender"], s.bot.as_str());
    assert_eq!(c["m.mentions"], json!({ "room": true }));
    let body = c["body"].as_str().unwrap();
    assert!(
        body.starts_with("@room Executive update: SEV-1 Payments delayed"),
        "{body}"
    );
    assert!(body.contains("Customer impact: EU card payments"), "{body}");
    assert!(
        c["formatted_body"].as_str().unwrap().contains("<strong>"),
        "{c}"
    );
}

#[test]
fn a_security_incident_gets_a_private_room_named_by_its_codename() {
    let s = synapse();
    let env = env(s, "per_incident_room = true\n");
    let doc = ok(
        &env,
        &["declare", "Leaked signing key", "--security", "--sev", "1"],
    );
    let codename = doc["incident"]["codename"]
        .as_str()
        .expect("codename")
        .to_string();
    let room = deliveries(&doc, "create_room")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let target = deliveries(&doc, "create_room")[0]["target"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!target.contains("leaked"), "{target}");
    let rules = s.state(&room, "m.room.join_rules", &s.bot_token).unwrap();
    assert_eq!(rules["join_rule"], "invite");
    assert_eq!(
        s.state(&room, "m.room.name", &s.bot_token).unwrap()["name"],
        codename.as_str()
    );
    assert!(
        topic(s, &room).starts_with("Attorney Work Project | SEV-1"),
        "{}",
        topic(s, &room)
    );
    // Nobody else can walk in, and nothing in the room names what happened.
    let alias = format!("{}:{SERVER_NAME}", target);
    let (status, err) = s.reader_join(&alias);
    assert_eq!(status, 403, "{err}");
    for m in bodies(&s.messages(&room, &s.bot_token)) {
        assert!(!m.contains("Leaked signing key"), "{m}");
    }
}

#[test]
fn a_bad_or_missing_token_names_the_variable_and_never_prints_the_token() {
    let s = synapse();
    let bad = "syt_aW5jYm90_NotARealTokenAtAll_0x1234";
    let mut env = env(s, "per_incident_room = true\n");
    env.set("MATRIX_ACCESS_TOKEN", bad);
    let o = run(&env, &["declare", "Bad token incident", "--sev", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("$MATRIX_ACCESS_TOKEN") && err.contains("inc doctor"),
        "{err}"
    );
    assert!(err.contains("M_UNKNOWN_TOKEN"), "{err}");
    assert_eq!(
        s.resolve(&format!("#inc-20261126-bad-token-incident:{SERVER_NAME}")),
        None
    );
    // The room is kept in the outbox (without the token), to be retried.
    let outbox = run(&env, &["outbox", "list", "--json"]);
    assert!(
        String::from_utf8_lossy(&outbox.stdout).contains("create_room"),
        "{}",
        text(&outbox)
    );

    let doctor = run(&env, &["doctor", "--json"]);
    assert_eq!(doctor.status.code(), Some(1), "{}", text(&doctor));
    let d: Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let row = d["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "matrix")
        .unwrap();
    assert_eq!(row["ok"], false);
    assert!(
        row["detail"]
            .as_str()
            .unwrap()
            .contains("$MATRIX_ACCESS_TOKEN"),
        "{row}"
    );
    let verbose = run(&env, &["note", "still failing", "-vv"]);
    assert_no_token(&env, bad, &[&o, &outbox, &doctor, &verbose]);

    // Unset: doctor says so.
    let mut unset = TestEnv::with_config(&format!("[matrix]\nhomeserver = \"{}\"\n", s.url));
    unset.set("INC_NOW", NOW);
    let doctor = run(&unset, &["doctor", "--json"]);
    assert_eq!(doctor.status.code(), Some(1));
    let d: Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let row = d["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "matrix")
        .unwrap();
    assert!(
        row["detail"]
            .as_str()
            .unwrap()
            .contains("$MATRIX_ACCESS_TOKEN is not set"),
        "{row}"
    );
}

#[test]
fn doctor_proves_the_token_with_whoami_and_resolves_the_rooms() {
    let s = synapse();
    let (exec, exec_id) = s.reader_room("doctor-exec");
    let env = env(
        s,
        &format!("exec_room = \"{exec}\"\nroom = \"#no-such-room:{SERVER_NAME}\"\n"),
    );
    let o = run(&env, &["doctor", "--json"]);
    let d: Value = serde_json::from_slice(&o.stdout).expect("json");
    let row = |name: &str| {
        d["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == name)
            .cloned()
            .unwrap()
    };
    let me = row("matrix");
    assert_eq!(me["ok"], true, "{d}");
    assert!(
        me["detail"]
            .as_str()
            .unwrap()
            .contains("whoami ok: @incbot:localhost"),
        "{me}"
    );
    assert!(
        me["detail"]
            .as_str()
            .unwrap()
            .contains("$MATRIX_ACCESS_TOKEN"),
        "{me}"
    );
    assert_eq!(row("matrix exec_room")["ok"], true);
    assert!(
        row("matrix exec_room")["detail"]
            .as_str()
            .unwrap()
            .contains(&exec_id)
    );
    assert_eq!(row("matrix room")["ok"], false, "{d}");
    assert_eq!(
        o.status.code(),
        Some(1),
        "a room that does not resolve fails doctor"
    );
    // Read-only: doctor joined nothing.
    let members = s.call(
        "GET",
        &format!(
            "/_matrix/client/v3/rooms/{}/joined_members",
            common::synapse::enc(&exec_id)
        ),
        &s.reader_token,
        None,
    );
    assert!(members["joined"].get(&s.bot).is_none(), "{members}");
    assert_no_token(&env, &s.bot_token, &[&o]);

    // --dry-run prints the requests, sends nothing, and shows no token.
    let dry = run(
        &env,
        &["declare", "Dry run only", "--sev", "2", "--dry-run"],
    );
    assert!(dry.status.success(), "{}", text(&dry));
    let out = String::from_utf8_lossy(&dry.stdout);
    assert!(out.contains("would send: matrix join_room"), "{out}");
    assert_no_token(&env, &s.bot_token, &[&dry]);
}
