//! Slack Socket Mode: the events of the team's own Slack app over a WebSocket that inc dials
//! out to, so `inc bot` listens on no port (docs.slack.dev/apis/events-api/using-socket-mode).
//!
//! - **Open**: `POST {api_url}/apps.connections.open` with the app-level token (`xapp-…`, scope
//!   `connections:write`) answers a `wss://` URL good for one connection: every reconnect asks
//!   for a fresh one. `ratelimited` waits the `Retry-After` Slack gives.
//! - **Connect**: the WebSocket handshake goes out on inc's one `reqwest::Client` (rustls with
//!   ring, the platform verifier, `[tls] ca_file`, `HTTPS_PROXY`), upgraded to a WebSocket with
//!   tokio-tungstenite. `wss://` anywhere; `ws://` only to a loopback host, as for `http://`.
//! - **hello** (with `num_connections`: every socket of the app, other replicas' included) is
//!   [`SocketEvent::Connected`].
//! - **Envelopes**: each one is acked (`{"envelope_id"}`, flushed) before anything else, and an
//!   `events_api` envelope with a `message` in a channel or private channel, or an
//!   `app_mention`, is then handed on as [`Incoming`]. Bots' messages (inc's own included),
//!   edits and other subtypes are acked and dropped. A redelivery (`retry_attempt` ≥ 1, after a
//!   lost ack) is handed on again, marked so: the consumer dedups by `event_id`.
//! - **disconnect**: `warning` opens the next socket at once; `refresh_requested` closes the
//!   old one only once the new one has said hello, so an envelope Slack sends in between is
//!   read on one of the two (as the Node SDK does). An envelope that arrives on a socket after
//!   inc closed it cannot be acked: Slack redelivers it on the other. `link_disabled` says
//!   "Socket Mode is disabled for this app" and retries at the longest backoff.
//! - **Liveness**: a ping every `ping_interval`; no frame at all (pongs included) for
//!   `idle_timeout` means a half-open socket, dropped and replaced; reconnects back off
//!   exponentially with jitter; the stop signal closes every socket within `close_grace`.
//!
//! The ticket in a socket URL is a credential: no message here carries the URL or the token.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures_util::stream::FuturesUnordered;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::{SendError, http};
use crate::config::Secret;

/// Where the app-level token comes from unless told otherwise.
pub const APP_TOKEN_ENV: &str = "SLACK_APP_TOKEN";
/// Slack's own wait when it throttles `apps.connections.open` without saying how long (the
/// Python SDK's default).
const RATE_LIMIT_WAIT: Duration = Duration::from_secs(30);
/// Larger frames are refused (Slack caps a message at 40,000 characters; an envelope is far
/// smaller than this).
const MAX_FRAME: usize = 4 << 20;

/// A `message` or `app_mention` event, already acked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incoming {
    pub envelope_id: String,
    pub event_id: String,
    pub retry_attempt: u32,
    pub channel: String,
    pub ts: String,
    pub thread_ts: Option<String>,
    pub user: String,
    pub text: String,
    /// Unix seconds, the event's own time.
    pub event_time: i64,
    /// `app_mention` (the text still holds the `<@U…>` prefix). Slack also sends a `message`
    /// event for the same message (another `event_id`, the same `channel` and `ts`) where the
    /// app reads the channel's messages.
    pub mention: bool,
}

/// What [`Socket::run`] hands on, in the order it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SocketEvent {
    Message(Incoming),
    /// A socket said hello; `num_connections` counts every open socket of the app (other
    /// replicas' too).
    Connected {
        num_connections: u32,
    },
    /// A socket ended: Slack's reason (`refresh_requested`, `link_disabled`, …) or what broke.
    Disconnected {
        reason: String,
    },
    /// Something is wrong and inc keeps trying: one line for the log, never a secret.
    Trouble {
        error: String,
    },
}

/// The clocks of the transport.
#[derive(Clone, Debug)]
pub struct Timing {
    /// How often inc pings Slack.
    pub ping_interval: Duration,
    /// No frame at all for this long (pongs included) and the socket is taken for dead.
    pub idle_timeout: Duration,
    /// Time allowed between the handshake and Slack's `hello`.
    pub hello_timeout: Duration,
    /// Time allowed for `apps.connections.open`, and for the WebSocket handshake.
    pub open_timeout: Duration,
    /// The first reconnect wait; it doubles per failure, with jitter, up to `max_backoff`.
    pub backoff: Duration,
    /// The longest wait, and the wait after `link_disabled` or a refused token.
    pub max_backoff: Duration,
    /// Time allowed for Slack to answer inc's close before the socket is dropped.
    pub close_grace: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            ping_interval: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            hello_timeout: Duration::from_secs(10),
            open_timeout: Duration::from_secs(10),
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            close_grace: Duration::from_secs(1),
        }
    }
}

/// One Slack app's Socket Mode client. Several may run at once (one per replica): Slack hands
/// each envelope to one of the app's sockets.
pub struct Socket {
    api: url::Url,
    token: Secret,
    http: reqwest::Client,
    token_source: String,
    timing: Timing,
}

type Ws = WebSocketStream<reqwest::Upgraded>;
type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl Socket {
    /// `api_url`: Slack's Web API base (`https://slack.com/api`); `app_token`: the app-level
    /// token; `http`: inc's client (its TLS, roots and proxy carry the socket too).
    pub fn new(api_url: &url::Url, app_token: Secret, http: reqwest::Client) -> Socket {
        Socket {
            api: api_url.clone(),
            token: app_token,
            http,
            token_source: format!("${APP_TOKEN_ENV}"),
            timing: Timing::default(),
        }
    }

    /// How errors name the token's source (`$SLACK_APP_TOKEN` unless told, e.g. the
    /// `[bot] app_token_env` variable or `token_cmd`).
    pub fn token_source(mut self, source: impl Into<String>) -> Socket {
        self.token_source = source.into();
        self
    }

    pub fn timing(mut self, timing: Timing) -> Socket {
        self.timing = timing;
        self
    }

    /// `inc doctor`: proves the app token and that Socket Mode is on (Slack answers
    /// `apps.connections.open` with a URL only then) without connecting: the URL is dropped
    /// and expires unused.
    pub async fn check(&self) -> Result<String, SendError> {
        self.open_url().await?;
        Ok(format!(
            "apps.connections.open ok: the app token in {} opens Socket Mode",
            self.token_source
        ))
    }

    /// Runs until `stop` turns true (or its sender is dropped, or `tx`'s receiver is): keeps
    /// a socket open, reconnecting by itself, and hands on what arrives. On stop it closes
    /// every socket (within `close_grace`), then hands on what was already acked and returns;
    /// keep receiving until `tx` closes so that nothing acked is lost.
    pub async fn run(&self, tx: mpsc::Sender<SocketEvent>, stop: watch::Receiver<bool>) {
        // Acks never wait on the consumer: events queue here while it is busy.
        let (queue, mut queued) = mpsc::unbounded_channel::<SocketEvent>();
        let forward = async move {
            while let Some(ev) = queued.recv().await {
                if tx.send(ev).await.is_err() {
                    break;
                }
            }
        };
        tokio::join!(self.manage(queue, stop), forward);
    }

    /// The sockets: opens one, replaces it when Slack asks, reconnects when it breaks.
    async fn manage(
        &self,
        events: mpsc::UnboundedSender<SocketEvent>,
        stop: watch::Receiver<bool>,
    ) {
        let t = &self.timing;
        let (ctl_tx, mut ctl_rx) = mpsc::unbounded_channel::<(u64, Ctl)>();
        let mut conns: FuturesUnordered<Boxed<'_, Ended>> = FuturesUnordered::new();
        let mut live: Vec<Live> = Vec::new();
        let mut next_id = 0u64;
        let mut opening: Option<Boxed<'_, Result<Ws, SendError>>> = Some(Box::pin(self.open()));
        let mut wait: Option<Pin<Box<tokio::time::Sleep>>> = None;
        let mut failures = 0u32;
        let mut disabled = false;
        let mut stopping = false;
        let mut stop = stop;
        let stopped = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        tokio::pin!(stopped);
        loop {
            if stopping && conns.is_empty() {
                return;
            }
            tokio::select! {
                biased;
                _ = &mut stopped, if !stopping => {
                    stopping = true;
                }
                _ = events.closed(), if !stopping => {
                    stopping = true;
                }
                // A socket tells its disconnect before it ends: that is read first.
                Some((id, ctl)) = ctl_rx.recv() => match ctl {
                    Ctl::Hello => {
                        disabled = false;
                        if let Some(l) = live.iter_mut().find(|l| l.id == id) {
                            l.up = true;
                        }
                        // The new socket is up: the ones Slack is refreshing can go now.
                        for l in live.iter().filter(|l| l.id != id && l.refresh) {
                            let _ = l.close.send(true);
                        }
                    }
                    Ctl::Disconnect(reason) => {
                        let newer_up = live.iter().any(|l| l.id > id && l.up);
                        let Some(l) = live.iter_mut().find(|l| l.id == id) else { continue };
                        match reason.as_str() {
                            "warning" => l.retiring = true,
                            "link_disabled" => {
                                l.retiring = true;
                                disabled = true;
                                let _ = l.close.send(true);
                                let _ = events.send(SocketEvent::Trouble {
                                    error: format!(
                                        "Socket Mode is disabled for this app: turn it on under Socket Mode in the app's settings; inc tries again every {}",
                                        secs(t.max_backoff)
                                    ),
                                });
                                continue;
                            }
                            // `refresh_requested`, and any reason Slack adds later.
                            _ => {
                                l.retiring = true;
                                l.refresh = true;
                                if newer_up {
                                    let _ = l.close.send(true);
                                }
                            }
                        }
                        if !stopping && opening.is_none() && !live.iter().any(|l| !l.retiring) {
                            // Replace it now, whatever backoff was pending.
                            wait = None;
                            opening = Some(Box::pin(self.open()));
                        }
                    }
                },
                Some(end) = conns.next(), if !conns.is_empty() => {
                    live.retain(|l| l.id != end.id);
                    let _ = events.send(SocketEvent::Disconnected { reason: end.reason.clone() });
                    if end.disabled {
                        disabled = true;
                    }
                    if stopping || opening.is_some() || wait.is_some() || live.iter().any(|l| !l.retiring) {
                        continue;
                    }
                    // Nothing else is open or opening: reconnect. At once after a socket that
                    // served a while (a refresh, a drop after hours); else after a backoff.
                    let healthy = end.up_for.is_some_and(|d| d >= t.max_backoff);
                    if healthy && !disabled {
                        failures = 0;
                        opening = Some(Box::pin(self.open()));
                    } else {
                        failures += 1;
                        let pause = if disabled { jitter(t.max_backoff) } else { backoff(t, failures) };
                        wait = Some(Box::pin(tokio::time::sleep(pause)));
                    }
                }
                res = maybe(&mut opening) => {
                    opening = None;
                    match res {
                        Ok(ws) if !stopping => {
                            let id = next_id;
                            next_id += 1;
                            let (close, close_rx) = watch::channel(false);
                            live.push(Live { id, close, up: false, retiring: false, refresh: false });
                            let (events, ctl) = (events.clone(), ctl_tx.clone());
                            conns.push(Box::pin(self.connection(id, ws, events, ctl, close_rx)));
                        }
                        Ok(_) => {}
                        Err(e) => {
                            failures += 1;
                            let pause = match &e {
                                SendError::Transient { retry_after: Some(w), .. } => *w,
                                SendError::Auth { .. } => jitter(t.max_backoff),
                                _ => backoff(t, failures),
                            };
                            let _ = events.send(SocketEvent::Trouble {
                                error: format!("{e}; trying again in {}", secs(pause)),
                            });
                            wait = Some(Box::pin(tokio::time::sleep(pause)));
                        }
                    }
                }
                _ = maybe(&mut wait) => {
                    wait = None;
                    if !stopping {
                        opening = Some(Box::pin(self.open()));
                    }
                }
            }
            if stopping {
                opening = None;
                wait = None;
                for l in &live {
                    let _ = l.close.send(true);
                }
            }
        }
    }

    /// A fresh URL, then the WebSocket handshake on it.
    async fn open(&self) -> Result<Ws, SendError> {
        let url = self.open_url().await?;
        tokio::time::timeout(self.timing.open_timeout, connect(&self.http, url))
            .await
            .unwrap_or_else(|_| {
                Err(SendError::Transient {
                    message: format!(
                        "Slack Socket Mode: no WebSocket handshake within {}",
                        secs(self.timing.open_timeout)
                    ),
                    retry_after: None,
                })
            })
    }

    /// `apps.connections.open`: the URL of one new socket.
    async fn open_url(&self) -> Result<url::Url, SendError> {
        let token = self.token.expose();
        let source = &self.token_source;
        if ["xoxb-", "xoxp-", "xoxe-"]
            .iter()
            .any(|p| token.starts_with(p))
        {
            return Err(SendError::Auth {
                message: format!(
                    "{source} holds a bot or user token; Socket Mode needs the app-level token (xapp-…, scope connections:write) from the app's Basic Information page"
                ),
            });
        }
        // The token never goes out in clear but to this machine (as for every `http://`).
        if self.api.scheme() != "https" && !crate::config::is_loopback(&self.api) {
            return Err(SendError::Rejected {
                status: None,
                message: "slack.api_url: plain http:// to a non-loopback host; use https://".into(),
            });
        }
        let hint = format!("check the app-level token in {source} and run `inc doctor`");
        let req = self
            .http
            .post(http::join(&self.api, "apps.connections.open", &[]))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Authorization", format!("Bearer {token}"))
            .timeout(self.timing.open_timeout);
        let api = http::Api::new("Slack", |b| b["error"].as_str().map(str::to_string), &hint);
        let raw = http::fetch(req, &api).await?;
        let retry_after = http::retry_after(&raw.headers);
        let body = http::classify(raw, &api)?.body;
        if body["ok"].as_bool() != Some(true) {
            let code = body["error"].as_str().unwrap_or("unknown_error");
            return Err(match code {
                "ratelimited" | "rate_limited" => SendError::Transient {
                    message: "Slack apps.connections.open: ratelimited".into(),
                    retry_after: Some(retry_after.unwrap_or(RATE_LIMIT_WAIT)),
                },
                "internal_error" | "fatal_error" | "service_unavailable" | "request_timeout" => {
                    SendError::Transient {
                        message: format!("Slack apps.connections.open: {code}"),
                        retry_after: None,
                    }
                }
                "not_authed"
                | "invalid_auth"
                | "account_inactive"
                | "token_revoked"
                | "token_expired"
                | "not_allowed_token_type"
                | "missing_scope"
                | "no_permission"
                | "missing_args" => SendError::Auth {
                    message: format!(
                        "Slack refused the app-level token in {source} ({code}): it must be the app's xapp-… token with the connections:write scope"
                    ),
                },
                _ => SendError::Rejected {
                    status: None,
                    message: format!("Slack apps.connections.open: {code}"),
                },
            });
        }
        let url = body["url"].as_str().unwrap_or_default();
        socket_url(url).map_err(|why| SendError::Rejected {
            status: None,
            message: format!("Slack apps.connections.open answered a URL inc will not use: {why}"),
        })
    }

    /// One socket, until it ends: acks and hands on envelopes, answers Slack's disconnects
    /// (through `ctl`), pings, and watches for silence.
    async fn connection(
        &self,
        id: u64,
        mut ws: Ws,
        events: mpsc::UnboundedSender<SocketEvent>,
        ctl: mpsc::UnboundedSender<(u64, Ctl)>,
        mut close: watch::Receiver<bool>,
    ) -> Ended {
        let t = &self.timing;
        let started = Instant::now();
        let mut hello: Option<Instant> = None;
        let mut last_in = started;
        let mut closing: Option<Instant> = None;
        let mut said: Option<String> = None;
        let mut ping = tokio::time::interval_at(started + t.ping_interval, t.ping_interval);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let end = |why: String, said: &Option<String>, hello: Option<Instant>| Ended {
            id,
            disabled: said.as_deref() == Some("link_disabled"),
            reason: match said {
                Some(r) => r.clone(),
                None => why,
            },
            up_for: hello.map(|h| h.elapsed()),
        };
        loop {
            let deadline = match (closing, hello) {
                (Some(c), _) => c + t.close_grace,
                (None, None) => started + t.hello_timeout,
                (None, Some(_)) => last_in + t.idle_timeout,
            };
            tokio::select! {
                biased;
                _ = async { let _ = close.wait_for(|c| *c).await; }, if closing.is_none() => {
                    closing = Some(Instant::now());
                    // Slack may still send frames before it answers the close: they are read,
                    // but cannot be acked any more, so Slack redelivers them elsewhere.
                    let _ = tokio::time::timeout(t.close_grace, ws.close(None)).await;
                }
                _ = tokio::time::sleep_until(deadline) => {
                    let why = match (closing, hello) {
                        (Some(_), _) => "closed by inc".to_string(),
                        (None, None) => format!("Slack said no hello within {}", secs(t.hello_timeout)),
                        (None, Some(_)) => format!("no frame from Slack for {}: the socket is dead", secs(t.idle_timeout)),
                    };
                    return end(why, &said, hello);
                }
                _ = ping.tick(), if closing.is_none() => {
                    if let Err(e) = send(&mut ws, Message::Ping(Default::default()), t.idle_timeout).await {
                        return end(format!("the socket broke: {e}"), &said, hello);
                    }
                }
                frame = ws.next() => {
                    last_in = Instant::now();
                    let text = match frame {
                        None => {
                            let why = if closing.is_some() { "closed by inc" } else { "Slack closed the socket" };
                            return end(why.into(), &said, hello);
                        }
                        Some(Err(e)) => {
                            let why = if closing.is_some() { "closed by inc".into() } else { format!("the socket broke: {e}") };
                            return end(why, &said, hello);
                        }
                        Some(Ok(Message::Text(text))) => text,
                        // Pongs and pings (tungstenite answers them) only prove the socket lives.
                        Some(Ok(_)) => continue,
                    };
                    let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) else {
                        let _ = events.send(SocketEvent::Trouble { error: "Slack sent a frame that is not JSON; ignored".into() });
                        continue;
                    };
                    let envelope = frame["envelope_id"].as_str().filter(|e| !e.is_empty());
                    let mut acked = false;
                    if let Some(envelope) = envelope
                        && closing.is_none()
                    {
                        // The ack goes out (flushed) before anything is handed on.
                        let ack = json!({ "envelope_id": envelope }).to_string();
                        if let Err(e) = send(&mut ws, Message::text(ack), t.idle_timeout).await {
                            return end(format!("the socket broke while acking: {e}"), &said, hello);
                        }
                        acked = true;
                    }
                    match frame["type"].as_str().unwrap_or_default() {
                        "hello" => {
                            if hello.is_none() {
                                hello = Some(Instant::now());
                            }
                            let n = frame["num_connections"].as_u64().unwrap_or(1);
                            let num_connections = u32::try_from(n).unwrap_or(u32::MAX);
                            let _ = events.send(SocketEvent::Connected { num_connections });
                            let _ = ctl.send((id, Ctl::Hello));
                        }
                        "disconnect" => {
                            let reason = frame["reason"].as_str().unwrap_or("unknown").chars().take(60).collect::<String>();
                            if reason != "warning" {
                                said = Some(reason.clone());
                            }
                            let _ = ctl.send((id, Ctl::Disconnect(reason)));
                        }
                        "events_api" if acked => {
                            if let Some(m) = incoming(&frame) {
                                let _ = events.send(SocketEvent::Message(m));
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// What a socket tells the manager.
enum Ctl {
    Hello,
    Disconnect(String),
}

/// A socket the manager holds.
struct Live {
    id: u64,
    close: watch::Sender<bool>,
    /// It said hello.
    up: bool,
    /// Slack warned or asked for a refresh: a new socket takes over.
    retiring: bool,
    /// Slack asked for the refresh: it closes once a newer socket is up.
    refresh: bool,
}

/// How a socket ended.
struct Ended {
    id: u64,
    reason: String,
    /// How long it served after hello (`None`: it never said hello).
    up_for: Option<Duration>,
    disabled: bool,
}

/// Sends (and flushes) one frame; a send still stuck after `within` (a dead peer whose TCP
/// window is shut) is an error, so that a write never outlives the idle timeout.
async fn send(ws: &mut Ws, m: Message, within: Duration) -> Result<(), String> {
    match tokio::time::timeout(within, ws.send(m)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("a write was stuck for {}", secs(within))),
    }
}

async fn maybe<F: Future + Unpin>(f: &mut Option<F>) -> F::Output {
    match f {
        Some(f) => f.await,
        None => std::future::pending().await,
    }
}

/// The wait before reconnect number `failures` (1, 2, …): `backoff` doubling up to
/// `max_backoff`, half fixed and half random, so replicas cut off together do not come back in
/// step.
fn backoff(t: &Timing, failures: u32) -> Duration {
    let step = t
        .backoff
        .saturating_mul(1u32 << failures.saturating_sub(1).min(20))
        .min(t.max_backoff);
    jitter(step)
}

/// `d` less up to half of it, at random.
fn jitter(d: Duration) -> Duration {
    let half = d / 2;
    let ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
    half + Duration::from_millis(fastrand::u64(0..=ms))
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// The socket URL Slack answered, as the HTTP URL its handshake goes to: `wss://` anywhere,
/// `ws://` only to a loopback host. The reason never quotes the URL (its ticket is a secret).
fn socket_url(u: &str) -> Result<url::Url, String> {
    let mut url = url::Url::parse(u).map_err(|_| "not a URL".to_string())?;
    let scheme = match url.scheme() {
        "wss" => "https",
        "ws" if crate::config::is_loopback(&url) => "http",
        "ws" => return Err("plain ws:// to a non-loopback host".into()),
        other => return Err(format!("unsupported scheme {other}://")),
    };
    url.set_scheme(scheme)
        .map_err(|_| "its scheme cannot be used".to_string())?;
    Ok(url)
}

/// The WebSocket handshake (RFC 6455 §4.1) as an HTTP/1.1 upgrade on inc's client, then the
/// WebSocket on the upgraded connection.
async fn connect(client: &reqwest::Client, url: url::Url) -> Result<Ws, SendError> {
    let transient = |message: String| SendError::Transient {
        message,
        retry_after: None,
    };
    let key = generate_key();
    let resp = client
        .get(url)
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", &key)
        .send()
        .await
        .map_err(|e| {
            transient(format!(
                "Slack Socket Mode: {}",
                http::transport_error(&e.without_url())
            ))
        })?;
    let status = resp.status().as_u16();
    if status != 101 {
        return Err(transient(format!(
            "Slack Socket Mode: the socket answered HTTP {status}, not a WebSocket"
        )));
    }
    let accept = resp
        .headers()
        .get("sec-websocket-accept")
        .and_then(|v| v.to_str().ok());
    if accept != Some(derive_accept_key(key.as_bytes()).as_str()) {
        return Err(transient(
            "Slack Socket Mode: the socket's handshake did not answer inc's key".into(),
        ));
    }
    let upgraded = resp.upgrade().await.map_err(|e| {
        transient(format!(
            "Slack Socket Mode: {}",
            http::transport_error(&e.without_url())
        ))
    })?;
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_FRAME))
        .max_frame_size(Some(MAX_FRAME));
    Ok(WebSocketStream::from_raw_socket(upgraded, Role::Client, Some(config)).await)
}

/// The message an `events_api` envelope carries, when it is one a person typed in a channel
/// or private channel (or an `app_mention`): not a bot's (inc's own included), not an edit, a
/// deletion or another subtype (docs.slack.dev/reference/events/message, /app_mention).
pub fn incoming(envelope: &Value) -> Option<Incoming> {
    let p = &envelope["payload"];
    if p["type"] != "event_callback" {
        return None;
    }
    let e = &p["event"];
    let mention = match e["type"].as_str()? {
        "app_mention" => true,
        "message" => false,
        _ => return None,
    };
    let channel = e["channel"].as_str().filter(|c| !c.is_empty())?;
    if !mention {
        let in_channel = match e["channel_type"].as_str() {
            Some(t) => matches!(t, "channel" | "group"),
            None => channel.starts_with(['C', 'G']),
        };
        if !in_channel {
            return None;
        }
    }
    // Plain messages and thread replies (a reply also sent to the channel is
    // `thread_broadcast`); edits (`message_changed`), deletions, joins, bots' posts are not.
    if !matches!(e["subtype"].as_str(), None | Some("thread_broadcast"))
        || e["hidden"].as_bool() == Some(true)
    {
        return None;
    }
    if !e["bot_id"].is_null() || !e["bot_profile"].is_null() {
        return None;
    }
    let user = e["user"].as_str().filter(|u| !u.is_empty())?;
    let own = p["authorizations"].as_array().is_some_and(|a| {
        a.iter()
            .any(|z| z["is_bot"].as_bool() == Some(true) && z["user_id"].as_str() == Some(user))
    });
    if own {
        return None;
    }
    Some(Incoming {
        envelope_id: envelope["envelope_id"].as_str()?.to_string(),
        event_id: p["event_id"]
            .as_str()
            .filter(|i| !i.is_empty())?
            .to_string(),
        retry_attempt: envelope["retry_attempt"]
            .as_u64()
            .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)),
        channel: channel.to_string(),
        ts: e["ts"].as_str().filter(|t| !t.is_empty())?.to_string(),
        thread_ts: e["thread_ts"].as_str().map(str::to_string),
        user: user.to_string(),
        text: e["text"].as_str().unwrap_or_default().to_string(),
        event_time: p["event_time"].as_i64().unwrap_or(0),
        mention,
    })
}

/// The bot scopes of the app, each with why and the Web API methods it lets inc call.
pub const SCOPES: &[(&str, &str, &[&str])] = &[
    (
        "app_mentions:read",
        "the app_mention event: `@inc ic page`",
        &[],
    ),
    (
        "channels:history",
        "message.channels (`!ic page` is plain text); history for `inc sync` and retried posts",
        &["conversations.history", "conversations.replies"],
    ),
    (
        "groups:history",
        "the same in private channels (security incidents are private)",
        &["conversations.history", "conversations.replies"],
    ),
    (
        "channels:read",
        "conversations.info/.list: find #name, read its topic, tell a private one",
        &["conversations.info", "conversations.list"],
    ),
    (
        "groups:read",
        "the same for private channels",
        &["conversations.info", "conversations.list"],
    ),
    (
        "channels:manage",
        "conversations.create/.setTopic/.invite: the per-incident public channel",
        &[
            "conversations.create",
            "conversations.setTopic",
            "conversations.invite",
        ],
    ),
    (
        "groups:write",
        "the same for private (security) incident channels",
        &[
            "conversations.create",
            "conversations.setTopic",
            "conversations.invite",
        ],
    ),
    (
        "channels:join",
        "conversations.join when a post finds the bot outside a public channel",
        &["conversations.join"],
    ),
    (
        "chat:write",
        "posts, the bot's threaded replies, and chat.update for `!status stalk`",
        &["chat.postMessage", "chat.update"],
    ),
    (
        "pins:write",
        "pins.add: the incident summary pinned in its channel",
        &["pins.add"],
    ),
    (
        "reactions:write",
        "reactions.add: the claim that makes several bots answer each command once",
        &["reactions.add"],
    ),
    (
        "users:read",
        "users.info: refuse guests (is_restricted), skip bots and deactivated users",
        &["users.info"],
    ),
    (
        "users:read.email",
        "the sender's email authors their events; users.lookupByEmail finds responders",
        &["users.info", "users.lookupByEmail"],
    ),
];

/// The bot events of the app, each with why.
pub const EVENTS: &[(&str, &str)] = &[
    ("app_mention", "@inc in a channel the bot is in"),
    (
        "message.channels",
        "every message in the public channels the bot is in",
    ),
    (
        "message.groups",
        "every message in the private channels the bot is in",
    ),
];

/// The Slack app manifest (YAML, version 1 of Slack's manifest schema) for `inc bot manifest`:
/// Socket Mode on, the bot scopes and events inc needs, each with why.
pub fn manifest(app_name: &str) -> String {
    let name: String = app_name.trim().chars().take(35).collect();
    let name = if name.trim().is_empty() {
        "inc".to_string()
    } else {
        name.trim().to_string()
    };
    // A bot's display name: lowercase letters, digits, `.`, `-`, `_`.
    let mut handle = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_') {
            handle.push(c);
        } else if !handle.ends_with('-') {
            handle.push('-');
        }
    }
    let handle = match handle.trim_matches('-') {
        "" => "inc".to_string(),
        h => h.chars().take(80).collect(),
    };
    let quoted = |s: &str| serde_json::to_string(s).expect("a string serialises");
    let mut out = String::new();
    out.push_str(&format!(
        "\
# The Slack app of `inc bot` (`inc bot manifest`). Create it as your team's OWN INTERNAL app:
# api.slack.com/apps > Create New App > From a manifest, pick your workspace, paste this, and
# install it. Never share one distributed app between teams: since May 2025 Slack limits
# conversations.history and conversations.replies to 1 call a minute and 15 messages for
# commercially distributed apps outside the Marketplace, while internal customer-built apps
# keep the normal limits that `inc sync` relies on (and Socket Mode apps cannot be listed in
# the Marketplace anyway).
# Then:
#   - Basic Information > App-Level Tokens: generate one with the scope connections:write
#     and give it to `inc bot` as ${APP_TOKEN_ENV} (xapp-...), or in [bot] app_token_env;
#   - OAuth & Permissions > Bot User OAuth Token: ${bot} (xoxb-...);
#   - invite the bot to every room of [bot] rooms (inc's own incident channels have it):
#     /invite @{at}
_metadata:
  major_version: 1
  minor_version: 1
display_information:
  name: {name}
  description: \"Pages the IC and answers !ic page, !status and !status stalk in the incident room\"
features:
  bot_user:
    display_name: {handle}
    always_online: false
oauth_config:
  scopes:
    bot:
",
        bot = super::slack::TOKEN_ENV,
        name = quoted(&name),
        handle = quoted(&handle),
        at = handle,
    ));
    for (scope, why, _) in SCOPES {
        out.push_str(&format!("      # {why}\n      - {scope}\n"));
    }
    out.push_str("settings:\n  event_subscriptions:\n    bot_events:\n");
    for (event, why) in EVENTS {
        out.push_str(&format!("      # {why}\n      - {event}\n"));
    }
    out.push_str(
        "  \
  interactivity:
    is_enabled: false
  org_deploy_enabled: false
  # Events come over a WebSocket that inc dials out to: no Request URL, no open port.
  socket_mode_enabled: true
  token_rotation_enabled: false
",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(event: Value) -> Value {
        json!({
            "envelope_id": "e1", "type": "events_api", "accepts_response_payload": false,
            "retry_attempt": 0,
            "payload": {
                "type": "event_callback", "event_id": "Ev1", "event_time": 1_700_000_000,
                "authorizations": [{ "user_id": "UBOT", "is_bot": true }],
                "event": event,
            },
        })
    }

    #[test]
    fn a_typed_message_is_handed_on_and_the_rest_is_not() {
        let plain = json!({ "type": "message", "channel": "C1", "channel_type": "channel",
            "user": "UANN", "text": "!ic page", "ts": "1.000001" });
        let m = incoming(&envelope(plain.clone())).unwrap();
        assert_eq!(
            (
                m.channel.as_str(),
                m.user.as_str(),
                m.text.as_str(),
                m.mention
            ),
            ("C1", "UANN", "!ic page", false)
        );
        assert_eq!((m.event_id.as_str(), m.event_time), ("Ev1", 1_700_000_000));
        let with = |k: &str, v: Value| {
            let mut e = plain.clone();
            e[k] = v;
            incoming(&envelope(e))
        };
        assert_eq!(
            with("thread_ts", json!("0.5"))
                .unwrap()
                .thread_ts
                .as_deref(),
            Some("0.5")
        );
        assert!(with("subtype", json!("thread_broadcast")).is_some());
        assert!(with("channel_type", json!("group")).is_some(), "private");
        for (k, v) in [
            ("subtype", json!("message_changed")),
            ("subtype", json!("message_deleted")),
            ("subtype", json!("channel_join")),
            ("subtype", json!("bot_message")),
            ("bot_id", json!("B1")),
            ("user", json!("UBOT")),
            ("channel_type", json!("im")),
            ("channel_type", json!("mpim")),
            ("hidden", json!(true)),
        ] {
            assert!(with(k, v.clone()).is_none(), "{k}={v}");
        }
        let mention = json!({ "type": "app_mention", "channel": "C1", "user": "UANN",
            "text": "<@UBOT> ic page", "ts": "1.000002" });
        assert!(incoming(&envelope(mention)).unwrap().mention);
        assert!(
            incoming(&envelope(
                json!({ "type": "reaction_added", "user": "UANN" })
            ))
            .is_none()
        );
        let mut retried = envelope(plain);
        retried["retry_attempt"] = json!(2);
        assert_eq!(incoming(&retried).unwrap().retry_attempt, 2);
    }

    #[test]
    fn socket_urls_are_wss_or_loopback_ws() {
        assert_eq!(
            socket_url("wss://wss.slack.com/link/?ticket=1")
                .unwrap()
                .as_str(),
            "https://wss.slack.com/link/?ticket=1"
        );
        assert_eq!(
            socket_url("ws://127.0.0.1:9/link/?ticket=1")
                .unwrap()
                .scheme(),
            "http"
        );
        let bad = socket_url("ws://wss.example.com/link/?ticket=s3cret").unwrap_err();
        assert!(
            bad.contains("non-loopback") && !bad.contains("s3cret"),
            "{bad}"
        );
        assert!(socket_url("https://x/?ticket=s3cret").is_err());
        assert!(
            !socket_url("nonsense ticket=s3cret")
                .unwrap_err()
                .contains("s3cret")
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_longest() {
        let t = Timing {
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            ..Timing::default()
        };
        for _ in 0..200 {
            for (n, step) in [(1, 1), (2, 2), (3, 4), (5, 16), (6, 30), (40, 30)] {
                let w = backoff(&t, n);
                let step = Duration::from_secs(step);
                assert!(w >= step / 2 && w <= step, "failure {n}: {w:?}");
            }
        }
    }

    /// Every Web API method `providers/slack.rs` calls is granted by a scope of the manifest
    /// (or needs none), so a method added there without its scope fails here.
    #[test]
    fn every_slack_method_inc_calls_has_its_scope_in_the_manifest() {
        let src = include_str!("slack.rs");
        let is_method = |s: &str| {
            let mut parts = s.splitn(2, '.');
            let (Some(family), Some(name)) = (parts.next(), parts.next()) else {
                return false;
            };
            !family.is_empty()
                && family.bytes().all(|b| b.is_ascii_lowercase())
                && name.starts_with(|c: char| c.is_ascii_lowercase())
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
        };
        let called: std::collections::BTreeSet<&str> = src
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| is_method(s))
            .collect();
        assert!(
            called.contains("chat.postMessage") && called.contains("users.info"),
            "{called:?}"
        );
        for m in called {
            if m == "auth.test" {
                continue; // needs no scope
            }
            assert!(
                SCOPES.iter().any(|(_, _, methods)| methods.contains(&m)),
                "slack.rs calls {m}, but no scope in SCOPES (the manifest) grants it"
            );
        }
    }

    #[tokio::test]
    async fn the_app_token_goes_in_clear_to_loopback_only() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let api = url::Url::parse("http://slack.example.com/api").unwrap();
        let s = Socket::new(&api, Secret::new("xapp-1".into()), reqwest::Client::new());
        let e = s.check().await.unwrap_err().to_string();
        assert!(e.contains("slack.api_url") && e.contains("https://"), "{e}");
    }

    /// The bot may spawn the loop on a multi-thread runtime.
    #[test]
    fn the_loop_can_be_spawned() {
        fn send<T: Send>(_: &T) {}
        let _ = rustls::crypto::ring::default_provider().install_default();
        let api = url::Url::parse("http://127.0.0.1:9/api").unwrap();
        let s = Socket::new(&api, Secret::new("xapp-1".into()), reqwest::Client::new());
        let (tx, _rx) = mpsc::channel(1);
        let (_stop, stop_rx) = watch::channel(false);
        send(&s.run(tx, stop_rx));
    }
}
