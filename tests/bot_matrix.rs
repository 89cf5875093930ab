//! `inc bot` on Matrix, against the REAL Synapse the Matrix tests run (`common/synapse.rs`) and
//! the spec-validating PagerDuty fake: a human account types each command in a room; the bot
//! (the real binary, as an operator runs it) answers; the replies, the PagerDuty fake's
//! incidents and the journals of CLI responders are read back. Each test has its own bot and
//! human accounts, so tests sharing the server never see each other's rooms.

mod common;

use std::time::{Duration, Instant};

use common::botproc::{Bot, PATIENCE};
use common::cmd::TestEnv;
use common::pagerduty::{self as pd, FakePd};
use common::synapse::{SERVER_NAME, Synapse, User, enc, synapse};
use serde_json::{Value, json};

/// The config of a bot (and of CLI responders sharing its account): PagerDuty, Matrix with a
/// room per incident, `[bot]` with `bot` inside it, and `extra` tables after.
fn config(s: &Synapse, pd: &FakePd, bot: &str, extra: &str) -> String {
    format!(
        "{}\n[matrix]\nhomeserver = \"{}\"\nper_incident_room = true\n\n[bot]\n{bot}\n{extra}",
        pd.config(""),
        s.url
    )
}

/// A machine running inc with the bot's account (a bot, or a CLI responder of the team).
fn machine(s: &Synapse, pd: &FakePd, account: &User, bot: &str, extra: &str) -> TestEnv {
    let mut env = TestEnv::with_config(&config(s, pd, bot, extra));
    env.set("MATRIX_ACCESS_TOKEN", &account.token)
        .set("PAGERDUTY_TOKEN", pd::TOKEN);
    env
}

/// A room `owner` creates (public to the server) with an alias; `(alias, id)`.
fn room(s: &Synapse, owner: &User, local: &str) -> (String, String) {
    let local = format!("{local}-{}", fastrand::u32(..));
    let b = s.call(
        "POST",
        "/_matrix/client/v3/createRoom",
        &owner.token,
        Some(&json!({ "room_alias_name": local, "preset": "public_chat" })),
    );
    (
        format!("#{local}:{SERVER_NAME}"),
        b["room_id"].as_str().expect("room_id").to_string(),
    )
}

fn join(s: &Synapse, who: &User, room: &str) {
    s.call(
        "POST",
        &format!("/_matrix/client/v3/join/{}", enc(room)),
        &who.token,
        Some(&json!({})),
    );
}

/// `who` types `text` in `room`; the message's event id.
fn say(s: &Synapse, who: &User, room: &str, text: &str) -> String {
    say_content(s, who, room, json!({ "msgtype": "m.text", "body": text }))
}

fn say_content(s: &Synapse, who: &User, room: &str, content: Value) -> String {
    let path = format!(
        "/_matrix/client/v3/rooms/{}/send/m.room.message/t{}",
        enc(room),
        fastrand::u64(..)
    );
    s.call("PUT", &path, &who.token, Some(&content))["event_id"]
        .as_str()
        .expect("event_id")
        .to_string()
}

/// Every event of a room (oldest first), as `reader` sees it.
fn events(s: &Synapse, reader: &User, room: &str) -> Vec<Value> {
    let path = format!(
        "/_matrix/client/v3/rooms/{}/messages?dir=b&limit=500",
        enc(room)
    );
    let mut v: Vec<Value> = s.call("GET", &path, &reader.token, None)["chunk"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    v.reverse();
    v
}

/// The bot's replies to one command (not its edits).
fn replies(s: &Synapse, bot: &User, room: &str, cmd: &str) -> Vec<Value> {
    events(s, bot, room)
        .into_iter()
        .filter(|e| {
            e["type"] == "m.room.message"
                && e["sender"] == bot.id.as_str()
                && e["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == cmd
        })
        .collect()
}

fn body(e: &Value) -> String {
    e["content"]["body"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Waits until the bot has replied to `cmd` (`n` replies) and returns the replies.
fn wait_replies(s: &Synapse, bot: &User, room: &str, cmd: &str, n: usize, b: &Bot) -> Vec<Value> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let r = replies(s, bot, room, cmd);
        if r.len() >= n {
            return r;
        }
        assert!(
            Instant::now() < deadline,
            "no reply to {cmd} in {room}; the bot said:\n{}",
            b.text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wait_reply(s: &Synapse, bot: &User, room: &str, cmd: &str, b: &Bot) -> String {
    body(&wait_replies(s, bot, room, cmd, 1, b)[0])
}

/// Waits for a condition; `what` says what did not happen.
fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn inc(env: &TestEnv, args: &[&str]) -> std::process::Output {
    env.inc().args(args).output().expect("run inc")
}

fn ok_json(env: &TestEnv, args: &[&str]) -> Value {
    let o = env
        .inc()
        .args(args)
        .arg("--json")
        .output()
        .expect("run inc");
    assert!(
        o.status.success(),
        "inc {args:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("one JSON document")
}

/// Declares an incident from a CLI responder; the incident id and its Matrix room.
fn declare(env: &TestEnv, title: &str) -> (String, String) {
    let doc = ok_json(
        env,
        &["declare", title, "--sev", "2", "--ic", "ann@example.com"],
    );
    let id = doc["incident"]["id"].as_str().unwrap().to_string();
    let room = doc["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["provider"] == "matrix" && d["action"] == "create_room")
        .and_then(|d| d["id"].as_str())
        .expect("a room")
        .to_string();
    (id, room)
}

fn ic_pages(pd: &FakePd) -> Vec<Value> {
    pd.incidents()
        .into_iter()
        .filter(|i| i["service"]["id"] == "PICSRVC")
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn ic_page_in_a_shared_room_pages_both_ics_once_and_again_reports_the_open_page() {
    let s = synapse();
    let fake = FakePd::start().await;
    let (account, ann) = (s.user("incbot"), s.user("ann"));
    let (alias, room) = room(s, &ann, "incident-chat");
    let env = machine(s, &fake, &account, &format!("rooms = [\"{alias}\"]"), "");
    let mut bot = Bot::start(&env);

    let cmd = say(s, &ann, &room, "!ic page checkout is down for EU");
    let reply = wait_reply(s, &account, &room, &cmd, &bot);
    for want in [
        "IC page via PagerDuty: paged",
        "✔ primary Ann Primary",
        "✔ backup Bob Backup",
    ] {
        assert!(reply.contains(want), "{want:?} not in the reply:\n{reply}");
    }
    let pages = ic_pages(&fake);
    assert_eq!(pages.len(), 1, "one PagerDuty incident: {pages:?}");
    let assigned: Vec<&str> = pages[0]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["assignee"]["id"].as_str().unwrap())
        .collect();
    assert!(
        assigned.contains(&"PUANN01") && assigned.contains(&"PUBOB02"),
        "{assigned:?}"
    );
    assert!(
        pages[0]["title"]
            .as_str()
            .unwrap()
            .contains("checkout is down for EU")
    );

    let again = say(s, &ann, &room, "!IC PAGE");
    let reply = wait_reply(s, &account, &room, &again, &bot);
    assert!(reply.contains("nobody was paged twice"), "{reply}");
    assert!(
        reply.contains("Ann Primary") && reply.contains("Bob Backup"),
        "{reply}"
    );
    assert_eq!(ic_pages(&fake).len(), 1, "the second !ic page paged nobody");
    // The shared room's !status: each open incident in one line (the page opened one).
    let status = say(s, &ann, &room, "!status");
    let reply = wait_reply(s, &account, &room, &status, &bot);
    assert!(
        reply.contains("paging") && reply.contains("checkout is down for EU"),
        "{reply}"
    );
    // Each command answered once; the log has one line for each.
    assert_eq!(replies(s, &account, &room, &cmd).len(), 1);
    assert_eq!(replies(s, &account, &room, &again).len(), 1);
    assert!(bot.stop().success(), "{}", bot.text());
    let log = bot.text();
    assert_eq!(log.matches("\"ic page\": paged").count(), 1, "{log}");
    assert_eq!(
        log.matches("\"ic page\": already paged").count(),
        1,
        "{log}"
    );
    assert!(log.contains(&ann.id) && log.contains(&room), "{log}");
    assert!(
        !log.contains(&account.token) && !log.contains(pd::TOKEN),
        "a secret in the log"
    );
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn status_note_todo_sev_and_role_in_the_incident_room_reach_every_responder_once() {
    let s = synapse();
    let fake = FakePd::start().await;
    let (account, ann) = (s.user("incbot"), s.user("ann"));
    // Two responders of the team on their own machines, and the bot, on one account.
    let mut alice = machine(s, &fake, &account, "", "");
    alice.set("INC_USER", "alice@example.com");
    let mut bob = machine(s, &fake, &account, "", "");
    bob.set("INC_USER", "bob@example.com");
    let (id, room) = declare(&alice, "Checkout returns 500s");
    let attached = inc(&bob, &["attach", &room]);
    assert!(
        attached.status.success(),
        "{}",
        String::from_utf8_lossy(&attached.stderr)
    );
    join(s, &ann, &room);
    let env = machine(s, &fake, &account, "", "");
    let mut bot = Bot::start(&env);

    let status = say(s, &ann, &room, "!status");
    let reply = wait_reply(s, &account, &room, &status, &bot);
    for want in ["SEV-2", "Checkout returns 500s", &id, "ic: ann@example.com"] {
        assert!(reply.contains(want), "{want:?} not in:\n{reply}");
    }

    let note = say(s, &ann, &room, "!note rolled back deploy 4411");
    let reply = wait_reply(s, &account, &room, &note, &bot);
    assert!(
        reply.starts_with("✔") && reply.contains("rolled back deploy 4411"),
        "{reply}"
    );
    let todo = say(s, &ann, &room, "!todo alert on queue depth");
    wait_reply(s, &account, &room, &todo, &bot);
    let sev = say(s, &ann, &room, "!sev 1");
    let reply = wait_reply(s, &account, &room, &sev, &bot);
    assert!(reply.contains("SEV-2 → SEV-1"), "{reply}");
    let role = say(s, &ann, &room, "!role scribe carol@example.com");
    let reply = wait_reply(s, &account, &room, &role, &bot);
    assert!(reply.contains("carol@example.com is now Scribe"), "{reply}");
    // A pill names the user; its text is only a display name.
    let pill = say_content(
        s,
        &ann,
        &room,
        json!({ "msgtype": "m.text", "body": "!role deputy Dan",
                "format": "org.matrix.custom.html",
                "formatted_body": "!role deputy <a href=\"https://matrix.to/#/@dan:example.com\">Dan</a>" }),
    );
    let reply = wait_reply(s, &account, &room, &pill, &bot);
    assert!(reply.contains("@dan:example.com is now Deputy"), "{reply}");
    let lower = say(s, &ann, &room, "!sev 3");
    let reply = wait_reply(s, &account, &room, &lower, &bot);
    assert!(
        reply.starts_with("✘") && reply.contains("lower than the current SEV-1"),
        "{reply}"
    );

    // Every responder's timeline has each, once, authored by the sender.
    for env in [&alice, &bob] {
        let t = ok_json(env, &["timeline", &id]);
        let events = t["timeline"].as_array().unwrap();
        let notes: Vec<&Value> = events
            .iter()
            .filter(|e| e["event"] == "note" && e["text"] == "rolled back deploy 4411")
            .collect();
        assert_eq!(notes.len(), 1, "{t}");
        assert_eq!(notes[0]["by"], ann.id.as_str());
        let todos = events.iter().filter(|e| e["event"] == "todo").count();
        assert_eq!(todos, 1, "{t}");
        let s1 = events
            .iter()
            .filter(|e| e["event"] == "severity" && e["severity"] == "SEV-1")
            .count();
        assert_eq!(s1, 1, "{t}");
        let st = ok_json(env, &["status", "--incident", &id]);
        assert_eq!(st["incident"]["severity"], "SEV-1", "{st}");
        assert_eq!(st["incident"]["roles"]["scribe"][0], "carol@example.com");
    }
    // The note reached PagerDuty once, and the room holds one copy of it: the reply.
    let major = fake
        .incidents()
        .into_iter()
        .find(|i| i["service"]["id"] == "PMAJORS")
        .expect("the major incident");
    let notes = fake.notes_of(major["id"].as_str().unwrap());
    let mirrored = notes
        .iter()
        .filter(|n| {
            n["content"]
                .as_str()
                .unwrap_or("")
                .contains("rolled back deploy 4411")
        })
        .count();
    assert_eq!(mirrored, 1, "{notes:?}");
    let copies = events(s, &account, &room)
        .iter()
        .filter(|e| {
            body(e).contains("rolled back deploy 4411") && e["sender"] == account.id.as_str()
        })
        .count();
    assert_eq!(copies, 1, "the room has the note once (the reply)");
    assert!(bot.stop().success());
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sender_from_a_server_not_allowed_is_refused_with_nothing_sent() {
    let s = synapse();
    let fake = FakePd::start().await;
    let (account, ann) = (s.user("incbot"), s.user("ann"));
    let (alias, room) = room(s, &ann, "incident-chat");
    let env = machine(
        s,
        &fake,
        &account,
        &format!("rooms = [\"{alias}\"]\nallowed_servers = [\"example.com\"]"),
        "",
    );
    let mut bot = Bot::start(&env);
    let before = events(s, &account, &room).len();
    let cmd = say(s, &ann, &room, "!ic page");
    let reply = wait_reply(s, &account, &room, &cmd, &bot);
    assert!(
        reply.contains("refused") && reply.contains("example.com") && reply.contains(SERVER_NAME),
        "{reply}"
    );
    assert!(bot.stop().success());
    // One reply and nothing else: no page, no claim, no other event in the room.
    assert_eq!(fake.requests_of("POST /incidents"), 0);
    assert!(fake.incidents().is_empty());
    let after: Vec<Value> = events(s, &account, &room)
        .into_iter()
        .skip(before)
        .collect();
    let mine: Vec<&Value> = after
        .iter()
        .filter(|e| e["sender"] == account.id.as_str())
        .collect();
    assert_eq!(mine.len(), 1, "only the refusal: {mine:?}");
    assert!(bot.text().contains("refused"), "{}", bot.text());
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_start_begins_now_and_edits_quotes_and_its_own_messages_are_not_commands() {
    let s = synapse();
    let fake = FakePd::start().await;
    let (account, ann) = (s.user("incbot"), s.user("ann"));
    let (alias, room) = room(s, &ann, "incident-chat");
    join(s, &account, &room);
    // Typed before the bot ever ran: the past, never answered.
    let old = say(s, &ann, &room, "!help");
    let env = machine(s, &fake, &account, &format!("rooms = [\"{alias}\"]"), "");
    let mut bot = Bot::start(&env);
    // An edit that makes a message a command, a reply quoting a command, the bot's own
    // account typing one, and a message that is not a command.
    let plain = say(s, &ann, &room, "hello");
    say_content(
        s,
        &ann,
        &room,
        json!({ "msgtype": "m.text", "body": "* !ic page", "m.new_content": { "msgtype": "m.text", "body": "!ic page" },
                "m.relates_to": { "rel_type": "m.replace", "event_id": plain } }),
    );
    say_content(
        s,
        &ann,
        &room,
        json!({ "msgtype": "m.text", "body": format!("> <{}> !ic page\n\nthanks", ann.id),
                "m.relates_to": { "m.in_reply_to": { "event_id": plain } } }),
    );
    say(s, &account, &room, "!ic page");
    // Then a real command: once it is answered, everything before it was seen.
    let help = say(s, &ann, &room, "!help");
    let reply = wait_reply(s, &account, &room, &help, &bot);
    assert!(
        reply.contains("!ic page") && reply.contains("!status stalk"),
        "{reply}"
    );
    assert!(
        replies(s, &account, &room, &old).is_empty(),
        "the past was answered"
    );
    assert_eq!(
        fake.requests_of("POST /incidents"),
        0,
        "an edit, a quote or the bot paged"
    );
    let answered = events(s, &account, &room)
        .iter()
        .filter(|e| e["sender"] == account.id.as_str() && e["type"] == "m.room.message")
        .count();
    assert_eq!(answered, 2, "the bot's own !ic page, and the one reply");
    let unknown = say(s, &ann, &room, "!deploy now");
    let reply = wait_reply(s, &account, &room, &unknown, &bot);
    assert!(
        reply.contains("!deploy is not an inc command") && reply.contains("!ic page"),
        "{reply}"
    );
    assert!(bot.stop().success());
    fake.assert_clean();
}

/// The edits of one message, in the room's order, with their text.
fn edits(s: &Synapse, bot: &User, room: &str, of: &str) -> Vec<String> {
    events(s, bot, room)
        .iter()
        .filter(|e| {
            e["content"]["m.relates_to"]["rel_type"] == "m.replace"
                && e["content"]["m.relates_to"]["event_id"] == of
        })
        .map(|e| {
            e["content"]["m.new_content"]["body"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn stalk_edits_its_message_shows_a_cli_sev_within_an_interval_and_stop_ends_every_update() {
    let s = synapse();
    let fake = FakePd::start().await;
    let (account, ann) = (s.user("incbot"), s.user("ann"));
    let cadence = "[cadence]\nstatus_interval = \"1s\"\n";
    let alice = machine(s, &fake, &account, "", cadence);
    let (id, room) = declare(&alice, "Search is slow");
    join(s, &ann, &room);
    let env = machine(s, &fake, &account, "", cadence);
    let mut bot = Bot::start(&env);

    let cmd = say(s, &ann, &room, "!status stalk");
    let status = wait_replies(s, &account, &room, &cmd, 1, &bot)[0].clone();
    let status_id = status["event_id"].as_str().unwrap().to_string();
    assert!(
        body(&status).contains("kept current every 1s") && body(&status).contains(&id),
        "{}",
        body(&status)
    );
    wait_until("the stalk recorded in the room", || {
        s.state(&room, "org.inc.stalk", &account.token).is_some()
    });
    let state = s.state(&room, "org.inc.stalk", &account.token).unwrap();
    assert_eq!(state["active"], true);
    assert_eq!(state["message"], status_id.as_str());
    assert_eq!(state["incident"], id.as_str());
    wait_until("two edits of the status message", || {
        edits(s, &account, &room, &status_id).len() >= 2
    });

    // A responder raises the severity from the CLI: the next edits show it.
    let sev = inc(&alice, &["sev", "1"]);
    assert!(
        sev.status.success(),
        "{}",
        String::from_utf8_lossy(&sev.stderr)
    );
    let after = edits(s, &account, &room, &status_id).len();
    wait_until("an edit after `inc sev 1`", || {
        edits(s, &account, &room, &status_id).len() >= after + 2
    });
    let later = edits(s, &account, &room, &status_id);
    assert!(
        later[after..after + 2].iter().any(|e| e.contains("SEV-1")),
        "neither of the two edits after `inc sev 1` shows SEV-1: {:?}",
        &later[after..]
    );
    // A change the bot sees in PagerDuty is posted as a new message.
    let major = fake
        .incidents()
        .into_iter()
        .find(|i| i["service"]["id"] == "PMAJORS")
        .unwrap();
    fake.acknowledge(major["id"].as_str().unwrap(), "Ann Primary");
    wait_until("the acknowledgement posted as a change", || {
        events(s, &account, &room).iter().any(|e| {
            e["sender"] == account.id.as_str()
                && e["content"]["m.relates_to"].is_null()
                && body(e).contains("acknowledged by")
                && body(e).contains("Ann Primary")
        })
    });

    let stop = say(s, &ann, &room, "!status stalk stop");
    let reply = wait_reply(s, &account, &room, &stop, &bot);
    assert!(reply.contains("stalk stopped"), "{reply}");
    let state = s.state(&room, "org.inc.stalk", &account.token).unwrap();
    assert_eq!(state["active"], false, "{state}");
    let stopped = edits(s, &account, &room, &status_id);
    assert!(
        stopped.last().unwrap().contains("no longer kept current"),
        "{stopped:?}"
    );
    // Three intervals later, nothing more.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        edits(s, &account, &room, &status_id).len(),
        stopped.len(),
        "edited after the stop"
    );
    let again = say(s, &ann, &room, "!status stalk stop");
    assert!(wait_reply(s, &account, &room, &again, &bot).contains("nothing to stop"));
    assert!(bot.stop().success());
    fake.assert_clean();
}

/// Waits until every bot logged a line for `command` `n` times (acted, or left to another).
fn wait_logged(bots: &[&Bot], command: &str, n: usize) {
    let deadline = Instant::now() + PATIENCE;
    for b in bots {
        loop {
            let seen = b
                .lines()
                .iter()
                .filter(|l| l.contains(&format!("\"{command}\":")))
                .count();
            if seen >= n {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no line for {command}:\n{}",
                b.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_bots_answer_each_command_once_and_a_restarted_one_acts_on_nothing_twice() {
    let s = synapse();
    let fake = FakePd::start().await;
    let (account, ann) = (s.user("incbot"), s.user("ann"));
    let alice = machine(s, &fake, &account, "", "");
    let (id, room) = declare(&alice, "Payments degraded");
    join(s, &ann, &room);
    let bot_cfg = "max_age = \"3s\"";
    let (env_a, env_b) = (
        machine(s, &fake, &account, bot_cfg, ""),
        machine(s, &fake, &account, bot_cfg, ""),
    );
    let mut a = Bot::start(&env_a);
    let mut b = Bot::start(&env_b);
    let cmds = [
        ("status", say(s, &ann, &room, "!status")),
        ("note", say(s, &ann, &room, "!note cache flushed")),
        ("ic page", say(s, &ann, &room, "!ic page")),
        ("help", say(s, &ann, &room, "!help")),
        ("sev", say(s, &ann, &room, "!sev 1")),
    ];
    for (name, _) in &cmds {
        wait_logged(&[&a, &b], name, 1);
    }
    let count = |name: &str| {
        let acted = |bot: &Bot| {
            bot.lines()
                .iter()
                .filter(|l| l.contains(&format!("\"{name}\":")) && !l.contains("answered by"))
                .count()
        };
        acted(&a) + acted(&b)
    };
    for (name, cmd) in &cmds {
        assert_eq!(
            replies(s, &account, &room, cmd).len(),
            1,
            "{name} answered once"
        );
        assert_eq!(
            count(name),
            1,
            "{name} acted on by one bot:\n{}\n---\n{}",
            a.text(),
            b.text()
        );
    }
    assert_eq!(ic_pages(&fake).len(), 1, "one page");
    let major_id = fake
        .incidents()
        .into_iter()
        .find(|i| i["service"]["id"] == "PMAJORS")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let pd_notes = |text: &str| {
        fake.notes_of(&major_id)
            .iter()
            .filter(|n| n["content"].as_str().unwrap_or("").contains(text))
            .count()
    };
    assert_eq!(pd_notes("cache flushed"), 1);
    assert!(a.stop().success() && b.stop().success());

    // While both are down: one command that will be old when a bot is back, one fresh.
    let old = say(s, &ann, &room, "!ic page nobody answered");
    std::thread::sleep(Duration::from_secs(4));
    let fresh = say(s, &ann, &room, "!todo check the dashboards");
    let mut a = Bot::start(&env_a);
    let reply = wait_reply(s, &account, &room, &old, &a);
    assert!(
        reply.contains("missed while inc bot was away") && reply.contains("type it again"),
        "{reply}"
    );
    wait_replies(s, &account, &room, &fresh, 1, &a);
    wait_logged(&[&a], "todo", 1);
    assert!(a.stop().success());
    // The other one comes back with an older token: it sees all of it again, and acts on none.
    let mut b = Bot::start(&env_b);
    let probe = say(s, &ann, &room, "!help");
    wait_replies(s, &account, &room, &probe, 1, &b);
    assert!(b.stop().success());
    for (name, cmd) in &cmds {
        assert_eq!(
            replies(s, &account, &room, cmd).len(),
            1,
            "{name} answered again"
        );
    }
    assert_eq!(replies(s, &account, &room, &old).len(), 1);
    assert_eq!(replies(s, &account, &room, &fresh).len(), 1);
    assert_eq!(ic_pages(&fake).len(), 1, "an old !ic page paged");
    assert_eq!(pd_notes("cache flushed"), 1);
    assert_eq!(
        pd_notes("check the dashboards"),
        1,
        "{}\n---\n{}",
        a.text(),
        b.text()
    );
    let t = ok_json(&alice, &["timeline", &id]);
    let todos = t["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "todo")
        .count();
    assert_eq!(todos, 1, "{t}");
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_while_a_page_is_in_flight_finishes_the_page_and_its_reply_and_exits_0() {
    let s = synapse();
    let fake = FakePd::start().await;
    let (account, ann) = (s.user("incbot"), s.user("ann"));
    let (alias, room) = room(s, &ann, "incident-chat");
    let mut env = machine(s, &fake, &account, &format!("rooms = [\"{alias}\"]"), "");
    env.set("INC_DELIVERY_TIMEOUT", "5s");
    let mut bot = Bot::start(&env);
    // PagerDuty takes the page, and answers only after 1.5 s.
    fake.fault(pd::Fault::SlowAfterWrite(Duration::from_millis(1500)));
    let cmd = say(s, &ann, &room, "!ic page");
    wait_until("the page to reach PagerDuty", || {
        fake.requests_of("POST /incidents") == 1
    });
    let status = bot.stop();
    assert!(status.success(), "{status:?}\n{}", bot.text());
    assert!(
        bot.text().contains("stopping; 1 command in flight"),
        "{}",
        bot.text()
    );
    let reply = replies(s, &account, &room, &cmd);
    assert_eq!(
        reply.len(),
        1,
        "the reply was posted before the exit:\n{}",
        bot.text()
    );
    assert!(body(&reply[0]).contains("paged"), "{}", body(&reply[0]));
    assert_eq!(ic_pages(&fake).len(), 1);
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_sync_waits_what_the_homeserver_asks_then_answers() {
    use common::faultproxy::{Fault, FaultProxy};
    let s = synapse();
    let fake = FakePd::start().await;
    let proxy = FaultProxy::start(&s.url).await;
    let (account, ann) = (s.user("incbot"), s.user("ann"));
    let (alias, room) = room(s, &ann, "incident-chat");
    let mut env = TestEnv::with_config(&format!(
        "{}\n[matrix]\nhomeserver = \"{}\"\n\n[bot]\nrooms = [\"{alias}\"]\n",
        fake.config(""),
        proxy.uri()
    ));
    env.set("MATRIX_ACCESS_TOKEN", &account.token)
        .set("PAGERDUTY_TOKEN", pd::TOKEN);
    let limited =
        r#"{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":2000}"#;
    proxy.arm(
        "GET",
        "/_matrix/client/v3/sync",
        Fault::answer(429, limited).with_header("Retry-After", "2"),
        1,
    );
    let mut bot = Bot::start(&env);
    let line = bot.wait_line(|l| l.contains("M_LIMIT_EXCEEDED"), "the rate limit");
    assert!(line.contains("trying again in 2 s"), "{line}");
    // The first start begins at the first answer: what is typed after it is answered.
    bot.wait_line(|l| l.contains("works again"), "the sync to work again");
    let cmd = say(s, &ann, &room, "!help");
    wait_reply(s, &account, &room, &cmd, &bot);
    let syncs = proxy.seen("GET", "/_matrix/client/v3/sync");
    assert!(syncs.len() >= 2, "{syncs:?}");
    let waited = syncs[1].at.duration_since(syncs[0].at);
    assert!(
        waited >= Duration::from_millis(1900),
        "the next /sync came after {waited:?}"
    );
    assert!(bot.stop().success());
    fake.assert_clean();
}

/// The holders named by the heartbeats of a message's edits, in the room's order.
fn beats(s: &Synapse, bot: &User, room: &str, of: &str) -> Vec<String> {
    events(s, bot, room)
        .iter()
        .filter(|e| {
            e["content"]["m.relates_to"]["rel_type"] == "m.replace"
                && e["content"]["m.relates_to"]["event_id"] == of
        })
        .filter_map(|e| {
            e["content"]["org.inc.stalk"]["holder"]
                .as_str()
                .map(str::to_string)
        })
        .collect()
}

fn instance(env: &TestEnv) -> String {
    std::fs::read_to_string(env.state.join("bot").join("instance"))
        .expect("the bot's instance name")
        .trim()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_bot_carries_the_stalk_on_when_its_holder_dies_and_only_one_edits() {
    let s = synapse();
    let fake = FakePd::start().await;
    let (account, ann) = (s.user("incbot"), s.user("ann"));
    let cadence = "[cadence]\nstatus_interval = \"1s\"\n";
    let alice = machine(s, &fake, &account, "", cadence);
    let (_, room) = declare(&alice, "Login fails");
    join(s, &ann, &room);
    let envs = [
        machine(s, &fake, &account, "", cadence),
        machine(s, &fake, &account, "", cadence),
    ];
    let mut bots = [Bot::start(&envs[0]), Bot::start(&envs[1])];
    let names = [instance(&envs[0]), instance(&envs[1])];
    let cmd = say(s, &ann, &room, "!status stalk");
    let status = wait_replies(s, &account, &room, &cmd, 1, &bots[0])[0]["event_id"]
        .as_str()
        .unwrap()
        .to_string();
    wait_until("three heartbeats", || {
        beats(s, &account, &room, &status).len() >= 3
    });
    let held = beats(s, &account, &room, &status);
    let holder = names
        .iter()
        .position(|n| *n == held[0])
        .expect("a bot of ours holds it");
    assert!(
        held.iter().all(|h| *h == held[0]),
        "two bots edited: {held:?}"
    );

    // The holder dies; the other takes the stalk over and keeps editing the same message.
    bots[holder].kill();
    let other = 1 - holder;
    wait_until("the other bot to take the stalk over", || {
        s.state(&room, "org.inc.stalk", &account.token)
            .is_some_and(|st| st["holder"] == names[other].as_str())
    });
    let before = beats(s, &account, &room, &status).len();
    wait_until("edits by the new holder", || {
        beats(s, &account, &room, &status).len() >= before + 2
    });
    assert!(
        beats(s, &account, &room, &status)[before..]
            .iter()
            .all(|h| *h == names[other]),
        "{:?}",
        beats(s, &account, &room, &status)
    );
    assert!(
        bots[other].text().contains("took over the stalk"),
        "{}",
        bots[other].text()
    );

    // The dead one comes back (the same instance): the room names another holder; it stays quiet.
    bots[holder] = Bot::start(&envs[holder]);
    let probe = say(s, &ann, &room, "!help");
    wait_replies(s, &account, &room, &probe, 1, &bots[other]);
    let mark = beats(s, &account, &room, &status).len();
    wait_until("more edits", || {
        beats(s, &account, &room, &status).len() >= mark + 3
    });
    let after = beats(s, &account, &room, &status);
    assert!(
        after[mark..].iter().all(|h| *h == names[other]),
        "{after:?}"
    );
    for b in &mut bots {
        assert!(b.stop().success());
    }
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_responder_with_their_own_account_invites_the_bot_to_the_incident_room() {
    let s = synapse();
    let fake = FakePd::start().await;
    let (account, ann) = (s.user("incbot"), s.user("ann"));
    // Ann's inc posts as Ann: the room is hers, and the bot is not in it.
    let alice = machine(s, &fake, &ann, "", "");
    let (id, room) = declare(&alice, "Thumbnails missing");
    let env = machine(s, &fake, &account, "", "");
    let mut bot = Bot::start(&env);
    s.call(
        "POST",
        &format!("/_matrix/client/v3/rooms/{}/invite", enc(&room)),
        &ann.token,
        Some(&json!({ "user_id": account.id })),
    );
    bot.wait_line(
        |l| l.contains("joined") && l.contains(&room),
        "the bot to join",
    );
    let cmd = say(s, &ann, &room, "!status");
    let reply = wait_reply(s, &account, &room, &cmd, &bot);
    assert!(
        reply.contains("Thumbnails missing") && reply.contains(&id),
        "{reply}"
    );
    assert!(bot.stop().success());
    fake.assert_clean();
}
