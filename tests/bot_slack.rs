//! `inc bot` on Slack, the real binary, against the local Socket Mode fake (`common/socketmode.rs`:
//! Socket Mode has no machine-readable description; its frames are written from Slack's
//! documentation, see tests/specs/SOURCES.md) served by the spec-validating Slack Web API fake,
//! and the PagerDuty fake. A person types in a channel (the message lands there and its event
//! goes out to one of the app's sockets, as Slack does); the replies, reactions, pages and a CLI
//! responder's journal are read back.

mod common;

use std::time::{Duration, Instant};

use common::botproc::{Bot, PATIENCE};
use common::cmd::TestEnv;
use common::pagerduty::{self as pd, FakePd};
use common::slack::{APP_TOKEN, FakeSlack, Message, TOKEN};
use common::socketmode::SocketMode;
use serde_json::Value;

struct Rig {
    slack: FakeSlack,
    sm: SocketMode,
    pd: FakePd,
    /// `#incident-chat`, the shared channel of `[bot] rooms`.
    chat: String,
}

impl Rig {
    async fn new() -> Rig {
        let slack = FakeSlack::start().await;
        let sm = SocketMode::start().await;
        slack.serve_socket_mode(&sm);
        let chat = slack.add_channel("incident-chat", false, true);
        Rig {
            slack,
            sm,
            pd: FakePd::start().await,
            chat,
        }
    }

    /// A machine with the team's config (the bot, or a CLI responder): `bot` inside `[bot]`.
    fn machine(&self, bot: &str, extra: &str) -> TestEnv {
        self.machine_in("per_incident_channel = true", bot, extra)
    }

    /// The same, with `slack` inside `[slack]`.
    fn machine_in(&self, slack: &str, bot: &str, extra: &str) -> TestEnv {
        let mut env = TestEnv::with_config(&format!(
            "{}\n[slack]\napi_url = \"{}\"\n{slack}\n\n[bot]\nrooms = [\"#incident-chat\"]\n{bot}\n{extra}",
            self.pd.config(""),
            self.slack.api_url()
        ));
        env.set("SLACK_BOT_TOKEN", TOKEN)
            .set("SLACK_APP_TOKEN", APP_TOKEN)
            .set("PAGERDUTY_TOKEN", pd::TOKEN);
        env
    }

    /// `user` types `text` in `channel`: the message's ts.
    fn say(&self, channel: &str, user: &str, text: &str) -> String {
        self.slack
            .type_message(&self.sm, channel, user, text, None)
            .0
    }

    /// The bot's replies in the thread of `ts`.
    fn replies(&self, channel: &str, ts: &str) -> Vec<Message> {
        self.slack
            .messages(channel)
            .into_iter()
            .filter(|m| m.user == "UBOT" && m.thread_ts.as_deref() == Some(ts))
            .collect()
    }

    fn wait_reply(&self, channel: &str, ts: &str, bot: &Bot) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(m) = self.replies(channel, ts).first() {
                return m.text.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no reply to {ts} in {channel}; the bot said:\n{}",
                bot.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn ic_pages(&self) -> Vec<Value> {
        self.pd
            .incidents()
            .into_iter()
            .filter(|i| i["service"]["id"] == "PICSRVC")
            .collect()
    }
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
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

#[tokio::test(flavor = "multi_thread")]
async fn ic_page_in_a_shared_channel_pages_once_in_the_thread_and_again_reports_the_open_page() {
    let rig = Rig::new().await;
    let env = rig.machine("", "");
    let mut bot = Bot::start(&env);
    let ts = rig.say(&rig.chat, "UHUMAN", "!ic page checkout is down");
    let reply = rig.wait_reply(&rig.chat, &ts, &bot);
    for want in [
        "IC page via PagerDuty: paged",
        "✔ primary Ann Primary",
        "✔ backup Bob Backup",
    ] {
        assert!(reply.contains(want), "{want:?} not in:\n{reply}");
    }
    assert!(
        reply.starts_with("<@UHUMAN>"),
        "the reply mentions the sender: {reply}"
    );
    assert_eq!(
        rig.slack.reactions(&rig.chat, &ts),
        ["eyes"],
        "claimed once"
    );
    assert_eq!(rig.ic_pages().len(), 1);
    let again = rig.say(&rig.chat, "UHUMAN", "!ic page");
    let reply = rig.wait_reply(&rig.chat, &again, &bot);
    assert!(reply.contains("nobody was paged twice"), "{reply}");
    assert_eq!(rig.ic_pages().len(), 1, "the second !ic page paged nobody");
    let status = rig.say(&rig.chat, "UHUMAN", "!status");
    let reply = rig.wait_reply(&rig.chat, &status, &bot);
    assert!(
        reply.contains("paging") && reply.contains("checkout is down"),
        "{reply}"
    );
    // The page's incident is authored by the sender's Slack email.
    let inc = std::fs::read_to_string(env.state.join("current")).unwrap();
    let t = ok_json(&env, &["timeline", inc.trim()]);
    let paging = t["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "paging")
        .cloned()
        .expect("the page's incident");
    assert_eq!(paging["by"], "hugo@example.com", "{t}");
    assert!(bot.stop().success());
    for ts in [&ts, &again, &status] {
        assert_eq!(rig.replies(&rig.chat, ts).len(), 1);
    }
    assert!(!bot.text().contains(APP_TOKEN) && !bot.text().contains(TOKEN));
    rig.pd.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_envelope_redelivered_with_retry_attempt_is_acted_on_once() {
    let rig = Rig::new().await;
    let env = rig.machine("", "");
    let mut bot = Bot::start(&env);
    // Slack never hears the first ack: it sends the envelope again with retry_attempt 1.
    rig.sm.set_ack_deadline(Duration::from_millis(400));
    rig.sm.lose_next_acks(1);
    let (ts, envelope) = rig
        .slack
        .type_message(&rig.sm, &rig.chat, "UHUMAN", "!ic page", None);
    rig.sm
        .wait_until("the redelivery", |sm| {
            sm.envelope(&envelope).deliveries.len() >= 2
        })
        .await;
    rig.wait_reply(&rig.chat, &ts, &bot);
    bot.wait_line(
        |l| l.contains("answered before (delivery 2)") || l.contains("answered by"),
        "the redelivery to be dropped",
    );
    assert!(bot.stop().success());
    assert_eq!(rig.replies(&rig.chat, &ts).len(), 1);
    assert_eq!(rig.ic_pages().len(), 1);
    assert_eq!(rig.pd.requests_of("POST /incidents"), 1, "paged once");
    rig.pd.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn warning_then_refresh_requested_loses_no_command_typed_in_between() {
    let rig = Rig::new().await;
    let env = rig.machine("", "");
    let mut bot = Bot::start(&env);
    wait_until("a socket", || !rig.sm.open().is_empty());
    let first = rig.sm.open()[0];
    rig.sm.disconnect(first, "warning");
    let between = rig.say(&rig.chat, "UHUMAN", "!help");
    rig.sm.disconnect(first, "refresh_requested");
    let after = rig.say(&rig.chat, "UHUMAN", "!status");
    assert!(
        rig.wait_reply(&rig.chat, &between, &bot)
            .contains("!ic page")
    );
    rig.wait_reply(&rig.chat, &after, &bot);
    assert!(rig.sm.connections() >= 2, "a fresh socket for the refresh");
    assert!(bot.stop().success());
    assert_eq!(rig.replies(&rig.chat, &between).len(), 1);
    assert_eq!(rig.replies(&rig.chat, &after).len(), 1);
    rig.pd.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn two_bots_on_one_app_answer_each_envelope_once() {
    let rig = Rig::new().await;
    let (a_env, b_env) = (rig.machine("", ""), rig.machine("", ""));
    let mut a = Bot::start(&a_env);
    let mut b = Bot::start(&b_env);
    wait_until("two sockets", || rig.sm.open().len() >= 2);
    let mut typed = Vec::new();
    for text in [
        "!help", "!ic page", "!status", "!help", "!ic page", "!unknown", "!help", "!status",
    ] {
        typed.push(rig.say(&rig.chat, "UHUMAN", text));
    }
    for ts in &typed {
        rig.wait_reply(&rig.chat, ts, &a);
    }
    // Slack handed the envelopes to both sockets; each was answered once.
    let lines = |bot: &Bot| bot.lines().iter().filter(|l| l.contains("UHUMAN")).count();
    assert!(
        lines(&a) >= 1 && lines(&b) >= 1,
        "both bots got envelopes:\n{}\n---\n{}",
        a.text(),
        b.text()
    );
    assert!(a.stop().success() && b.stop().success());
    for ts in &typed {
        assert_eq!(rig.replies(&rig.chat, ts).len(), 1, "{ts} answered once");
    }
    assert_eq!(rig.ic_pages().len(), 1);
    rig.pd.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_is_refused_with_one_reply_and_nothing_else_sent() {
    let rig = Rig::new().await;
    let env = rig.machine("", "");
    let mut bot = Bot::start(&env);
    let before = rig.slack.messages(&rig.chat).len();
    let ts = rig.say(&rig.chat, "UGUEST", "!ic page");
    let reply = rig.wait_reply(&rig.chat, &ts, &bot);
    assert!(
        reply.contains("refused") && reply.contains("guest"),
        "{reply}"
    );
    assert!(bot.stop().success());
    assert!(
        rig.slack.reactions(&rig.chat, &ts).is_empty(),
        "no claim for a refusal"
    );
    assert_eq!(rig.pd.requests_of("POST /incidents"), 0);
    // The guest's message and the one reply.
    assert_eq!(rig.slack.messages(&rig.chat).len(), before + 2);
    // With allow_guests, the same guest may page.
    let env = rig.machine("allow_guests = true", "");
    let mut bot = Bot::start(&env);
    let ts = rig.say(&rig.chat, "UGUEST", "!ic page");
    assert!(rig.wait_reply(&rig.chat, &ts, &bot).contains("paged"));
    assert!(bot.stop().success());
    rig.pd.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn note_sev_and_status_in_an_incident_channel_reach_a_cli_responder_once() {
    let rig = Rig::new().await;
    let mut alice = rig.machine("", "");
    alice.set("INC_USER", "alice@example.com");
    let doc = ok_json(
        &alice,
        &[
            "declare",
            "Search is down",
            "--sev",
            "2",
            "--ic",
            "ann@example.com",
        ],
    );
    let id = doc["incident"]["id"].as_str().unwrap().to_string();
    let channel = doc["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["provider"] == "slack" && d["action"] == "create_channel")
        .and_then(|d| d["id"].as_str())
        .unwrap()
        .to_string();
    // The bot's own machine has never seen the incident: it finds it from the channel's record.
    let env = rig.machine("", "");
    let mut bot = Bot::start(&env);
    let status = rig.say(&channel, "UHUMAN", "!status");
    let reply = rig.wait_reply(&channel, &status, &bot);
    assert!(
        reply.contains("Search is down") && reply.contains(&id),
        "{reply}"
    );
    let note = rig.say(&channel, "UHUMAN", "!note index rebuilt");
    assert!(
        rig.wait_reply(&channel, &note, &bot)
            .contains("index rebuilt")
    );
    let sev = rig.say(&channel, "UHUMAN", "!sev 1");
    assert!(
        rig.wait_reply(&channel, &sev, &bot)
            .contains("SEV-2 → SEV-1")
    );
    let role = rig.say(&channel, "UHUMAN", "!role scribe <@UBOB>");
    assert!(
        rig.wait_reply(&channel, &role, &bot)
            .contains("bob@example.com is now Scribe")
    );
    assert!(bot.stop().success());
    let t = ok_json(&alice, &["timeline", &id]);
    let events = t["timeline"].as_array().unwrap();
    let notes: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "note" && e["text"] == "index rebuilt")
        .collect();
    assert_eq!(notes.len(), 1, "{t}");
    assert_eq!(notes[0]["by"], "hugo@example.com");
    let st = ok_json(&alice, &["status"]);
    assert_eq!(st["incident"]["severity"], "SEV-1");
    assert_eq!(st["incident"]["roles"]["scribe"][0], "bob@example.com");
    // The channel has the note once: the reply, which carries its event.
    let copies: Vec<Message> = rig
        .slack
        .messages(&channel)
        .into_iter()
        .filter(|m| m.user == "UBOT" && m.text.contains("index rebuilt"))
        .collect();
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].metadata["event_type"], "inc_event");
    rig.pd.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn stalk_keeps_a_status_message_in_the_channel_shows_a_cli_sev_and_stop_ends_it() {
    let rig = Rig::new().await;
    let cadence = "[cadence]\nstatus_interval = \"1s\"\n";
    let alice = rig.machine("", cadence);
    let doc = ok_json(&alice, &["declare", "Uploads fail", "--sev", "2"]);
    let channel = doc["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["provider"] == "slack" && d["action"] == "create_channel")
        .and_then(|d| d["id"].as_str())
        .unwrap()
        .to_string();
    let env = rig.machine("", cadence);
    let mut bot = Bot::start(&env);
    let cmd = rig.say(&channel, "UHUMAN", "!status stalk");
    assert!(rig.wait_reply(&channel, &cmd, &bot).contains("stalking"));
    let status = || {
        rig.slack
            .messages(&channel)
            .into_iter()
            .find(|m| m.metadata["event_type"] == "inc_stalk")
    };
    wait_until("the status message", || status().is_some());
    wait_until("two edits", || status().unwrap().edits >= 2);
    let sev = alice.inc().args(["sev", "1"]).output().unwrap();
    assert!(sev.status.success());
    let after = status().unwrap().edits;
    wait_until("the edit that shows SEV-1", || {
        let m = status().unwrap();
        m.text.contains("SEV-1") || m.edits > after + 2
    });
    assert!(
        status().unwrap().text.contains("SEV-1"),
        "two edits after `inc sev 1` and still: {}",
        status().unwrap().text
    );
    let stop = rig.say(&channel, "UHUMAN", "!status stalk stop");
    assert!(
        rig.wait_reply(&channel, &stop, &bot)
            .contains("stalk stopped")
    );
    let stopped = status().unwrap();
    assert_eq!(
        stopped.metadata["event_payload"]["active"], false,
        "{:?}",
        stopped.metadata
    );
    assert!(
        stopped.text.contains("no longer kept current"),
        "{}",
        stopped.text
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        status().unwrap().edits,
        stopped.edits,
        "edited after the stop"
    );
    assert!(bot.stop().success());
    rig.pd.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_while_a_page_is_in_flight_finishes_the_page_and_its_reply_and_exits_0() {
    let rig = Rig::new().await;
    let mut env = rig.machine("", "");
    env.set("INC_DELIVERY_TIMEOUT", "5s");
    let mut bot = Bot::start(&env);
    rig.pd
        .fault(pd::Fault::SlowAfterWrite(Duration::from_millis(1500)));
    let ts = rig.say(&rig.chat, "UHUMAN", "!ic page");
    wait_until("the page to reach PagerDuty", || {
        rig.pd.requests_of("POST /incidents") == 1
    });
    let status = bot.interrupt();
    assert!(status.success(), "{status:?}\n{}", bot.text());
    assert!(
        bot.text().contains("stopping; 1 command in flight"),
        "{}",
        bot.text()
    );
    let replies = rig.replies(&rig.chat, &ts);
    assert_eq!(replies.len(), 1, "{}", bot.text());
    assert!(replies[0].text.contains("paged"), "{}", replies[0].text);
    assert_eq!(rig.ic_pages().len(), 1);
    rig.pd.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_bot_setup_is_one_line_exit_78_and_nothing_sent() {
    let rig = Rig::new().await;
    let run = |env: &TestEnv| env.inc().arg("bot").output().expect("run inc bot");
    let line = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).trim().to_string();
    let o = run(&rig.machine("prefix = \"go\"", ""));
    assert_eq!(o.status.code(), Some(78), "{}", line(&o));
    assert!(line(&o).contains("bot.prefix"), "{}", line(&o));
    let mut env = rig.machine("", "");
    env.vars.retain(|(k, _)| k != "SLACK_APP_TOKEN");
    let o = run(&env);
    assert_eq!(o.status.code(), Some(78), "{}", line(&o));
    assert!(
        line(&o).contains("$SLACK_APP_TOKEN is not set"),
        "{}",
        line(&o)
    );
    let mut env = rig.machine("", "");
    env.set("SLACK_APP_TOKEN", "xapp-not-the-app-token");
    let o = run(&env);
    assert_eq!(o.status.code(), Some(78), "{}", line(&o));
    assert!(
        !line(&o).contains("xapp-not-the-app-token"),
        "the token was printed: {}",
        line(&o)
    );
    let none = TestEnv::with_config("[bot]\n");
    let o = run(&none);
    assert_eq!(o.status.code(), Some(78), "{}", line(&o));
    assert!(
        line(&o).contains("[matrix]") && line(&o).contains("[slack]"),
        "{}",
        line(&o)
    );
    // One bot per state dir: a second one on it is refused, the first goes on.
    let env = rig.machine("", "");
    let mut bot = Bot::start(&env);
    let o = run(&env);
    assert_eq!(o.status.code(), Some(78), "{}", line(&o));
    assert!(line(&o).contains("another `inc bot`"), "{}", line(&o));
    let ts = rig.say(&rig.chat, "UHUMAN", "!help");
    rig.wait_reply(&rig.chat, &ts, &bot);
    assert!(bot.stop().success());
    assert_eq!(rig.slack.calls("chat.postMessage"), 1, "only the one reply");
    assert_eq!(rig.pd.requests_of("POST /incidents"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_proves_the_app_token_and_manifest_prints_the_app() {
    let rig = Rig::new().await;
    let env = rig.machine("", "");
    let doc = ok_json(&env, &["doctor"]);
    let row = |name: &str| {
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} row: {doc}"))
    };
    assert_eq!(row("bot slack app")["ok"], true, "{doc}");
    assert!(
        row("bot slack app")["detail"]
            .as_str()
            .unwrap()
            .contains("$SLACK_APP_TOKEN")
    );
    assert_eq!(row("bot room")["ok"], true, "{doc}");
    assert!(
        row("bot")["detail"]
            .as_str()
            .unwrap()
            .contains("max_age 2m"),
        "{doc}"
    );
    let mut env = rig.machine("", "");
    env.set("SLACK_APP_TOKEN", "xapp-wrong");
    let o = env.inc().args(["doctor", "--json"]).output().unwrap();
    assert!(!o.status.success());
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let bad = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "bot slack app")
        .unwrap()
        .clone();
    assert_eq!(bad["ok"], false, "{doc}");
    assert!(
        !doc.to_string().contains("xapp-wrong"),
        "the token was printed"
    );
    let o = env
        .inc()
        .args(["bot", "manifest", "--name", "Acme inc"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let yaml = String::from_utf8_lossy(&o.stdout);
    for want in [
        "socket_mode_enabled: true",
        "reactions:write",
        "message.channels",
        "message.groups",
        "app_mention",
        "Acme inc",
        "INTERNAL",
    ] {
        assert!(yaml.contains(want), "{want:?} not in the manifest:\n{yaml}");
    }
    assert_eq!(rig.slack.calls("chat.postMessage"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn in_the_shared_incident_channel_a_command_finds_the_incident_declared_there() {
    let rig = Rig::new().await;
    let slack = "per_incident_channel = false\nchannel = \"#incident-chat\"";
    let mut alice = rig.machine_in(slack, "", "");
    alice.set("INC_USER", "alice@example.com");
    let doc = ok_json(&alice, &["declare", "Billing lags", "--sev", "3"]);
    let id = doc["incident"]["id"].as_str().unwrap().to_string();
    // The bot's machine has never heard of it; the channel's record names it.
    let env = rig.machine_in(slack, "", "");
    let mut bot = Bot::start(&env);
    let ts = rig.say(&rig.chat, "UHUMAN", "!note queue drained");
    let reply = rig.wait_reply(&rig.chat, &ts, &bot);
    assert!(reply.contains("queue drained"), "{reply}\n{}", bot.text());
    let status = rig.say(&rig.chat, "UHUMAN", "!status");
    assert!(
        rig.wait_reply(&rig.chat, &status, &bot)
            .contains("Billing lags")
    );
    assert!(bot.stop().success());
    let t = ok_json(&alice, &["timeline", &id]);
    let notes = t["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "note" && e["text"] == "queue drained")
        .count();
    assert_eq!(notes, 1, "{t}");
    rig.pd.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn pagers_narrow_ic_page_and_the_roster_says_do_ic_page_here() {
    let rig = Rig::new().await;
    let env = rig.machine("pagers = [\"ann@example.com\"]", "");
    let mut bot = Bot::start(&env);
    let ts = rig.say(&rig.chat, "UHUMAN", "!ic page");
    let reply = rig.wait_reply(&rig.chat, &ts, &bot);
    assert!(
        reply.contains("refused") && reply.contains("[bot] pagers"),
        "{reply}"
    );
    assert_eq!(rig.pd.requests_of("POST /incidents"), 0);
    // Ann is one of them; anyone may still ask for the status.
    let ts = rig.say(&rig.chat, "UANN", "!ic page");
    assert!(
        rig.wait_reply(&rig.chat, &ts, &bot)
            .contains("✔ primary Ann Primary")
    );
    let ts = rig.say(&rig.chat, "UHUMAN", "!status");
    assert!(!rig.wait_reply(&rig.chat, &ts, &bot).contains("refused"));
    assert!(bot.stop().success());
    assert_eq!(rig.ic_pages().len(), 1);
    // Where the bot serves the room, the declaration's contact summary says so.
    let cli = rig.machine("", "");
    let doc = ok_json(&cli, &["declare", "Cart empties", "--sev", "2"]);
    let channel = doc["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["provider"] == "slack" && d["action"] == "create_channel")
        .and_then(|d| d["id"].as_str())
        .unwrap()
        .to_string();
    let roster = rig
        .slack
        .messages(&channel)
        .into_iter()
        .find(|m| m.text.contains("Roster"))
        .expect("the roster post");
    assert!(
        roster.text.contains("Do `!ic page` here"),
        "{}",
        roster.text
    );
    rig.pd.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn resolving_the_incident_ends_the_stalk() {
    let rig = Rig::new().await;
    let cadence = "[cadence]\nstatus_interval = \"1s\"\n";
    let alice = rig.machine("", cadence);
    let doc = ok_json(&alice, &["declare", "Mail bounces", "--sev", "2"]);
    let channel = doc["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["provider"] == "slack" && d["action"] == "create_channel")
        .and_then(|d| d["id"].as_str())
        .unwrap()
        .to_string();
    let env = rig.machine("", cadence);
    let mut bot = Bot::start(&env);
    let cmd = rig.say(&channel, "UHUMAN", "!status stalk");
    rig.wait_reply(&channel, &cmd, &bot);
    let status = || {
        rig.slack
            .messages(&channel)
            .into_iter()
            .find(|m| m.metadata["event_type"] == "inc_stalk")
    };
    wait_until("an edit", || status().is_some_and(|m| m.edits >= 1));
    let resolved = alice.inc().args(["resolve", "-y"]).output().unwrap();
    assert!(
        resolved.status.success(),
        "{}",
        String::from_utf8_lossy(&resolved.stderr)
    );
    wait_until("the stalk to end", || {
        status().is_some_and(|m| m.metadata["event_payload"]["active"] == false)
    });
    let ended = status().unwrap();
    assert!(
        ended.text.contains("the incident is resolved"),
        "{}",
        ended.text
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(status().unwrap().edits, ended.edits, "edited after the end");
    assert!(bot.stop().success());
    rig.pd.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_a_page_slower_than_the_grace_keeps_it_in_the_outbox_and_says_so() {
    let rig = Rig::new().await;
    let mut env = rig.machine("", "");
    env.set("INC_DELIVERY_TIMEOUT", "20s");
    let mut bot = Bot::start(&env);
    // PagerDuty takes the page and answers only after 8 s: longer than the bot may wait.
    rig.pd
        .fault(pd::Fault::SlowAfterWrite(Duration::from_secs(8)));
    let ts = rig.say(&rig.chat, "UHUMAN", "!ic page");
    wait_until("the page to reach PagerDuty", || {
        rig.pd.requests_of("POST /incidents") == 1
    });
    assert!(bot.stop().success(), "{}", bot.text());
    // CALL THEM NOW came 2 s in (the pager had not confirmed), then the word that it stopped.
    let replies = rig.replies(&rig.chat, &ts);
    assert_eq!(replies.len(), 2, "{}", bot.text());
    assert!(
        replies[0].text.contains("CALL THEM NOW"),
        "{}",
        replies[0].text
    );
    assert!(replies[0].text.contains("555 0101"), "{}", replies[0].text);
    assert!(
        replies[1]
            .text
            .contains("stopped while it was on your !ic page")
            && replies[1].text.contains("outbox"),
        "{}",
        replies[1].text
    );
    assert!(bot.text().contains("kept in the outbox"), "{}", bot.text());
    // The page is in the outbox; its retry finds it open and pages nobody twice.
    let listed = ok_json(&env, &["outbox", "list"]);
    assert!(listed.to_string().contains("page_ic"), "{listed}");
    let o = env
        .inc()
        .args(["outbox", "retry", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(rig.ic_pages().len(), 1);
    rig.pd.assert_clean();
}
