//! Slack for `inc bot`, through the library (`inc::providers::slack_socket`, `slack`): the
//! Socket Mode transport against the Socket Mode fake (tests/common/socketmode.rs) served by
//! the spec-validating Web API fake, the Web API calls the bot makes (claim, edit, users,
//! threaded replies), and the app manifest against Slack's manifest schema.
//!
//! Waits are bounded (30 s, then the test fails naming what it waited for); nothing asserts
//! how long anything took.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::slack::{APP_TOKEN, FakeSlack, Fault, TOKEN};
use common::socketmode::{SocketMode, edit_event, mention_event, message_event, own_message_event};
use inc::config::{Config, Env, FileConfig, Secret, SecretSpec, SlackConfig, Source};
use inc::providers::slack::{self, Claim};
use inc::providers::slack_socket::{self, Incoming, Socket, SocketEvent, Timing};
use inc::providers::{Request, SendError};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

/// Clocks short enough for tests: a dead socket is noticed within a second.
fn quick() -> Timing {
    Timing {
        ping_interval: Duration::from_millis(200),
        idle_timeout: Duration::from_millis(1000),
        hello_timeout: Duration::from_secs(5),
        open_timeout: Duration::from_secs(5),
        backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(300),
        close_grace: Duration::from_millis(300),
    }
}

fn http() -> reqwest::Client {
    let dir = std::env::temp_dir();
    let config = Config {
        file: None,
        looked_at: dir.clone(),
        values: FileConfig::default(),
        sources: BTreeMap::new(),
        state_dir: dir,
        state_dir_source: Source::Default,
    };
    inc::providers::http::client(&config, &Env::default()).expect("http client")
}

struct Rig {
    slack: FakeSlack,
    sm: SocketMode,
}

impl Rig {
    async fn new() -> Rig {
        let slack = FakeSlack::start().await;
        let sm = SocketMode::start().await;
        slack.serve_socket_mode(&sm);
        Rig { slack, sm }
    }

    fn api(&self) -> url::Url {
        url::Url::parse(&self.slack.api_url()).unwrap()
    }

    fn socket(&self, token: &str) -> Socket {
        Socket::new(&self.api(), Secret::new(token.into()), http()).timing(quick())
    }

    /// A bot's transport, running.
    fn bot(&self) -> Bot {
        Bot::start(self.socket(APP_TOKEN))
    }

    /// The Web API client, with the bot token.
    fn client(&self) -> slack::Client {
        let cfg = SlackConfig {
            api_url: Some(self.slack.api_url()),
            channel: None,
            per_incident_channel: false,
            channel_prefix: None,
            exec_channel: None,
            secret: SecretSpec::default(),
        };
        let env = Env::from_pairs([(slack::TOKEN_ENV, TOKEN)]);
        slack::Client::new(http(), &cfg, &env).unwrap()
    }

    fn opens(&self) -> usize {
        self.slack.calls("apps.connections.open")
    }
}

/// A running [`Socket`] and what it handed on.
struct Bot {
    rx: mpsc::Receiver<SocketEvent>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    seen: Vec<SocketEvent>,
}

impl Bot {
    fn start(socket: Socket) -> Bot {
        let (tx, rx) = mpsc::channel(16);
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(async move { socket.run(tx, stop_rx).await });
        Bot {
            rx,
            stop,
            task,
            seen: Vec::new(),
        }
    }

    /// The next event `want` accepts (the ones before it are kept in `seen`).
    async fn until(&mut self, what: &str, want: impl Fn(&SocketEvent) -> bool) -> SocketEvent {
        let give_up = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let ev = tokio::time::timeout_at(give_up, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("gave up waiting for {what}; saw {:#?}", self.seen))
                .unwrap_or_else(|| panic!("the socket loop ended while waiting for {what}"));
            self.seen.push(ev.clone());
            if want(&ev) {
                return ev;
            }
        }
    }

    async fn connected(&mut self) -> u32 {
        match self
            .until("hello", |e| matches!(e, SocketEvent::Connected { .. }))
            .await
        {
            SocketEvent::Connected { num_connections } => num_connections,
            _ => unreachable!(),
        }
    }

    async fn message(&mut self) -> Incoming {
        match self
            .until("a message", |e| matches!(e, SocketEvent::Message(_)))
            .await
        {
            SocketEvent::Message(m) => m,
            _ => unreachable!(),
        }
    }

    fn messages(&self) -> Vec<Incoming> {
        self.seen
            .iter()
            .filter_map(|e| match e {
                SocketEvent::Message(m) => Some(m.clone()),
                _ => None,
            })
            .collect()
    }

    /// Stops the loop and takes everything it still hands on; the loop must end by itself.
    async fn stop(mut self) -> Vec<SocketEvent> {
        self.stop.send(true).unwrap();
        let give_up = tokio::time::Instant::now() + Duration::from_secs(30);
        while let Some(ev) = tokio::time::timeout_at(give_up, self.rx.recv())
            .await
            .expect("the socket loop ended after stop")
        {
            self.seen.push(ev);
        }
        self.task.await.unwrap();
        self.seen
    }
}

fn says(e: &SocketEvent, words: &str) -> bool {
    match e {
        SocketEvent::Trouble { error } => error.contains(words),
        SocketEvent::Disconnected { reason } => reason.contains(words),
        _ => false,
    }
}

fn typed(n: usize) -> Value {
    message_event(
        "C0001",
        false,
        "UHUMAN",
        &format!("!note {n}"),
        &format!("1700000100.{n:06}"),
        None,
    )
}

// ---- Socket Mode ----

#[tokio::test(flavor = "multi_thread")]
async fn hello_is_connected_with_the_apps_socket_count() {
    let rig = Rig::new().await;
    let mut bot = rig.bot();
    assert_eq!(bot.connected().await, 1);
    assert_eq!((rig.opens(), rig.sm.urls_issued()), (1, 1));
    assert_eq!(rig.sm.connections(), 1);
    let seen = bot.stop().await;
    assert!(
        seen.iter()
            .any(|e| matches!(e, SocketEvent::Disconnected { .. })),
        "{seen:?}"
    );
    rig.sm
        .wait_until("the socket to close", |sm| sm.open().is_empty())
        .await;
}

/// The ack does not wait for the consumer: with nobody reading, every envelope is acked; what
/// is then handed on was acked, once.
#[tokio::test(flavor = "multi_thread")]
async fn envelopes_are_acked_at_once_while_the_consumer_is_busy() {
    let rig = Rig::new().await;
    let mut bot = rig.bot();
    bot.connected().await;
    let ids: Vec<String> = (0..40).map(|n| rig.sm.send_event(typed(n))).collect();
    // The channel holds 16: the consumer reads nothing until every ack is in.
    rig.sm
        .wait_until("40 acks", |sm| ids.iter().all(|id| sm.acks(id) == 1))
        .await;
    for (n, id) in ids.iter().enumerate() {
        let m = bot.message().await;
        assert_eq!(m.text, format!("!note {n}"));
        assert_eq!(&m.envelope_id, id);
        assert_eq!(m.event_id, rig.sm.envelope(id).event_id);
        assert_eq!((m.channel.as_str(), m.user.as_str()), ("C0001", "UHUMAN"));
        assert_eq!(
            (m.retry_attempt, m.mention, m.thread_ts.clone()),
            (0, false, None)
        );
        assert!(m.event_time > 1_700_000_000);
    }
    assert!(ids.iter().all(|id| rig.sm.acks(id) == 1), "acked once each");
    bot.stop().await;
}

/// Slack never saw the first ack: the envelope comes back with `retry_attempt` 1 and the same
/// event id, and reaches the consumer marked so (the bot dedups by event id).
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_ack_brings_the_envelope_back_marked_as_a_retry() {
    let rig = Rig::new().await;
    let mut bot = rig.bot();
    bot.connected().await;
    rig.sm.set_ack_deadline(Duration::from_millis(500));
    rig.sm.lose_next_acks(1);
    let id = rig.sm.send_event(typed(1));
    let first = bot.message().await;
    let again = bot.message().await;
    assert_eq!((first.retry_attempt, again.retry_attempt), (0, 1));
    assert_eq!(first.event_id, again.event_id);
    assert_eq!(first.ts, again.ts);
    rig.sm
        .wait_until("the retry's ack", |sm| sm.acks(&id) >= 1)
        .await;
    let e = rig.sm.envelope(&id);
    assert_eq!((e.deliveries[0].1, e.deliveries[1].1), (0, 1));
    assert_eq!(rig.sm.lost_acks(), 1);
    bot.stop().await;
}

/// `warning`: the next socket opens at once, on a fresh URL, and the old one stays open;
/// `refresh_requested`: the old one closes, the new one already up. Every event sent before,
/// between and after is handed on, each acked once.
#[tokio::test(flavor = "multi_thread")]
async fn warning_then_refresh_switches_sockets_and_loses_nothing() {
    let rig = Rig::new().await;
    // What reaches the closing socket comes back soon.
    rig.sm.set_ack_deadline(Duration::from_millis(500));
    let mut bot = rig.bot();
    bot.connected().await;
    let mut ids: Vec<String> = (0..5).map(|n| rig.sm.send_event(typed(n))).collect();
    rig.sm.disconnect(0, "warning");
    assert_eq!(bot.connected().await, 2, "the second socket counts both");
    assert_eq!(
        rig.sm.open(),
        vec![0, 1],
        "the old socket stays open on a warning"
    );
    assert_eq!((rig.opens(), rig.sm.urls_issued()), (2, 2), "a fresh URL");
    ids.extend((5..15).map(|n| rig.sm.send_event(typed(n))));
    rig.sm.disconnect(0, "refresh_requested");
    // Some of these go to the closing socket: unacked there, Slack sends them again.
    ids.extend((15..25).map(|n| rig.sm.send_event(typed(n))));
    rig.sm
        .wait_until("the old socket to close", |sm| sm.open() == vec![1])
        .await;
    ids.extend((25..30).map(|n| rig.sm.send_event(typed(n))));
    rig.sm
        .wait_until("every envelope acked", |sm| {
            ids.iter().all(|id| sm.acks(id) >= 1)
        })
        .await;
    let texts = |bot: &Bot| {
        bot.messages()
            .into_iter()
            .map(|m| m.text)
            .collect::<BTreeSet<_>>()
    };
    while texts(&bot).len() < 30 {
        bot.message().await;
    }
    let got = texts(&bot);
    let want: BTreeSet<String> = (0..30).map(|n| format!("!note {n}")).collect();
    assert_eq!(got, want);
    // An ack comes only on the socket the envelope went to; a second one only after a
    // redelivery (an ack slowed by load).
    for id in &ids {
        let e = rig.sm.envelope(id);
        assert!(
            !e.acks.is_empty() && e.acks.len() <= e.deliveries.len(),
            "{e:?}"
        );
    }
    // A first delivery is handed on at most once; only a redelivery repeats it.
    let mut firsts = BTreeMap::new();
    for m in bot.messages().iter().filter(|m| m.retry_attempt == 0) {
        *firsts.entry(m.event_id.clone()).or_insert(0) += 1;
    }
    assert!(firsts.values().all(|n| *n == 1), "{firsts:?}");
    assert!(bot.seen.iter().any(|e| says(e, "refresh_requested")));
    assert_eq!((rig.opens(), rig.sm.connections()), (2, 2));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_requested_alone_reconnects_at_once() {
    let rig = Rig::new().await;
    let mut bot = rig.bot();
    bot.connected().await;
    rig.sm.disconnect(0, "refresh_requested");
    bot.connected().await;
    rig.sm
        .wait_until("the old socket to close", |sm| sm.open() == vec![1])
        .await;
    let id = rig.sm.send_event(typed(7));
    assert_eq!(bot.message().await.text, "!note 7");
    assert_eq!(rig.sm.envelope(&id).deliveries[0].0, 1);
    assert_eq!(rig.sm.urls_issued(), 2);
    bot.stop().await;
}

/// A socket dropped without a close frame is replaced on a fresh URL; one reconnect per drop,
/// and what was sent while no socket was open arrives.
#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_socket_reconnects_with_a_fresh_url() {
    let rig = Rig::new().await;
    let mut bot = rig.bot();
    bot.connected().await;
    for drop in 0..3 {
        rig.sm.drop_socket(drop);
        bot.until("the drop", |e| {
            matches!(e, SocketEvent::Disconnected { .. })
        })
        .await;
        rig.sm.send_event(typed(drop));
        bot.connected().await;
        assert_eq!(bot.message().await.text, format!("!note {drop}"));
    }
    assert_eq!(
        (rig.opens(), rig.sm.urls_issued(), rig.sm.connections()),
        (4, 4, 4)
    );
    bot.stop().await;
}

/// A half-open socket (nothing read, no pong) is noticed by its silence and replaced.
#[tokio::test(flavor = "multi_thread")]
async fn a_silent_socket_is_taken_for_dead_and_replaced() {
    let rig = Rig::new().await;
    let mut bot = rig.bot();
    bot.connected().await;
    rig.sm.freeze(0);
    let id = rig.sm.send_event(typed(3));
    bot.until("the dead socket", |e| says(e, "no frame from Slack"))
        .await;
    bot.connected().await;
    assert_eq!(bot.message().await.text, "!note 3");
    assert_eq!(rig.sm.envelope(&id).deliveries[0].0, 1);
    assert_eq!(rig.sm.connections(), 2);
    bot.stop().await;
}

/// A quiet but healthy socket stays: pings get pongs, which count as frames from Slack.
#[tokio::test(flavor = "multi_thread")]
async fn a_quiet_socket_is_kept_by_its_pings() {
    let rig = Rig::new().await;
    let timing = Timing {
        ping_interval: Duration::from_millis(100),
        idle_timeout: Duration::from_secs(2),
        ..quick()
    };
    let mut bot = Bot::start(rig.socket(APP_TOKEN).timing(timing));
    bot.connected().await;
    // Longer than the idle timeout, silent but for the pongs.
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert_eq!(
        (rig.sm.connections(), rig.opens()),
        (1, 1),
        "{:?}",
        bot.seen
    );
    rig.sm.send_event(typed(1));
    assert_eq!(bot.message().await.text, "!note 1");
    bot.stop().await;
}

/// Stop closes the socket at once, and what was already acked is still handed on before the
/// loop returns (Slack will not send it again).
#[tokio::test(flavor = "multi_thread")]
async fn stop_hands_on_what_was_acked_then_returns() {
    let rig = Rig::new().await;
    let mut bot = rig.bot();
    bot.connected().await;
    let ids: Vec<String> = (0..30).map(|n| rig.sm.send_event(typed(n))).collect();
    rig.sm
        .wait_until("30 acks", |sm| ids.iter().all(|id| sm.acks(id) == 1))
        .await;
    let seen = bot.stop().await;
    let texts: Vec<String> = seen
        .iter()
        .filter_map(|e| match e {
            SocketEvent::Message(m) => Some(m.text.clone()),
            _ => None,
        })
        .collect();
    let want: Vec<String> = (0..30).map(|n| format!("!note {n}")).collect();
    assert_eq!(texts, want);
    rig.sm
        .wait_until("the socket to close", |sm| sm.open().is_empty())
        .await;
    assert_eq!(rig.opens(), 1, "no reconnect after stop");
}

/// `link_disabled`: one clear line, then tries at the longest backoff (0.15-0.3 s here), not
/// in a loop; once Socket Mode is on again, the next try connects.
#[tokio::test(flavor = "multi_thread")]
async fn link_disabled_waits_at_the_longest_backoff() {
    let rig = Rig::new().await;
    let mut bot = rig.bot();
    bot.connected().await;
    rig.sm.disable();
    bot.until("the disabled link", |e| {
        says(e, "Socket Mode is disabled for this app")
    })
    .await;
    let before = rig.opens();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let tries = rig.opens() - before;
    // 1.5 s / 0.15 s at most, and then some; a loop would have made hundreds.
    assert!(tries <= 12, "{tries} apps.connections.open calls in 1.5 s");
    rig.sm.enable();
    bot.connected().await;
    assert!(rig.sm.open().len() == 1);
    bot.stop().await;
}

/// Two bots on one app: Slack hands each envelope to one socket, so each reaches one bot.
#[tokio::test(flavor = "multi_thread")]
async fn two_sockets_on_one_app_each_envelope_reaches_one() {
    let rig = Rig::new().await;
    let mut a = rig.bot();
    a.connected().await;
    let mut b = rig.bot();
    assert_eq!(b.connected().await, 2, "hello counts the other replica");
    let ids: Vec<String> = (0..20).map(|n| rig.sm.send_event(typed(n))).collect();
    rig.sm
        .wait_until("20 acks", |sm| ids.iter().all(|id| sm.acks(id) == 1))
        .await;
    let (mut from_a, mut from_b) = (Vec::new(), Vec::new());
    // Acked means handed on: read what each holds.
    while from_a.len() + from_b.len() < 20 {
        tokio::select! {
            m = a.message() => from_a.push(m.event_id),
            m = b.message() => from_b.push(m.event_id),
        }
    }
    assert!(
        !from_a.is_empty() && !from_b.is_empty(),
        "{from_a:?} {from_b:?}"
    );
    let all: BTreeSet<&String> = from_a.iter().chain(&from_b).collect();
    assert_eq!(all.len(), 20, "each event once, across both");
    let a_seen = a.stop().await;
    let b_seen = b.stop().await;
    let count = |seen: &[SocketEvent]| {
        seen.iter()
            .filter(|e| matches!(e, SocketEvent::Message(_)))
            .count()
    };
    assert_eq!(count(&a_seen) + count(&b_seen), 20, "nothing more after");
}

/// inc's own posts, other bots', edits, messages in a DM, and other events are acked and
/// dropped; a mention and a thread reply are handed on.
#[tokio::test(flavor = "multi_thread")]
async fn own_posts_bots_and_edits_are_acked_but_not_handed_on() {
    let rig = Rig::new().await;
    let mut bot = rig.bot();
    bot.connected().await;
    let mut other_bot = message_event("C0001", false, "UOTHER", "!ic page", "1.000002", None);
    other_bot["bot_id"] = json!("B0OTHER");
    let mut dm = message_event("D0001", false, "UHUMAN", "!ic page", "1.000003", None);
    dm["channel_type"] = json!("im");
    let mut joined = message_event("C0001", false, "UHUMAN", "joined", "1.000004", None);
    joined["subtype"] = json!("channel_join");
    let dropped = [
        own_message_event("C0001", "!status", "1.000001"),
        other_bot,
        dm,
        joined,
        edit_event("C0001", "UHUMAN", "!ic page", "1.000005"),
        json!({ "type": "reaction_added", "user": "UHUMAN", "reaction": "eyes",
                "item": { "type": "message", "channel": "C0001", "ts": "1.000001" } }),
    ];
    let mut ids: Vec<String> = dropped.into_iter().map(|e| rig.sm.send_event(e)).collect();
    ids.push(
        rig.sm
            .send_event(mention_event("C0001", "UANN", "ic page", "1.000006")),
    );
    ids.push(rig.sm.send_event(message_event(
        "G0001",
        true,
        "UBOB",
        "!status",
        "1.000007",
        Some("1.000006"),
    )));
    let mention = bot.message().await;
    assert!(mention.mention);
    assert_eq!(mention.text, "<@UBOT> ic page");
    let reply = bot.message().await;
    assert_eq!(
        (
            reply.channel.as_str(),
            reply.thread_ts.as_deref(),
            reply.user.as_str()
        ),
        ("G0001", Some("1.000006"), "UBOB")
    );
    assert_eq!(bot.messages().len(), 2, "only those two: {:?}", bot.seen);
    rig.sm
        .wait_until("every envelope acked", |sm| {
            ids.iter().all(|id| sm.acks(id) == 1)
        })
        .await;
    let seen = bot.stop().await;
    assert_eq!(
        seen.iter()
            .filter(|e| matches!(e, SocketEvent::Message(_)))
            .count(),
        2
    );
}

/// A wrong app token: one line naming the variable, never the token; no hot loop.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_app_token_is_one_clear_error_naming_the_variable() {
    let rig = Rig::new().await;
    let wrong = "xapp-1-A0FAKE-999-wrongwrongwrong";
    let s = rig.socket(wrong).token_source("$INC_BOT_APP_TOKEN");
    let err = s.check().await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, SendError::Auth { .. }), "{err:?}");
    assert!(
        text.contains("$INC_BOT_APP_TOKEN") && text.contains("invalid_auth"),
        "{text}"
    );
    assert!(
        !text.contains(wrong) && !text.contains("wrongwrong"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1);

    // The bot token where the app token belongs: said before anything is sent.
    let before = rig.opens();
    let err = rig.socket(TOKEN).check().await.unwrap_err().to_string();
    assert!(
        err.contains("$SLACK_APP_TOKEN") && err.contains("app-level token") && !err.contains(TOKEN),
        "{err}"
    );
    assert_eq!(rig.opens(), before, "nothing sent");

    // The loop says so and waits at the longest backoff.
    let mut bot = Bot::start(rig.socket(wrong));
    let trouble = bot
        .until("the refusal", |e| matches!(e, SocketEvent::Trouble { .. }))
        .await;
    assert!(says(&trouble, "$SLACK_APP_TOKEN"), "{trouble:?}");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let seen = bot.stop().await;
    assert!(!format!("{seen:?}").contains("wrongwrong"));
    assert!(
        rig.opens() - before <= 9,
        "{} tries in 1 s",
        rig.opens() - before
    );
}

/// `inc doctor`: the app token works and Socket Mode is on, proven without a socket.
#[tokio::test(flavor = "multi_thread")]
async fn the_doctor_check_opens_no_socket() {
    let rig = Rig::new().await;
    let said = rig.socket(APP_TOKEN).check().await.unwrap();
    assert!(said.contains("apps.connections.open ok"), "{said}");
    assert!(said.contains("$SLACK_APP_TOKEN"), "{said}");
    assert!(!said.contains("ticket"), "{said}");
    assert_eq!(
        (rig.opens(), rig.sm.urls_issued(), rig.sm.connections()),
        (1, 1, 0)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_throttled_open_waits_as_slack_asks() {
    let rig = Rig::new().await;
    rig.slack
        .fault(Fault::RateLimited("apps.connections.open", 1));
    let mut bot = rig.bot();
    let trouble = bot
        .until("the throttle", |e| matches!(e, SocketEvent::Trouble { .. }))
        .await;
    assert!(says(&trouble, "trying again in 1.0s"), "{trouble:?}");
    bot.connected().await;
    assert_eq!(rig.opens(), 2);
    bot.stop().await;
}

// ---- Web API for the bot ----

/// Two bots claim one command with the same bot token: the first reaction takes, the second
/// gets `already_reacted` (the real semantics: same name, same token, same message).
#[tokio::test(flavor = "multi_thread")]
async fn a_reaction_claims_a_message_once() {
    let rig = Rig::new().await;
    let ch = rig.slack.add_channel("incident-chat", false, true);
    let ts = rig.slack.add_message(&ch, "!ic page", Value::Null);
    let c = rig.client();
    let claim = slack::reaction(&ch, &ts, ":eyes:", format!("claim-{ts}"), None);
    assert_eq!(c.claim(&claim).await.unwrap(), Claim::Claimed);
    assert_eq!(c.claim(&claim).await.unwrap(), Claim::AlreadyReacted);
    assert_eq!(rig.slack.reactions(&ch, &ts), vec!["eyes"]);
    // Another name is another reaction; an unknown message is an error.
    let other = slack::reaction(&ch, &ts, "white_check_mark", "k2".into(), None);
    assert_eq!(c.claim(&other).await.unwrap(), Claim::Claimed);
    let none = slack::reaction(&ch, "1.999999", "eyes", "k3".into(), None);
    assert!(
        c.claim(&none)
            .await
            .unwrap_err()
            .to_string()
            .contains("message_not_found")
    );
    // Through the engine's path a reaction already there is what was asked.
    let r = c.send(&claim, 1).await.unwrap();
    assert_eq!(r.note.as_deref(), Some("already there"));
}

/// The first try took but its answer was lost: the retry's `already_reacted` is this bot's
/// own claim, not another's (a command must not be dropped for it).
#[tokio::test(flavor = "multi_thread")]
async fn a_claim_whose_answer_was_lost_is_still_ours() {
    let rig = Rig::new().await;
    let ch = rig.slack.add_channel("incident-chat", false, true);
    let ts = rig.slack.add_message(&ch, "!ic page", Value::Null);
    rig.slack.fault(Fault::AnswerLost("reactions.add"));
    let c = rig.client();
    let claim = slack::reaction(&ch, &ts, "eyes", "k".into(), None);
    assert_eq!(c.claim(&claim).await.unwrap(), Claim::Claimed);
    assert_eq!(rig.slack.calls("reactions.add"), 2);
    assert_eq!(rig.slack.reactions(&ch, &ts), vec!["eyes"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn users_info_tells_guests_bots_and_emails() {
    let rig = Rig::new().await;
    let c = rig.client();
    let ann = c.user("UANN").await.unwrap().unwrap();
    assert_eq!(ann.email.as_deref(), Some("ann@example.com"));
    assert!(!ann.is_guest() && !ann.is_bot && !ann.deleted);
    assert!(c.user("UGUEST").await.unwrap().unwrap().is_restricted);
    let solo = c.user("USOLO").await.unwrap().unwrap();
    assert!(solo.is_ultra_restricted && solo.is_guest());
    assert!(c.user("UBOT").await.unwrap().unwrap().is_bot);
    assert!(c.user("UGONE").await.unwrap().unwrap().deleted);
    assert_eq!(c.user("UNOBODY").await.unwrap(), None);
}

/// `chat.update` edits the text; without `metadata` the message keeps its own, with it the
/// metadata is replaced (the stalk renewing its lease).
#[tokio::test(flavor = "multi_thread")]
async fn chat_update_edits_and_keeps_the_metadata() {
    let rig = Rig::new().await;
    let ch = rig.slack.add_channel("incident-chat", false, true);
    let c = rig.client();
    let mut post = slack::post(&ch, "SEV-2, investigating", None, "p".into(), None);
    let lease =
        json!({ "event_type": "inc_stalk", "event_payload": { "holder": "bot-a", "until": 1 } });
    if let Request::Http(h) = &mut post.request {
        h.body.as_mut().unwrap()["metadata"] = lease.clone();
    }
    let ts = c.send(&post, 1).await.unwrap().id.unwrap();
    let edit = slack::update(
        &ch,
        &ts,
        "SEV-1, investigating",
        None,
        None,
        "e1".into(),
        None,
    );
    c.send(&edit, 1).await.unwrap();
    let m = &rig.slack.messages(&ch)[0];
    assert_eq!((m.text.as_str(), m.edits), ("SEV-1, investigating", 1));
    assert_eq!(m.metadata, lease, "kept");
    let renewed =
        json!({ "event_type": "inc_stalk", "event_payload": { "holder": "bot-a", "until": 2 } });
    let blocks = json!([{ "type": "section", "text": { "type": "mrkdwn", "text": "*SEV-1*" } }]);
    let edit = slack::update(
        &ch,
        &ts,
        "SEV-1",
        Some(blocks.clone()),
        Some(renewed.clone()),
        "e2".into(),
        None,
    );
    c.send(&edit, 1).await.unwrap();
    let m = &rig.slack.messages(&ch)[0];
    assert_eq!(
        (m.metadata.clone(), m.blocks.clone(), m.edits),
        (renewed, blocks, 2)
    );
    assert_eq!(rig.slack.posts().len(), 1, "edited, not posted again");
}

/// A reply goes in the command's thread, mentions the sender and nobody else, carries its
/// event, and a retried reply finds itself in the thread instead of posting twice.
#[tokio::test(flavor = "multi_thread")]
async fn a_reply_stays_in_the_thread_and_mentions_only_the_sender() {
    let rig = Rig::new().await;
    let ch = rig.slack.add_channel("incident-chat", false, true);
    let cmd = rig
        .slack
        .add_message_by(&ch, "UANN", "!note <!here> rolled back", None, Value::Null);
    let c = rig.client();
    let text = slack::escape("noted: <!here> rolled back");
    let mut reply = slack::reply(
        &ch,
        &cmd,
        "UANN",
        &text,
        None,
        format!("reply-{cmd}"),
        Some("inc-1"),
    );
    let event: inc::model::Event = serde_json::from_value(json!({
        "event_id": "ev-1", "at": "2026-11-26T03:04:05Z", "by": "ann@example.com",
        "event": "note", "text": "rolled back"
    }))
    .unwrap();
    inc::providers::publish(&mut reply, "inc-1", &event);
    c.send(&reply, 1).await.unwrap();
    let all = rig.slack.messages(&ch);
    let posted = all.last().unwrap();
    assert_eq!(posted.thread_ts.as_deref(), Some(cmd.as_str()));
    assert_eq!(posted.text, "<@UANN> noted: &lt;!here&gt; rolled back");
    assert_eq!(posted.metadata["event_payload"]["event_id"], "ev-1");
    // The answer was lost: the retry reads the thread and finds it.
    let again = c.send(&reply, 2).await.unwrap();
    assert_eq!(again.note.as_deref(), Some("posted by an earlier try"));
    assert_eq!(rig.slack.posts().len(), 1);
    assert_eq!(rig.slack.calls("conversations.replies"), 1);
    // A sender that is not a user id is not a mention.
    let odd = slack::reply(&ch, &cmd, "<!channel>", "hi", None, "r2".into(), None);
    c.send(&odd, 1).await.unwrap();
    assert_eq!(rig.slack.messages(&ch).last().unwrap().text, "hi");
    // The thread's replies are not the channel's history.
    assert_eq!(c.history(&ch, None).await.unwrap().len(), 1);
}

// ---- The app manifest ----

fn yaml_to_json(y: &yaml_rust2::Yaml) -> Value {
    use yaml_rust2::Yaml;
    match y {
        Yaml::Hash(h) => Value::Object(
            h.iter()
                .map(|(k, v)| {
                    (
                        k.as_str().expect("string keys").to_string(),
                        yaml_to_json(v),
                    )
                })
                .collect(),
        ),
        Yaml::Array(a) => Value::Array(a.iter().map(yaml_to_json).collect()),
        Yaml::String(s) => json!(s),
        Yaml::Boolean(b) => json!(b),
        Yaml::Integer(i) => json!(i),
        Yaml::Real(r) => json!(r.parse::<f64>().unwrap()),
        Yaml::Null => Value::Null,
        other => panic!("unexpected YAML {other:?}"),
    }
}

fn manifest_json(app_name: &str) -> Value {
    let text = slack_socket::manifest(app_name);
    let docs = yaml_rust2::YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("the manifest is not YAML: {e}\n{text}"));
    assert_eq!(docs.len(), 1);
    yaml_to_json(&docs[0])
}

fn manifest_problems(m: &Value) -> Vec<String> {
    let path = common::spec::Spec::dir().join("slack/manifest/manifest.schema.1.0.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .expect("the manifest schema compiles");
    v.iter_errors(m)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_manifest_is_a_valid_slack_manifest_with_socket_mode_and_every_scope() {
    let m = manifest_json("inc");
    assert_eq!(manifest_problems(&m), Vec::<String>::new());
    assert_eq!(m["settings"]["socket_mode_enabled"], true);
    assert_eq!(m["display_information"]["name"], "inc");
    let scopes: BTreeSet<&str> = m["oauth_config"]["scopes"]["bot"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for s in [
        "chat:write",
        "channels:history",
        "groups:history",
        "reactions:write",
        "users:read",
        "users:read.email",
        "app_mentions:read",
        // inc's other Slack features
        "channels:read",
        "groups:read",
        "channels:manage",
        "groups:write",
        "channels:join",
        "pins:write",
    ] {
        assert!(scopes.contains(s), "{s} missing from {scopes:?}");
    }
    let events: Vec<&str> = m["settings"]["event_subscriptions"]["bot_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        ["app_mention", "message.channels", "message.groups"]
    );
    // Each scope and event with why, as a comment above it; the app must be the team's own.
    let text = slack_socket::manifest("inc");
    let lines: Vec<&str> = text.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if l.trim_start().starts_with("- ") {
            assert!(
                lines[i - 1].trim_start().starts_with("# "),
                "no why above {l}"
            );
        }
    }
    assert!(text.contains("OWN INTERNAL app"), "{text}");
    assert!(text.contains("conversations.history"), "{text}");
}

#[test]
fn any_app_name_makes_a_valid_manifest() {
    for name in [
        "Incident Bot (SRE) — on call, 24/7, for every team in the company",
        "inc: \"quoted\"\n# not: a comment\n- item",
        "   ",
        "ÉQUIPE ☎",
    ] {
        let m = manifest_json(name);
        assert_eq!(manifest_problems(&m), Vec::<String>::new(), "{name:?}");
        let shown = m["display_information"]["name"].as_str().unwrap();
        assert!(
            shown.chars().count() <= 35 && !shown.trim().is_empty(),
            "{shown:?}"
        );
        let handle = m["features"]["bot_user"]["display_name"].as_str().unwrap();
        assert!(
            handle
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._".contains(&b)),
            "{handle:?}"
        );
    }
    assert_eq!(
        manifest_json("inc: \"quoted\"")["display_information"]["name"],
        "inc: \"quoted\""
    );
}
