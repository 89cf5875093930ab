//! A fake Slack Socket Mode server on 127.0.0.1 (plain `ws://`, tokio-tungstenite
//! `accept_hdr_async`), served through the Slack fake's `apps.connections.open`
//! ([`super::slack::FakeSlack::serve_socket_mode`]).
//!
//! No machine-readable description of Socket Mode exists (tests/specs/SOURCES.md): every frame
//! here is written from Slack's documentation, "Using Socket Mode"
//! (docs.slack.dev/apis/events-api/using-socket-mode), cited where it is built. What it does, as
//! Slack does:
//! - each URL it hands out is good for one connection: a second use is a problem (every
//!   reconnect must call `apps.connections.open` again), and is refused;
//! - `hello` first, with `num_connections` (the app's open sockets);
//! - each envelope goes to one of the open sockets (round robin: Slack says "any"), and an
//!   envelope nobody acked within the ack deadline goes out again, to an open socket, with
//!   `retry_attempt` one higher and `retry_reason: "timeout"` (the same `envelope_id`: Slack's
//!   pages do not say whether it changes), up to 3 retries; an envelope sent while no socket is
//!   open waits for the next one;
//! - `disconnect` frames on demand, dropped sockets (no close frame), frozen sockets (half-open:
//!   nothing read, nothing answered, not even pings), and `link_disabled` while disabled.
//!
//! Acks are counted per envelope. An ack for an unknown envelope, on a socket the envelope was
//! not sent to, or a frame that is not an ack, is a problem; problems fail the test when the
//! last handle on the fake is dropped.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::{Message, http};

use super::fake::fail_on_drop;

/// The team and app every envelope names.
pub const TEAM: &str = "T0FAKE";
pub const APP: &str = "A0FAKE";
/// The bot user and bot id of the app (the Slack fake's `UBOT`).
pub const BOT_USER: &str = "UBOT";
pub const BOT_ID: &str = "B0FAKE";

/// The fake; clones share one server.
#[derive(Clone)]
pub struct SocketMode {
    shared: Arc<Shared>,
    _guard: Arc<Guard>,
}

struct Shared {
    addr: SocketAddr,
    st: Mutex<St>,
    tasks: Mutex<Vec<tokio::task::AbortHandle>>,
}

/// Aborts the server's tasks and fails the test on problems, when the last handle goes.
struct Guard {
    shared: Arc<Shared>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        for t in self.shared.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
        let problems = std::mem::take(&mut self.shared.st.lock().unwrap().problems);
        fail_on_drop("Socket Mode", problems);
    }
}

struct St {
    /// ticket → used
    tickets: HashMap<String, bool>,
    conns: Vec<Conn>,
    envelopes: Vec<Envelope>,
    next_event: u64,
    rr: usize,
    ack_deadline: Duration,
    max_retries: u32,
    disabled: bool,
    lose_acks: u32,
    lost_acks: u32,
    problems: Vec<String>,
}

struct Conn {
    open: bool,
    frozen: bool,
    tx: mpsc::UnboundedSender<Cmd>,
}

/// One envelope and what became of it.
#[derive(Clone, Debug)]
pub struct Envelope {
    pub id: String,
    pub event_id: String,
    /// The frame without `retry_attempt` / `retry_reason`.
    frame: Value,
    /// (socket, retry_attempt, when).
    pub deliveries: Vec<(usize, u32, Instant)>,
    /// The sockets each ack came on.
    pub acks: Vec<usize>,
}

enum Cmd {
    Text(String),
    Close,
    Drop,
    Freeze,
}

impl SocketMode {
    pub async fn start() -> SocketMode {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let shared = Arc::new(Shared {
            addr: listener.local_addr().unwrap(),
            st: Mutex::new(St {
                tickets: HashMap::new(),
                conns: Vec::new(),
                envelopes: Vec::new(),
                next_event: 0,
                rr: 0,
                // The Events API's deadline; a test that provokes redeliveries shortens it.
                ack_deadline: Duration::from_secs(3),
                max_retries: 3,
                disabled: false,
                lose_acks: 0,
                lost_acks: 0,
                problems: Vec::new(),
            }),
            tasks: Mutex::new(Vec::new()),
        });
        let s = shared.clone();
        let accept = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                // As Slack's edge would: small frames go out at once.
                let _ = tcp.set_nodelay(true);
                let s2 = s.clone();
                let t = tokio::spawn(serve(s2, tcp));
                s.tasks.lock().unwrap().push(t.abort_handle());
            }
        });
        let s = shared.clone();
        let redeliver = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(10)).await;
                deliver_due(&s);
            }
        });
        shared
            .tasks
            .lock()
            .unwrap()
            .extend([accept.abort_handle(), redeliver.abort_handle()]);
        SocketMode {
            _guard: Arc::new(Guard {
                shared: shared.clone(),
            }),
            shared,
        }
    }

    fn st(&self) -> std::sync::MutexGuard<'_, St> {
        self.shared.st.lock().unwrap()
    }

    /// A fresh socket URL, as `apps.connections.open` answers it (`wss://wss.slack.com/link/?ticket=…`
    /// in Slack; plain ws to loopback here).
    pub fn issue_url(&self) -> String {
        let mut st = self.st();
        let ticket = format!("tkt-{}-{}", st.tickets.len() + 1, fastrand::u32(..));
        st.tickets.insert(ticket.clone(), false);
        format!("ws://{}/link/?ticket={ticket}", self.shared.addr)
    }

    /// How many URLs were handed out (= `apps.connections.open` calls that succeeded).
    pub fn urls_issued(&self) -> usize {
        self.st().tickets.len()
    }

    /// How many sockets were ever accepted.
    pub fn connections(&self) -> usize {
        self.st().conns.len()
    }

    /// The sockets open now (not frozen), by number.
    pub fn open(&self) -> Vec<usize> {
        let st = self.st();
        (0..st.conns.len())
            .filter(|&i| st.conns[i].open && !st.conns[i].frozen)
            .collect()
    }

    /// The envelope delay after which an unacked envelope goes out again.
    pub fn set_ack_deadline(&self, d: Duration) {
        self.st().ack_deadline = d;
    }

    /// The next `n` acks are lost on the way (Slack never sees them).
    pub fn lose_next_acks(&self, n: u32) {
        self.st().lose_acks += n;
    }

    /// Wraps `event` in an `events_api` envelope and sends it to one of the open sockets (or
    /// the next one that opens): the envelope's id.
    pub fn send_event(&self, event: Value) -> String {
        self.queue(event, None)
    }

    /// The same, to socket `conn` (sent at once even if it is closed: then it is lost, and
    /// goes out again after the ack deadline).
    pub fn send_event_to(&self, conn: usize, event: Value) -> String {
        self.queue(event, Some(conn))
    }

    fn queue(&self, event: Value, to: Option<usize>) -> String {
        let id = {
            let mut st = self.st();
            st.next_event += 1;
            let n = st.next_event;
            let id = format!("{n:08x}-3be8-4280-b339-36e3f6652bac");
            let event_id = format!("Ev0FAKE{n:04}");
            let frame = envelope(&id, &event_id, event);
            st.envelopes.push(Envelope {
                id: id.clone(),
                event_id,
                frame,
                deliveries: Vec::new(),
                acks: Vec::new(),
            });
            if let Some(conn) = to {
                let i = st.envelopes.len() - 1;
                send_delivery(&mut st, i, conn);
            }
            id
        };
        deliver_due(&self.shared);
        id
    }

    /// A frame as it is (e.g. a `disconnect`) to socket `conn`.
    pub fn send_frame(&self, conn: usize, frame: Value) {
        let _ = self.st().conns[conn].tx.send(Cmd::Text(frame.to_string()));
    }

    /// Slack's `disconnect` frame with `reason` (`warning`, `refresh_requested`,
    /// `link_disabled`) to socket `conn` ("Handle disconnects gracefully").
    pub fn disconnect(&self, conn: usize, reason: &str) {
        self.send_frame(
            conn,
            json!({ "type": "disconnect", "reason": reason, "debug_info": { "host": "wss-111.slack.com" } }),
        );
    }

    /// Closes socket `conn` with a close frame, as Slack does some time after a disconnect.
    pub fn close(&self, conn: usize) {
        let _ = self.st().conns[conn].tx.send(Cmd::Close);
    }

    /// Drops socket `conn`'s TCP connection, no close frame.
    pub fn drop_socket(&self, conn: usize) {
        let _ = self.st().conns[conn].tx.send(Cmd::Drop);
    }

    /// Socket `conn` goes silent and deaf (a half-open connection): nothing is read any more,
    /// no ping answered; no envelope goes to it.
    pub fn freeze(&self, conn: usize) {
        let mut st = self.st();
        st.conns[conn].frozen = true;
        let _ = st.conns[conn].tx.send(Cmd::Freeze);
    }

    /// Socket Mode is switched off in the app's settings: every open socket gets
    /// `link_disabled` and is closed; new ones get the same instead of hello.
    pub fn disable(&self) {
        let mut st = self.st();
        st.disabled = true;
        for c in st.conns.iter().filter(|c| c.open) {
            let _ = c.tx.send(Cmd::Text(link_disabled()));
            let _ = c.tx.send(Cmd::Close);
        }
    }

    /// Socket Mode is on again.
    pub fn enable(&self) {
        self.st().disabled = false;
    }

    /// Every envelope so far, oldest first.
    pub fn envelopes(&self) -> Vec<Envelope> {
        self.st().envelopes.clone()
    }

    pub fn envelope(&self, id: &str) -> Envelope {
        self.envelopes()
            .into_iter()
            .find(|e| e.id == id)
            .unwrap_or_else(|| panic!("no envelope {id}"))
    }

    /// How many acks the envelope got (lost ones not counted).
    pub fn acks(&self, id: &str) -> usize {
        self.envelope(id).acks.len()
    }

    /// How many acks were lost on purpose.
    pub fn lost_acks(&self) -> u32 {
        self.st().lost_acks
    }

    /// Waits (at most 30 s, then fails naming `what`) until `done` holds.
    pub async fn wait_until(&self, what: &str, done: impl Fn(&SocketMode) -> bool) {
        let give_up = Instant::now() + Duration::from_secs(30);
        while !done(self) {
            assert!(Instant::now() < give_up, "gave up waiting for {what}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Takes the problems seen so far, for a test that provokes them on purpose.
    pub fn take_problems(&self) -> Vec<String> {
        std::mem::take(&mut self.st().problems)
    }
}

/// An `events_api` envelope ("Receive events": `payload`, `envelope_id`, `type`,
/// `accepts_response_payload`; Events API envelopes also carry `retry_attempt` and
/// `retry_reason`) around the `event_callback` wrapper of the Events API
/// (docs.slack.dev/apis/events-api, "Callback field overview": `token`, `team_id`,
/// `api_app_id`, `event`, `type`, `event_id`, `event_time`, `authorizations`,
/// `is_ext_shared_channel`, `event_context`).
fn envelope(id: &str, event_id: &str, event: Value) -> Value {
    json!({
        "envelope_id": id,
        "type": "events_api",
        "accepts_response_payload": false,
        "payload": {
            "token": "XXYYZZ",
            "team_id": TEAM,
            "api_app_id": APP,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": now(),
            "authorizations": [{
                "enterprise_id": null, "team_id": TEAM, "user_id": BOT_USER,
                "is_bot": true, "is_enterprise_install": false
            }],
            "is_ext_shared_channel": false,
            "event_context": format!("4-{event_id}"),
        },
    })
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A `message` someone typed (docs.slack.dev/reference/events/message.channels and
/// message.groups: `channel_type` `channel` or `group`; a thread reply carries `thread_ts`
/// and `parent_user_id`, reference/events/message/message_replied).
pub fn message_event(
    channel: &str,
    private: bool,
    user: &str,
    text: &str,
    ts: &str,
    thread_ts: Option<&str>,
) -> Value {
    let mut e = json!({
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": if private { "group" } else { "channel" },
        "team": TEAM,
        "client_msg_id": format!("{:08x}-0000-4000-8000-000000000000", fastrand::u32(..)),
    });
    if let Some(t) = thread_ts {
        e["thread_ts"] = json!(t);
        e["parent_user_id"] = json!("UHUMAN");
    }
    e
}

/// An `app_mention` (docs.slack.dev/reference/events/app_mention): the text starts with the
/// bot's `<@U…>`.
pub fn mention_event(channel: &str, user: &str, text: &str, ts: &str) -> Value {
    json!({
        "type": "app_mention",
        "user": user,
        "text": format!("<@{BOT_USER}> {text}"),
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM,
    })
}

/// An edit (reference/events/message/message_changed): `subtype: message_changed`, `hidden`,
/// the new `message` and the `previous_message`.
pub fn edit_event(channel: &str, user: &str, text: &str, ts: &str) -> Value {
    json!({
        "type": "message",
        "subtype": "message_changed",
        "hidden": true,
        "channel": channel,
        "channel_type": "channel",
        "ts": format!("{ts}9"),
        "event_ts": format!("{ts}9"),
        "message": { "type": "message", "user": user, "text": text, "ts": ts,
                     "edited": { "user": user, "ts": format!("{ts}9") } },
        "previous_message": { "type": "message", "user": user, "text": "earlier", "ts": ts },
    })
}

/// A message the app's own bot posted (as Slack echoes it to `message.channels`: the bot user,
/// `bot_id`, `app_id`, `bot_profile`).
pub fn own_message_event(channel: &str, text: &str, ts: &str) -> Value {
    json!({
        "type": "message",
        "channel": channel,
        "channel_type": "channel",
        "user": BOT_USER,
        "bot_id": BOT_ID,
        "app_id": APP,
        "bot_profile": { "id": BOT_ID, "app_id": APP, "name": "incbot" },
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "team": TEAM,
    })
}

/// "You may receive a warning about 10 seconds before the disconnect" and the other
/// `disconnect` reasons share this shape.
fn link_disabled() -> String {
    json!({ "type": "disconnect", "reason": "link_disabled", "debug_info": { "host": "wss-111.slack.com" } })
        .to_string()
}

/// Sends envelope `i` to socket `conn` now, recording the delivery when the socket took it.
fn send_delivery(st: &mut St, i: usize, conn: usize) {
    let attempt = st.envelopes[i].deliveries.len() as u32;
    let mut frame = st.envelopes[i].frame.clone();
    frame["retry_attempt"] = json!(attempt);
    frame["retry_reason"] = json!(if attempt == 0 { "" } else { "timeout" });
    if st.conns[conn].tx.send(Cmd::Text(frame.to_string())).is_ok() {
        st.envelopes[i]
            .deliveries
            .push((conn, attempt, Instant::now()));
    }
}

/// Sends what is due: envelopes never delivered (no socket was open), and unacked ones past
/// the ack deadline, while retries are left.
fn deliver_due(shared: &Shared) {
    let mut st = shared.st.lock().unwrap();
    let now = Instant::now();
    for i in 0..st.envelopes.len() {
        let e = &st.envelopes[i];
        if !e.acks.is_empty() {
            continue;
        }
        let due = match e.deliveries.last() {
            None => true,
            Some((_, attempt, at)) => {
                *attempt < st.max_retries && now.duration_since(*at) >= st.ack_deadline
            }
        };
        if !due {
            continue;
        }
        let open: Vec<usize> = (0..st.conns.len())
            .filter(|&c| st.conns[c].open && !st.conns[c].frozen)
            .collect();
        if open.is_empty() {
            continue;
        }
        st.rr += 1;
        let conn = open[st.rr % open.len()];
        send_delivery(&mut st, i, conn);
    }
}

/// One socket: the handshake (the ticket must be fresh), hello, then frames both ways.
async fn serve(shared: Arc<Shared>, tcp: TcpStream) {
    // The shape tungstenite's handshake callback must have.
    #[allow(clippy::result_large_err)]
    let check = |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        let ticket = req.uri().query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "ticket")
                .map(|(_, v)| v.into_owned())
        });
        let mut st = shared.st.lock().unwrap();
        let problem = match ticket.as_deref().map(|t| st.tickets.get(t).copied()) {
            _ if req.uri().path() != "/link/" => Some(format!("socket path {}", req.uri().path())),
            None => Some("a socket URL without a ticket".into()),
            Some(None) => Some("a socket URL apps.connections.open never handed out".into()),
            Some(Some(true)) => Some(
                "a socket URL used twice: every reconnect must call apps.connections.open again"
                    .into(),
            ),
            Some(Some(false)) => None,
        };
        if let Some(p) = problem {
            st.problems.push(p);
            let mut r = ErrorResponse::new(Some("invalid ticket".into()));
            *r.status_mut() = http::StatusCode::UNAUTHORIZED;
            return Err(r);
        }
        st.tickets.insert(ticket.unwrap(), true);
        Ok(resp)
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, check).await else {
        return;
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (me, first) = {
        let mut st = shared.st.lock().unwrap();
        st.conns.push(Conn {
            open: true,
            frozen: false,
            tx,
        });
        let me = st.conns.len() - 1;
        let first = if st.disabled {
            link_disabled()
        } else {
            // "After you connect to the WebSocket, Slack will send a hello message".
            let n = st.conns.iter().filter(|c| c.open && !c.frozen).count();
            json!({
                "type": "hello",
                "num_connections": n,
                "debug_info": { "host": "applink-fake", "started": "2026-12-07 03:04:05.000",
                                "build_number": 54, "approximate_connection_time": 18060 },
                "connection_info": { "app_id": APP },
            })
            .to_string()
        };
        (me, first)
    };
    let disabled = first.contains("link_disabled");
    let mut ok = ws.send(Message::text(first)).await.is_ok();
    if disabled {
        let _ = ws.close(None).await;
    }
    // Envelopes waiting for a socket go out now.
    deliver_due(&shared);
    while ok {
        tokio::select! {
            cmd = rx.recv() => match cmd {
                Some(Cmd::Text(t)) => ok = ws.send(Message::text(t)).await.is_ok(),
                Some(Cmd::Close) => {
                    let _ = ws.close(None).await;
                }
                Some(Cmd::Freeze) => {
                    // Hold the TCP connection, read nothing, answer nothing.
                    while let Some(c) = rx.recv().await {
                        if matches!(c, Cmd::Drop) {
                            break;
                        }
                    }
                    ok = false;
                }
                Some(Cmd::Drop) | None => ok = false,
            },
            frame = ws.next() => match frame {
                Some(Ok(Message::Text(t))) => ack(&shared, me, t.as_str()),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => ok = false,
                Some(Ok(_)) => {}
            },
        }
    }
    shared.st.lock().unwrap().conns[me].open = false;
}

/// An ack from socket `me` ("Acknowledge events": `{"envelope_id": …}`, and `payload` only
/// where the envelope `accepts_response_payload`).
fn ack(shared: &Shared, me: usize, text: &str) {
    let mut st = shared.st.lock().unwrap();
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        st.problems
            .push(format!("socket {me}: a frame that is not JSON"));
        return;
    };
    let Some(id) = v["envelope_id"].as_str() else {
        st.problems
            .push(format!("socket {me}: a frame that is not an ack: {v}"));
        return;
    };
    if v.as_object()
        .is_some_and(|o| o.keys().any(|k| k != "envelope_id"))
    {
        st.problems.push(format!(
            "socket {me}: an ack with more than its envelope_id (no envelope here accepts a response payload): {v}"
        ));
    }
    if st.lose_acks > 0 {
        st.lose_acks -= 1;
        st.lost_acks += 1;
        return;
    }
    let Some(e) = st.envelopes.iter_mut().find(|e| e.id == id) else {
        st.problems.push(format!(
            "socket {me}: an ack for an envelope never sent: {id}"
        ));
        return;
    };
    if !e.deliveries.iter().any(|(c, _, _)| *c == me) {
        let p = format!("socket {me}: an ack for {id}, which went to another socket");
        st.problems.push(p);
        return;
    }
    e.acks.push(me);
}
