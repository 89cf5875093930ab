//! The Matrix side of `inc bot`: a `/sync` long poll with an uploaded filter (messages and
//! inc's own state, in joined rooms), from the present on the first start and from the saved
//! token after a restart, backing off on errors and honouring `M_LIMIT_EXCEEDED`'s wait. Its
//! own messages, edits (`m.replace`) and the reply fallback are never commands. A claim is a
//! reaction naming this bot, decided by the room's own order of the command's annotations.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use super::handle::Claim;
use super::{Bot, Chat, Event, Message};
use crate::config::BotConfig;
use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::model::wire;
use crate::providers::SendError;
use crate::providers::matrix::sync::{self as mx, CLAIM_PREFIX, STALK_STATE};

/// How long the homeserver may hold one `/sync`.
const LONG_POLL: Duration = Duration::from_secs(30);
/// The longest wait between two tries after errors.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What the bot knows of a joined room.
#[derive(Clone, Debug, Default)]
pub(crate) struct Room {
    /// `org.inc.incident`'s content: the room is an incident room.
    pub incident: Option<Value>,
    /// `org.inc.stalk`'s content, and when it was set.
    pub stalk: Option<(Value, Timestamp)>,
    /// The newest stalk heartbeat seen: `(holder, when)`.
    pub beat: Option<(String, Timestamp)>,
}

pub(crate) struct Matrix {
    /// The bot's user id and its homeserver's name.
    pub me: String,
    pub server: String,
    filter: String,
    /// Shared rooms served (`[bot] rooms`, `[matrix] room`): room id → the names it was given by.
    shared: HashMap<String, Vec<String>>,
    pub rooms: RefCell<HashMap<String, Room>>,
}

impl Matrix {
    /// Checks the token (`whoami`: refused is exit 78), uploads the filter and joins the
    /// shared rooms.
    pub async fn start(ctx: &Ctx, cfg: &BotConfig) -> CliResult<Matrix> {
        let client = ctx.matrix()?;
        let me = client.whoami().await.map_err(|e| match e {
            SendError::Auth { message } => CliError::config(message),
            other => CliError::failed(format!("Matrix: {other}")),
        })?;
        let server = me
            .split_once(':')
            .map(|(_, s)| s.to_string())
            .unwrap_or_default();
        let filter = client
            .upload_filter(&mx::sync_filter(100))
            .await
            .map_err(|e| CliError::failed(format!("Matrix: cannot upload the sync filter: {e}")))?;
        let mut names: Vec<String> = cfg
            .rooms
            .iter()
            .filter(|r| is_matrix_room(r))
            .cloned()
            .collect();
        if let Some(m) = &ctx.config()?.values.matrix
            && !m.per_incident_room
            && let Some(r) = &m.room
        {
            names.push(r.clone());
        }
        let mut shared: HashMap<String, Vec<String>> = HashMap::new();
        for name in names {
            let id = match client.room_id(&name).await {
                Ok(id) if name.starts_with('!') => client.join(&id).await.unwrap_or(id),
                Ok(id) => id,
                Err(e) => {
                    return Err(CliError::config(format!(
                        "bot.rooms: cannot join the Matrix room {name}: {e}"
                    )));
                }
            };
            let list = shared.entry(id.clone()).or_default();
            list.push(id);
            list.push(name);
        }
        Ok(Matrix {
            me,
            server,
            filter,
            shared,
            rooms: Default::default(),
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "Matrix as {} ({} shared room{})",
            self.me,
            self.shared.len(),
            if self.shared.len() == 1 { "" } else { "s" }
        )
    }

    /// The homeservers whose users may run commands: `[bot] allowed_servers`, else the bot's own.
    pub fn allowed_servers(&self, cfg: &BotConfig) -> Vec<String> {
        if cfg.allowed_servers.is_empty() {
            vec![self.server.clone()]
        } else {
            cfg.allowed_servers.clone()
        }
    }

    pub fn is_shared(&self, room: &str) -> bool {
        self.shared.contains_key(room)
    }

    /// The names a room was configured by (its aliases), besides its id.
    pub fn names_of(&self, room: &str) -> Vec<String> {
        self.shared.get(room).cloned().unwrap_or_default()
    }

    /// The inc incident of an incident room (its `org.inc.incident`), read once when `/sync`
    /// has not said.
    pub async fn incident_of(&self, bot: &Bot<'_>, room: &str) -> Option<String> {
        let known = self.rooms.borrow().get(room).map(|r| r.incident.clone());
        let state = match known {
            Some(s) => s,
            None => {
                let client = bot.ctx.matrix().ok()?;
                let s = client.state(room, wire::MATRIX_STATE_TYPE).await.ok()?;
                self.rooms
                    .borrow_mut()
                    .entry(room.to_string())
                    .or_default()
                    .incident = s.clone();
                s
            }
        };
        state?["id"]
            .as_str()
            .filter(|i| wire::valid_id(i))
            .map(str::to_string)
    }

    /// Runs the `/sync` loop until `stop`, handing each batch of messages to the bot.
    pub async fn run(
        &self,
        bot: &Bot<'_>,
        tx: mpsc::Sender<Event>,
        mut stop: watch::Receiver<bool>,
    ) {
        let Ok(client) = bot.ctx.matrix() else {
            return;
        };
        let mut since = bot.store.since();
        let mut first = true;
        let mut failures = 0u32;
        let mut said: Option<String> = None;
        loop {
            if *stop.borrow() {
                return;
            }
            // The first start begins at the present: one sync that only learns the rooms and
            // the token; its messages are the past and are not answered.
            let initial = since.is_none();
            let inline = serde_json::to_string(&mx::sync_filter(1)).expect("json");
            let (filter, timeout) = if initial {
                (inline.as_str(), Duration::ZERO)
            } else {
                (self.filter.as_str(), LONG_POLL)
            };
            // After a restart the rooms' state comes again (`full_state`), with what was said
            // while away.
            let full = first && !initial;
            let got = tokio::select! {
                r = client.sync(since.as_deref(), filter, timeout, full) => r,
                _ = stop.changed() => return,
            };
            let body = match got {
                Ok(b) => b,
                Err(e) => {
                    failures += 1;
                    let wait = match &e {
                        SendError::Transient {
                            retry_after: Some(ra),
                            ..
                        } => *ra,
                        SendError::Auth { .. } => MAX_BACKOFF,
                        _ => backoff(failures),
                    };
                    let text = format!("Matrix /sync: {e}");
                    if said.as_deref() != Some(text.as_str()) {
                        let _ = tx
                            .send(Event::Note(format!(
                                "{text}; trying again in {} s",
                                wait.as_secs().max(1)
                            )))
                            .await;
                        said = Some(text);
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stop.changed() => return,
                    }
                    continue;
                }
            };
            if failures > 0 && said.is_some() {
                let _ = tx
                    .send(Event::Note("Matrix /sync works again".into()))
                    .await;
            }
            failures = 0;
            said = None;
            let Some(next) = body["next_batch"].as_str().map(str::to_string) else {
                let _ = tx
                    .send(Event::Note(
                        "Matrix /sync answered without next_batch".into(),
                    ))
                    .await;
                tokio::time::sleep(backoff(1)).await;
                continue;
            };
            let (mut messages, gaps, invites, stalks) = self.learn(&body, !initial);
            for (room, from) in gaps {
                self.fill_gap(client, &room, &from, &mut messages).await;
            }
            for (room, inviter) in invites {
                self.accept(bot, client, &room, &inviter, &tx).await;
            }
            if stalks {
                let _ = tx.send(Event::Stalks).await;
            }
            let _ = tx
                .send(Event::Batch {
                    messages,
                    token: Some(next.clone()),
                })
                .await;
            since = Some(next);
            first = false;
        }
    }

    /// A room's timeline had a gap (more was said than one sync holds): what came before the
    /// batch, up to 100 messages, goes first.
    async fn fill_gap(
        &self,
        client: &crate::providers::matrix::Client,
        room: &str,
        from: &str,
        messages: &mut Vec<Message>,
    ) {
        let Ok(older) = client.messages_before(room, from, 100).await else {
            return;
        };
        let seen: Vec<String> = messages.iter().map(|m| m.id.clone()).collect();
        let mut earlier: Vec<Message> = older
            .iter()
            .rev()
            .filter_map(|e| self.message(room, e))
            .filter(|m| !seen.contains(&m.id))
            .collect();
        earlier.append(messages);
        *messages = earlier;
    }

    /// An invitation from a user of an allowed server is joined (an incident room a
    /// responder made, who invited the bot); others are left alone.
    async fn accept(
        &self,
        bot: &Bot<'_>,
        client: &crate::providers::matrix::Client,
        room: &str,
        inviter: &str,
        tx: &mpsc::Sender<Event>,
    ) {
        let server = inviter.split_once(':').map(|(_, s)| s).unwrap_or("");
        if !self
            .allowed_servers(&bot.cfg)
            .iter()
            .any(|a| a.eq_ignore_ascii_case(server))
        {
            return;
        }
        let said = match client.join(room).await {
            Ok(_) => Event::Debug(format!("joined {room} (invited by {inviter})")),
            Err(e) => Event::Note(format!("could not join {room} (invited by {inviter}): {e}")),
        };
        let _ = tx.send(said).await;
    }

    /// Reads a sync answer: updates what is known of each room, and returns the messages (when
    /// `answer`), the rooms whose timeline has a gap (their `prev_batch`), the invites
    /// (`room`, inviter), and whether a stalk changed.
    #[allow(clippy::type_complexity)]
    fn learn(
        &self,
        body: &Value,
        answer: bool,
    ) -> (
        Vec<Message>,
        Vec<(String, String)>,
        Vec<(String, String)>,
        bool,
    ) {
        let mut messages = Vec::new();
        let mut gaps = Vec::new();
        let mut stalks = false;
        if let Some(join) = body["rooms"]["join"].as_object() {
            for (room_id, r) in join {
                for ev in r["state"]["events"].as_array().into_iter().flatten() {
                    stalks |= self.state(room_id, ev);
                }
                let timeline = &r["timeline"];
                if answer
                    && timeline["limited"].as_bool() == Some(true)
                    && let Some(prev) = timeline["prev_batch"].as_str()
                {
                    gaps.push((room_id.clone(), prev.to_string()));
                }
                for ev in timeline["events"].as_array().into_iter().flatten() {
                    if ev.get("state_key").is_some() {
                        stalks |= self.state(room_id, ev);
                        continue;
                    }
                    stalks |= self.beat(room_id, ev);
                    if answer && let Some(m) = self.message(room_id, ev) {
                        messages.push(m);
                    }
                }
            }
        }
        if let Some(leave) = body["rooms"]["leave"].as_object() {
            let mut rooms = self.rooms.borrow_mut();
            for room_id in leave.keys() {
                stalks |= rooms.remove(room_id).is_some_and(|r| r.stalk.is_some());
            }
        }
        let mut invites = Vec::new();
        if let Some(invite) = body["rooms"]["invite"].as_object() {
            for (room_id, r) in invite {
                let inviter = r["invite_state"]["events"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|e| e["type"] == "m.room.member" && e["state_key"] == self.me.as_str())
                    .and_then(|e| e["sender"].as_str());
                if let Some(by) = inviter {
                    invites.push((room_id.clone(), by.to_string()));
                }
            }
        }
        (messages, gaps, invites, stalks)
    }

    /// A state event of a room; whether it was a stalk's.
    fn state(&self, room: &str, ev: &Value) -> bool {
        let mut rooms = self.rooms.borrow_mut();
        let r = rooms.entry(room.to_string()).or_default();
        let content = ev["content"].clone();
        let empty = content.as_object().is_none_or(|o| o.is_empty());
        match ev["type"].as_str() {
            Some(t) if t == wire::MATRIX_STATE_TYPE => {
                r.incident = (!empty).then_some(content);
                false
            }
            Some(STALK_STATE) => {
                r.stalk = (!empty).then(|| (content, ts(ev)));
                true
            }
            _ => false,
        }
    }

    /// A stalk's heartbeat: an edit of its status message that names its holder.
    fn beat(&self, room: &str, ev: &Value) -> bool {
        let c = &ev["content"];
        if c["m.relates_to"]["rel_type"] != "m.replace" {
            return false;
        }
        let Some(holder) = c[STALK_STATE]["holder"].as_str() else {
            return false;
        };
        let mut rooms = self.rooms.borrow_mut();
        rooms.entry(room.to_string()).or_default().beat = Some((holder.to_string(), ts(ev)));
        true
    }

    /// A command candidate: a text message from someone else, not an edit, without the reply
    /// fallback.
    fn message(&self, room: &str, ev: &Value) -> Option<Message> {
        if ev["type"] != "m.room.message" || ev["sender"] == self.me.as_str() {
            return None;
        }
        let c = &ev["content"];
        let rel = &c["m.relates_to"];
        if rel["rel_type"] == "m.replace" || c.get("m.new_content").is_some() {
            return None;
        }
        if c["msgtype"] != "m.text" {
            return None;
        }
        let body = c["body"].as_str()?;
        let text = super::parse::without_reply_fallback(body).to_string();
        let thread = (rel["rel_type"] == "m.thread")
            .then(|| rel["event_id"].as_str().map(str::to_string))
            .flatten();
        Some(Message {
            chat: Chat::Matrix,
            room: room.to_string(),
            id: ev["event_id"].as_str()?.to_string(),
            thread,
            sender: ev["sender"].as_str()?.to_string(),
            text,
            mention: false,
            mentions: mentions(c, &self.me),
            at: ts(ev),
            retry: 0,
        })
    }

    /// Claims a command: a reaction naming this bot, then the command's annotations read back
    /// in the room's order; the first claim (by this account) acts. An old command (a replay)
    /// is looked at first: if another bot claimed it, this one does not react at all.
    pub async fn claim(
        &self,
        bot: &Bot<'_>,
        m: &Message,
        key: &str,
        old: bool,
    ) -> Result<Claim, String> {
        let client = bot.ctx.matrix().map_err(|e| e.message)?;
        let me = &bot.store.instance;
        if old
            && let Some(first) = self.first_claim(client, m).await?
            && first != *me
        {
            return Ok(Claim::Lost(first));
        }
        let d = mx::claim(&m.room, &m.id, me, format!("{key}-claim-{me}"));
        let sent = bot.ctx.redeliver(d).await.map_err(|e| e.message)?;
        // Refused as a duplicate: this account's claim is there already (made before a
        // restart, past the homeserver's memory of the transaction). Read back as usual.
        let duplicate = sent
            .error
            .as_deref()
            .is_some_and(|e| e.contains("M_DUPLICATE_ANNOTATION"));
        if !sent.ok && !duplicate {
            return Err(sent
                .error
                .unwrap_or_else(|| "the claim was not sent".into()));
        }
        // Read back: the first claim in the room's order wins. Our own is there once the
        // homeserver answered; look twice before calling it lost or won.
        for attempt in 0..3 {
            match self.first_claim(client, m).await? {
                Some(first) if first == *me => return Ok(Claim::Won),
                Some(first) => return Ok(Claim::Lost(first)),
                None if attempt < 2 => tokio::time::sleep(Duration::from_millis(100)).await,
                None => {}
            }
        }
        Ok(Claim::Won)
    }

    /// The instance whose claim is first among the command's annotations.
    async fn first_claim(
        &self,
        client: &crate::providers::matrix::Client,
        m: &Message,
    ) -> Result<Option<String>, String> {
        let annotations = client
            .annotations(&m.room, &m.id)
            .await
            .map_err(|e| e.to_string())?;
        Ok(annotations
            .iter()
            .filter(|a| a["sender"] == self.me.as_str())
            .find_map(|a| {
                a["content"]["m.relates_to"]["key"]
                    .as_str()?
                    .strip_prefix(CLAIM_PREFIX)
                    .map(str::to_string)
            }))
    }
}

/// The users a message mentions: `m.mentions.user_ids`, and the pills of its HTML
/// (`<a href="https://matrix.to/#/@carol:example.com">Carol</a>`), the bot left out.
fn mentions(content: &Value, me: &str) -> Vec<String> {
    let mut out: Vec<String> = content["m.mentions"]["user_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u.as_str().map(str::to_string))
        .collect();
    let html = content["formatted_body"].as_str().unwrap_or_default();
    for part in html.split("https://matrix.to/#/").skip(1) {
        let id: String = part
            .chars()
            .take_while(|c| !matches!(c, '"' | '\'' | '?' | '>' | '<'))
            .collect();
        let id = percent_decoded(&id);
        if id.starts_with('@') && id.contains(':') && !out.contains(&id) {
            out.push(id);
        }
    }
    out.retain(|u| u != me);
    out
}

/// `%40carol%3Aexample.com` → `@carol:example.com` (a pill's link may be encoded).
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = (b[i] == b'%' && i + 2 < b.len())
            .then(|| std::str::from_utf8(&b[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(v) => {
                out.push(v);
                i += 3;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a `[bot] rooms` entry names a Matrix room.
pub(crate) fn is_matrix_room(r: &str) -> bool {
    (r.starts_with('!') || r.starts_with('#')) && r.contains(':')
}

/// An event's `origin_server_ts`.
fn ts(ev: &Value) -> Timestamp {
    ev["origin_server_ts"]
        .as_i64()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .unwrap_or_else(Timestamp::now)
}

/// 1 s, 2 s, 4 s … up to a minute, with jitter.
fn backoff(failures: u32) -> Duration {
    let step = Duration::from_secs(1u64 << failures.saturating_sub(1).min(6)).min(MAX_BACKOFF);
    let half = step / 2;
    half + Duration::from_millis(fastrand::u64(0..=half.as_millis() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mentions_come_from_m_mentions_and_pills_without_the_bot() {
        let c = json!({
            "body": "!role scribe Carol",
            "formatted_body": "!role scribe <a href=\"https://matrix.to/#/%40carol%3Aexample.com\">Carol</a> <a href=\"https://matrix.to/#/@bot:x\">bot</a>",
            "m.mentions": { "user_ids": ["@dan:example.com"] },
        });
        assert_eq!(
            mentions(&c, "@bot:x"),
            ["@dan:example.com", "@carol:example.com"]
        );
        assert!(mentions(&json!({ "body": "x" }), "@bot:x").is_empty());
        assert_eq!(percent_decoded("%40a%3Ab%2"), "@a:b%2");
    }

    #[test]
    fn backoff_grows_to_a_minute() {
        assert!(backoff(1) <= Duration::from_secs(1));
        assert!(backoff(30) <= MAX_BACKOFF && backoff(30) >= MAX_BACKOFF / 2);
    }
}
