//! The Slack side of `inc bot`: Socket Mode (`providers::slack_socket`, which acks each
//! envelope at once and hands on the people's messages) turned into [`Message`]s; the claim
//! (`reactions.add`: Slack hands each envelope to one socket, and answers `already_reacted` to a
//! second claimer); who the sender is (`users.info`: the profile email authors their events,
//! guests are refused unless `[bot] allow_guests`); and which channels it serves: `[bot] rooms`,
//! the incident channel when `[slack] per_incident_channel` is off, and every channel that
//! carries an incident's record.

use std::cell::RefCell;
use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::json;
use tokio::sync::{mpsc, watch};

use super::handle::Claim;
use super::stalk::{Record, SLACK_STALK};
use super::{Bot, Chat, Event, Message};
use crate::config::BotConfig;
use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::model::wire;
use crate::providers::SendError;
use crate::providers::slack::{self, User};
use crate::providers::slack_socket::{APP_TOKEN_ENV, Incoming, Socket, SocketEvent};

/// How long what `users.info` and a channel's record said is believed.
const REMEMBER_SECS: i64 = 300;

pub(crate) struct Slack {
    socket: Socket,
    /// Shared channels served: channel id → the names it was given by (`#incident-chat`).
    shared: HashMap<String, Vec<String>>,
    /// `users.info`, by user id, and when it was asked.
    users: RefCell<HashMap<String, (User, Timestamp)>>,
    /// Channels looked at for an incident's record: its inc id (`None`: none), and when.
    records: RefCell<HashMap<String, (Option<String>, Timestamp)>>,
    /// The stalks of the channels, as their status messages' metadata said when last read.
    pub stalks: RefCell<HashMap<String, Record>>,
}

impl Slack {
    /// Checks the app-level token (a refused one is exit 78), and finds the shared channels.
    pub async fn start(ctx: &Ctx, cfg: &BotConfig) -> CliResult<Slack> {
        let config = ctx.config()?;
        let client = ctx.slack()?;
        let spec = cfg.app_token();
        let source = spec.describe(APP_TOKEN_ENV);
        let token = spec.resolve(APP_TOKEN_ENV, &ctx.env).map_err(|e| {
            CliError::config(format!(
                "inc bot needs the Slack app-level token (xapp-…, scope connections:write): {e}"
            ))
            .hint(
                "`inc bot manifest` prints the app to create; its App-Level Tokens page makes one",
            )
        })?;
        let http = crate::providers::http::client(config, &ctx.env)?;
        let socket = Socket::new(client.api_url(), token, http).token_source(source);
        if let Err(e) = socket.check().await {
            return Err(match e {
                SendError::Auth { message } => CliError::config(message),
                SendError::Rejected { message, .. } => CliError::config(message),
                other => CliError::failed(other.to_string()),
            }
            .hint("`inc doctor` checks the Slack tokens"));
        }
        let mut names: Vec<String> = cfg
            .rooms
            .iter()
            .filter(|r| !super::matrix::is_matrix_room(r))
            .cloned()
            .collect();
        if let Some(s) = &config.values.slack
            && !s.per_incident_channel
            && let Some(c) = &s.channel
        {
            names.push(c.clone());
        }
        let mut shared: HashMap<String, Vec<String>> = HashMap::new();
        for name in names {
            match client.channel(&name).await {
                Ok(Some((id, _, _))) => {
                    let list = shared.entry(id.clone()).or_default();
                    list.push(id);
                    list.push(name);
                }
                Ok(None) => {
                    return Err(CliError::config(format!(
                        "bot.rooms: no Slack channel {name}"
                    )));
                }
                Err(e) => {
                    return Err(CliError::config(format!(
                        "bot.rooms: cannot find the Slack channel {name}: {e}"
                    )));
                }
            }
        }
        Ok(Slack {
            socket,
            shared,
            users: Default::default(),
            records: Default::default(),
            stalks: Default::default(),
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "Slack Socket Mode ({} shared channel{})",
            self.shared.len(),
            if self.shared.len() == 1 { "" } else { "s" }
        )
    }

    pub fn is_shared(&self, channel: &str) -> bool {
        self.shared.contains_key(channel)
    }

    /// The names a channel was configured by, besides its id.
    pub fn names_of(&self, channel: &str) -> Vec<String> {
        self.shared.get(channel).cloned().unwrap_or_default()
    }

    /// Runs Socket Mode until `stop`, handing each message to the bot; after the stop, what
    /// was already acked is still handed on (Slack does not send it again).
    pub async fn run(&self, _bot: &Bot<'_>, tx: mpsc::Sender<Event>, stop: watch::Receiver<bool>) {
        let (stx, mut srx) = mpsc::channel::<SocketEvent>(64);
        let forward = async {
            let mut said: Option<String> = None;
            let mut connected = false;
            while let Some(ev) = srx.recv().await {
                let out = match ev {
                    SocketEvent::Message(m) => Event::Batch {
                        messages: vec![message(m)],
                        token: None,
                    },
                    SocketEvent::Connected { num_connections } => {
                        let text = format!(
                            "Slack Socket Mode connected ({num_connections} socket{} of the app open)",
                            if num_connections == 1 { "" } else { "s" }
                        );
                        said = None;
                        if connected {
                            Event::Debug(text)
                        } else {
                            connected = true;
                            Event::Note(text)
                        }
                    }
                    SocketEvent::Disconnected { reason } => {
                        Event::Debug(format!("Slack socket closed: {reason}"))
                    }
                    SocketEvent::Trouble { error } => {
                        if said.as_deref() == Some(error.as_str()) {
                            continue;
                        }
                        said = Some(error.clone());
                        Event::Note(format!("Slack: {error}"))
                    }
                };
                if tx.send(out).await.is_err() {
                    break;
                }
            }
        };
        tokio::join!(self.socket.run(stx, stop), forward);
    }

    /// The sender as `users.info` knows them (asked once per five minutes).
    pub async fn user(&self, bot: &Bot<'_>, id: &str) -> Option<User> {
        let now = Timestamp::now();
        if let Some((u, at)) = self.users.borrow().get(id)
            && now.as_second() - at.as_second() < REMEMBER_SECS
        {
            return Some(u.clone());
        }
        let client = bot.ctx.slack().ok()?;
        match client.user(id).await {
            Ok(Some(u)) => {
                self.users
                    .borrow_mut()
                    .insert(id.to_string(), (u.clone(), now));
                Some(u)
            }
            Ok(None) => None,
            Err(e) => {
                bot.note(format!("Slack users.info {id}: {e}"));
                None
            }
        }
    }

    /// The sender as an identity: their profile email, else their handle, else their id.
    pub async fn sender_name(&self, bot: &Bot<'_>, id: &str) -> String {
        match self.user(bot, id).await {
            Some(u) => u
                .email
                .clone()
                .or_else(|| (!u.name.is_empty()).then(|| u.name.clone()))
                .unwrap_or_else(|| id.to_string()),
            None => id.to_string(),
        }
    }

    /// Why this sender may not run commands here, if they may not: a guest (unless
    /// `[bot] allow_guests`), a deactivated account.
    pub async fn refusal(&self, bot: &Bot<'_>, id: &str) -> Option<String> {
        let u = self.user(bot, id).await?;
        if u.deleted {
            return Some(crate::messages::bot::refused_guest());
        }
        (u.is_guest() && !bot.cfg.allow_guests).then(crate::messages::bot::refused_guest)
    }

    /// Claims the message: the first `reactions.add` of 👀 on it wins.
    pub async fn claim(&self, bot: &Bot<'_>, m: &Message, key: &str) -> Result<Claim, String> {
        let client = bot.ctx.slack().map_err(|e| e.message)?;
        let d = slack::reaction(&m.room, &m.id, "eyes", format!("{key}-claim"), None);
        match client.claim(&d).await {
            Ok(slack::Claim::Claimed) => Ok(Claim::Won),
            Ok(slack::Claim::AlreadyReacted) => Ok(Claim::Lost("another inc bot".into())),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The inc incident whose record a channel carries (its newest messages' metadata), looked
    /// at once per five minutes.
    pub async fn incident_of(&self, bot: &Bot<'_>, channel: &str) -> Option<String> {
        // The journal knows the channels of the incidents it holds.
        if let Some(id) = journal_incident(bot, channel) {
            return Some(id);
        }
        let now = Timestamp::now();
        if let Some((found, at)) = self.records.borrow().get(channel)
            && now.as_second() - at.as_second() < REMEMBER_SECS
        {
            return found.clone();
        }
        let client = bot.ctx.slack().ok()?;
        let q = json!({ "channel": channel, "include_all_metadata": true, "limit": 100 });
        let found = match client.call("conversations.history", &q).await {
            Ok(b) => b["messages"]
                .as_array()
                .into_iter()
                .flatten()
                .find_map(|m| match wire::from_slack_metadata(&m["metadata"]) {
                    Ok(Some((inc, _))) => Some(inc),
                    _ => None,
                }),
            Err(e) => {
                bot.note(format!("Slack: cannot read {channel}: {e}"));
                return None;
            }
        };
        self.records
            .borrow_mut()
            .insert(channel.to_string(), (found.clone(), now));
        found
    }
}

impl Slack {
    /// Reads the newest stalk record of a channel (its status messages' metadata, among the
    /// channel's 50 newest messages): Slack tells no bot what another bot wrote.
    pub async fn scan_channel(&self, bot: &Bot<'_>, channel: &str) {
        let Ok(client) = bot.ctx.slack() else { return };
        let q = json!({ "channel": channel, "include_all_metadata": true, "limit": 50 });
        match client.call("conversations.history", &q).await {
            Ok(b) => {
                let newest = b["messages"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|m| m["metadata"]["event_type"] == SLACK_STALK);
                if let Some(m) = newest {
                    self.keep(channel, m);
                }
            }
            Err(e) => bot.note(format!("Slack: cannot look for stalks in {channel}: {e}")),
        }
    }

    /// Every channel a stalk may be in: the shared ones and those of the open incidents.
    pub async fn scan_stalks(&self, bot: &Bot<'_>) {
        let mut channels: Vec<String> = self.shared.keys().cloned().collect();
        for inc in bot.open_incidents() {
            for (p, r) in super::handle::rooms_of(&inc) {
                if p == slack::PROVIDER && !channels.contains(&r) {
                    channels.push(r);
                }
            }
        }
        for c in channels {
            self.scan_channel(bot, &c).await;
        }
    }

    /// Reads one status message back (`conversations.replies` on its `ts` answers it first).
    pub async fn read_stalk(&self, bot: &Bot<'_>, channel: &str, ts: &str) {
        let Ok(client) = bot.ctx.slack() else { return };
        let q = json!({ "channel": channel, "ts": ts, "include_all_metadata": true, "limit": 1 });
        match client.call("conversations.replies", &q).await {
            Ok(b) => {
                if let Some(m) = b["messages"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|m| m["ts"] == ts && m["metadata"]["event_type"] == SLACK_STALK)
                {
                    self.keep(channel, m);
                }
            }
            Err(e) => bot.note(format!(
                "Slack: cannot read the status message in {channel}: {e}"
            )),
        }
    }

    /// A status message's record, kept (the newer of what is known and what was read).
    fn keep(&self, channel: &str, m: &serde_json::Value) {
        let mut state = m["metadata"]["event_payload"].clone();
        if !state.is_object() {
            return;
        }
        // The message is the record: its own ts names it.
        state["message"] = m["ts"].clone();
        if let Some(a) = state["active"].as_str() {
            state["active"] = json!(a == "true");
        }
        let when = |k: &str| state[k].as_str().and_then(|t| t.parse::<Timestamp>().ok());
        let set_at = when("taken_over_at")
            .or_else(|| when("stopped_at"))
            .or_else(|| when("started_at"))
            .unwrap_or_else(Timestamp::now);
        let beat = when("beat_at")
            .map(|at| (state["holder"].as_str().unwrap_or_default().to_string(), at));
        self.stalks.borrow_mut().insert(
            channel.to_string(),
            Record {
                state,
                set_at,
                beat,
            },
        );
    }
}

/// The incident in this machine's journal whose channel this is.
fn journal_incident(bot: &Bot<'_>, channel: &str) -> Option<String> {
    let journal = bot.ctx.journal().ok()?;
    let mut found = None;
    for id in journal.list().ok()?.into_iter().rev() {
        let Ok((inc, _)) = journal.load(&id) else {
            continue;
        };
        if super::handle::rooms_of(&inc)
            .iter()
            .any(|(p, r)| p == slack::PROVIDER && r == channel)
        {
            found = Some(inc.id);
            break;
        }
    }
    found
}

/// An incoming Slack message as the bot reads it.
fn message(m: Incoming) -> Message {
    let at = Timestamp::from_second(m.event_time)
        .ok()
        .filter(|_| m.event_time > 0)
        .or_else(|| {
            m.ts.split('.')
                .next()
                .and_then(|s| s.parse::<i64>().ok())
                .and_then(|s| Timestamp::from_second(s).ok())
        })
        .unwrap_or_else(Timestamp::now);
    let mentions = mentions(&m.text);
    Message {
        chat: Chat::Slack,
        room: m.channel,
        id: m.ts,
        thread: m.thread_ts,
        sender: m.user,
        text: unescape(&m.text),
        mention: m.mention,
        mentions,
        at,
        retry: m.retry_attempt,
    }
}

/// The users a message mentions (`<@U123>` or `<@U123|ann>`), in order.
fn mentions(text: &str) -> Vec<String> {
    text.split("<@")
        .skip(1)
        .filter_map(|rest| {
            let id: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            (!id.is_empty()).then_some(id)
        })
        .collect()
}

/// Slack's escaping of `&`, `<` and `>` undone (what the person typed).
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slack_message_keeps_its_thread_its_time_and_its_mentions() {
        let m = message(Incoming {
            envelope_id: "e".into(),
            event_id: "Ev1".into(),
            retry_attempt: 1,
            channel: "C1".into(),
            ts: "1700000000.000100".into(),
            thread_ts: Some("1699999999.000001".into()),
            user: "UANN".into(),
            text: "!role scribe <@UCAROL|carol> &amp; &lt;x&gt;".into(),
            event_time: 0,
            mention: false,
        });
        assert_eq!(m.at.as_second(), 1_700_000_000);
        assert_eq!(m.mentions, ["UCAROL"]);
        assert_eq!(m.text, "!role scribe <@UCAROL|carol> & <x>");
        assert_eq!(m.retry, 1);
        assert_eq!(m.thread.as_deref(), Some("1699999999.000001"));
    }
}
