//! One message, from arrival to its log line: is it a command, was it answered before, is the
//! room one the bot serves, may the sender run it (a refusal is one reply and nothing else),
//! which bot acts (the claim), is it too old, and then the command itself (`act.rs`) and its
//! reply in the command's thread. Every write is keyed by the command, so even two bots that
//! both act write once.

use jiff::Timestamp;
use tokio::time::Instant;

use super::parse::{self, Command};
use super::{Bot, Chat, Line, Message};
use crate::ctx::{Actor, Ctx};
use crate::flows::attach::Ref;
use crate::model::Incident;
use crate::providers::Delivery;

/// What handling a message left to show.
#[derive(Default)]
pub(crate) struct Done {
    pub line: Option<Line>,
    pub debug: Vec<String>,
}

/// Where a command was typed.
#[derive(Clone, Debug)]
pub(crate) enum Place {
    /// The room of one incident.
    Incident(String),
    /// A shared room: the open incidents it carries (none, one or several).
    Shared(Vec<String>),
}

/// Who decided to act on a command.
pub(crate) enum Claim {
    /// This bot: go on.
    Won,
    /// Another bot (its instance name): stay silent.
    Lost(String),
}

/// What a command answers: the reply's text, and the event it carries (the command room's
/// copy of what the timeline recorded).
pub(crate) struct Answer {
    pub text: String,
    /// The incident the answer belongs to, and the event of it that the reply carries.
    pub event: Option<(String, crate::model::Event)>,
    /// For the log line.
    pub outcome: String,
    /// `!status stalk`: the incident whose stalk the reply (its status message) starts.
    pub stalk: Option<String>,
    /// The reply is the room's copy of what every room hears (a page, a note, a severity):
    /// on Slack it goes to the channel too (`reply_broadcast`), where everyone (and another
    /// inc's sync, which reads the channel's history) sees it.
    pub broadcast: bool,
}

impl Answer {
    pub fn say(text: String, outcome: &str) -> Answer {
        Answer {
            text,
            event: None,
            outcome: outcome.into(),
            stalk: None,
            broadcast: false,
        }
    }
}

pub(crate) async fn handle(
    bot: &Bot<'_>,
    m: Message,
    batch: u64,
    wake: &tokio::sync::Notify,
) -> (u64, Done) {
    let started = Instant::now();
    let mut done = Done::default();
    let Some(cmd) = parse::parse(&m.text, bot.prefix(), m.mention) else {
        return (batch, done);
    };
    let key = m.key();
    let line = |outcome: String| Line {
        at: Timestamp::now(),
        chat: m.chat,
        room: m.room.clone(),
        sender: m.sender.clone(),
        command: cmd.name(),
        outcome,
        ms: started.elapsed().as_millis() as u64,
    };
    if bot.store.handled(&key) {
        done.debug.push(format!(
            "{} {} in {}: answered before (delivery {})",
            m.sender,
            cmd.name(),
            m.room,
            m.retry + 1
        ));
        return (batch, done);
    }
    let Some(place) = place(bot, &m, &mut done.debug).await else {
        done.debug.push(format!(
            "{} {} in {}: not a room inc bot serves",
            m.sender,
            cmd.name(),
            m.room
        ));
        return (batch, done);
    };
    // Real time, not `INC_NOW`: how old a command is decides whether it is acted on.
    let now = Timestamp::now();
    // Trust first: a refusal is one reply (keyed by the command), and nothing else is sent.
    if let Some(refusal) = refusal(bot, &m, &cmd).await {
        let outcome = format!("refused ({refusal})");
        let answer = Answer::say(refusal, &outcome);
        let replied = reply(bot, &m, &key, &answer, None).await;
        bot.store.mark(&key, now);
        done.line = Some(line(with_reply(outcome, replied)));
        return (batch, done);
    }
    let age = now.as_second() - m.at.as_second();
    let old = age > bot.cfg.max_age.0.as_secs() as i64;
    match claim(bot, &m, &key, old).await {
        Ok(Claim::Won) => {}
        Ok(Claim::Lost(by)) => {
            bot.store.mark(&key, now);
            done.line = Some(line(format!("answered by {by}")));
            return (batch, done);
        }
        Err(e) => done.debug.push(format!(
            "could not claim {}: {e}; acting (its writes are keyed)",
            m.id
        )),
    }
    if old {
        let text = crate::messages::bot::missed(bot.prefix(), &cmd.name(), m.at);
        let replied = reply(bot, &m, &key, &Answer::say(text, "missed"), None).await;
        bot.store.mark(&key, now);
        done.line = Some(line(with_reply(
            format!("missed ({}s old): told to type it again", age),
            replied,
        )));
        return (batch, done);
    }
    bot.working.borrow_mut().insert(
        key.clone(),
        super::Working {
            message: m.clone(),
            command: cmd.name(),
            ctx: None,
        },
    );
    let answer = super::act::act(bot, &m, &key, &cmd, &place, wake).await;
    let replied = match answer.text.is_empty() {
        true => Ok(None),
        false => reply(bot, &m, &key, &answer, None).await,
    };
    // A stalk's status message is its reply: the stalk edits it from now on.
    if let (Some(inc), Ok(Some(id))) = (&answer.stalk, &replied) {
        super::stalk::started(bot, &m, &key, inc, id, wake).await;
    }
    bot.store.mark(&key, now);
    bot.working.borrow_mut().remove(&key);
    done.line = Some(line(with_reply(answer.outcome.clone(), replied)));
    (batch, done)
}

/// The run ends with commands unfinished: what each had not delivered is kept in the outbox
/// (and journaled so), each is told so in its thread (quickly: the run must end), and the count
/// is returned. A restart of this bot (the same state dir) takes them up again on Matrix:
/// they are neither answered nor saved as seen.
pub(crate) async fn interrupted(bot: &Bot<'_>) -> usize {
    let working: Vec<(String, super::Working)> = std::mem::take(&mut *bot.working.borrow_mut())
        .into_iter()
        .collect();
    let tell = working.iter().map(|(key, w)| async move {
        let kept = w.ctx.as_ref().map(|c| c.interrupted());
        let parked = kept
            .as_ref()
            .map_or(0, |k| k.unconfirmed.len() + k.not_sent.len());
        if parked > 0 {
            bot.note(format!(
                "{} in {} did not finish: {parked} delivery(ies) kept in the outbox (`inc outbox retry`)",
                w.command, w.message.room
            ));
        }
        let text = crate::messages::bot::interrupted(bot.prefix(), &w.command, parked);
        let answer = Answer::say(text, "interrupted");
        let quick = std::time::Duration::from_millis(700);
        let _ = tokio::time::timeout(
            quick,
            reply(bot, &w.message, key, &answer, Some("interrupted")),
        )
        .await;
    });
    futures_util::future::join_all(tell).await;
    working.len()
}

/// The outcome, and what became of the reply when it could not be posted.
fn with_reply(outcome: String, replied: Result<Option<String>, String>) -> String {
    match replied {
        Ok(_) => outcome,
        Err(e) => format!("{outcome}; the reply failed: {e}"),
    }
}

/// A context for one command: acting for its sender, on its room's incident, writing ids
/// derived from the command (`key`); the command's room gets the reply instead of a copy.
pub(crate) fn actor_ctx(
    bot: &Bot<'_>,
    m: &Message,
    key: &str,
    name: String,
    incident: Option<String>,
) -> crate::error::CliResult<Ctx> {
    let mut own_rooms = vec![(m.chat.provider().to_string(), m.room.clone())];
    let names = match m.chat {
        Chat::Matrix => bot.matrix.as_ref().map(|mx| mx.names_of(&m.room)),
        Chat::Slack => bot.slack.as_ref().map(|s| s.names_of(&m.room)),
    };
    for name in names.unwrap_or_default() {
        own_rooms.push((m.chat.provider().to_string(), name));
    }
    bot.ctx.for_actor(Actor {
        name,
        source: match m.chat {
            Chat::Matrix => "Matrix sender",
            Chat::Slack => "Slack sender",
        },
        key: key.to_string(),
        at: m.at,
        incident,
        own_rooms,
    })
}

/// Posts the answer in the command's thread; its delivery is keyed by the command (and
/// `part`), so a retry, a restart or a second bot posts it once. The reply's own id.
pub(crate) async fn reply(
    bot: &Bot<'_>,
    m: &Message,
    key: &str,
    answer: &Answer,
    part: Option<&str>,
) -> Result<Option<String>, String> {
    let dedup = match part {
        Some(p) => format!("{key}-reply-{p}"),
        None => format!("{key}-reply"),
    };
    let inc = answer.event.as_ref().map(|(i, _)| i.as_str());
    let mut d: Delivery = match m.chat {
        Chat::Matrix => {
            let to = crate::providers::matrix::sync::ReplyTo {
                event_id: m.id.clone(),
                sender: m.sender.clone(),
                thread: m.thread.clone(),
            };
            crate::providers::matrix::sync::reply(&m.room, &to, &answer.text, dedup, inc)
        }
        Chat::Slack => crate::providers::slack::reply(
            &m.room,
            m.thread.as_deref().unwrap_or(&m.id),
            &m.sender,
            &crate::providers::slack::escape(&answer.text),
            None,
            dedup,
            inc,
        ),
    };
    if let Some((inc, e)) = &answer.event {
        crate::providers::publish(&mut d, inc, e);
    }
    if (answer.broadcast || answer.event.is_some())
        && m.chat == Chat::Slack
        && let crate::providers::Request::Http(h) = &mut d.request
        && let Some(b) = h.body.as_mut()
    {
        b["reply_broadcast"] = serde_json::json!(true);
    }
    // Sent for the bot itself: the reply is not the sender's event, and the delivery goes
    // on the incident's journal when it has one.
    let ctx = bot.ctx;
    match ctx.deliver(vec![d]).await {
        Ok(r) => match r.into_iter().next() {
            Some(r) if r.ok => Ok(r.id),
            Some(r) => Err(r.error.unwrap_or_else(|| "not delivered".into())),
            None => Ok(None),
        },
        Err(e) => Err(e.message),
    }
}

/// Whether this sender may run this command here; the refusal's words when not.
async fn refusal(bot: &Bot<'_>, m: &Message, cmd: &Command) -> Option<String> {
    match m.chat {
        Chat::Matrix => {
            let mx = bot.matrix.as_ref()?;
            let server = m.sender.split_once(':').map(|(_, s)| s).unwrap_or("");
            let allowed = mx.allowed_servers(&bot.cfg);
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(server)) {
                return Some(crate::messages::bot::refused_server(server, &allowed));
            }
        }
        Chat::Slack => {
            if let Some(refusal) = bot.slack.as_ref()?.refusal(bot, &m.sender).await {
                return Some(refusal);
            }
        }
    }
    if matches!(cmd, Command::IcPage { .. })
        && let Some(pagers) = &bot.cfg.pagers
    {
        let who = sender_name(bot, m).await;
        if !pagers.iter().any(|p| p.eq_ignore_ascii_case(&who)) {
            return Some(crate::messages::bot::refused_pager(bot.prefix()));
        }
    }
    None
}

/// The sender as an identity: a Matrix user id; a Slack profile email.
pub(crate) async fn sender_name(bot: &Bot<'_>, m: &Message) -> String {
    match (m.chat, &bot.slack) {
        (Chat::Slack, Some(s)) => s.sender_name(bot, &m.sender).await,
        _ => m.sender.clone(),
    }
}

/// Claims the command for this bot. An old command (a replay, a bot coming back) is first
/// looked at: when another bot claimed it, this one neither claims nor speaks.
async fn claim(bot: &Bot<'_>, m: &Message, key: &str, old: bool) -> Result<Claim, String> {
    match m.chat {
        Chat::Matrix => match &bot.matrix {
            Some(mx) => mx.claim(bot, m, key, old).await,
            None => Ok(Claim::Won),
        },
        Chat::Slack => match &bot.slack {
            Some(s) => s.claim(bot, m, key).await,
            None => Ok(Claim::Won),
        },
    }
}

/// The place a message was typed in, if the bot serves it: an incident room (attached here
/// when this machine's journal does not know the incident yet), else a shared room.
async fn place(bot: &Bot<'_>, m: &Message, debug: &mut Vec<String>) -> Option<Place> {
    let shared = match (m.chat, &bot.matrix) {
        (Chat::Matrix, Some(mx)) => {
            if let Some(inc) = mx.incident_of(bot, &m.room).await {
                if local(bot, &inc, Ref::Matrix(m.room.clone()), debug).await {
                    return Some(Place::Incident(inc));
                }
                return None;
            }
            mx.is_shared(&m.room)
        }
        (Chat::Slack, _) => {
            let Some(sl) = &bot.slack else { return None };
            if sl.is_shared(&m.room) {
                true
            } else if let Some(inc) = sl.incident_of(bot, &m.room).await {
                if local(bot, &inc, Ref::Slack(m.room.clone()), debug).await {
                    return Some(Place::Incident(inc));
                }
                return None;
            } else {
                false
            }
        }
        _ => false,
    };
    if !shared {
        return None;
    }
    // The room incidents without a room of their own live in: those another responder's inc
    // declared there are attached here first.
    if is_shared_home(bot, m.chat, &m.room) {
        for inc in record_of(bot, m).await {
            // By its id (its PagerDuty incident, its own rooms): a shared room holds several.
            local(bot, &inc, Ref::Inc(inc.clone()), debug).await;
        }
    }
    Some(Place::Shared(open_incidents_of(bot, m.chat, &m.room)))
}

/// The inc incidents a shared room's newest messages carry (at most 100 read, five minutes
/// remembered).
async fn record_of(bot: &Bot<'_>, m: &Message) -> Vec<String> {
    let now = Timestamp::now();
    let remembered = bot.records.borrow().get(&m.room).cloned();
    if let Some((ids, at)) = remembered
        && now.as_second() - at.as_second() < 300
    {
        return ids;
    }
    let mut ids: Vec<String> = Vec::new();
    match m.chat {
        Chat::Slack => {
            if let Ok(client) = bot.ctx.slack() {
                let q = serde_json::json!({ "channel": m.room, "include_all_metadata": true, "limit": 100 });
                if let Ok(b) = client.call("conversations.history", &q).await {
                    for msg in b["messages"].as_array().into_iter().flatten() {
                        if let Ok(Some((inc, _))) =
                            crate::model::wire::from_slack_metadata(&msg["metadata"])
                            && !ids.contains(&inc)
                        {
                            ids.push(inc);
                        }
                    }
                }
            }
        }
        Chat::Matrix => {
            if let Ok(client) = bot.ctx.matrix()
                && let Ok(msgs) = client.recent(&m.room, 100).await
            {
                for msg in msgs {
                    let p = &msg["content"][crate::model::wire::MATRIX_EVENT_KEY];
                    if let Ok((inc, _)) = crate::model::wire::from_payload(p)
                        && !ids.contains(&inc)
                    {
                        ids.push(inc);
                    }
                }
            }
        }
    }
    bot.records
        .borrow_mut()
        .insert(m.room.clone(), (ids.clone(), now));
    ids
}

/// Makes sure this machine's journal has the incident (attaching by the room when not).
async fn local(bot: &Bot<'_>, inc: &str, by: Ref, debug: &mut Vec<String>) -> bool {
    let Ok(journal) = bot.ctx.journal() else {
        return false;
    };
    if journal.exists(inc) {
        return true;
    }
    let ctx = match bot.ctx.for_actor(Actor {
        name: bot.ctx.me(),
        source: "inc bot",
        key: format!("a{}", crate::providers::matrix::fnv(inc)),
        at: bot.ctx.now(),
        incident: None,
        own_rooms: Vec::new(),
    }) {
        Ok(c) => c,
        Err(e) => {
            debug.push(e.message);
            return false;
        }
    };
    match crate::flows::attach::attach(&ctx, &by).await {
        Ok(a) => {
            debug.push(format!(
                "attached to {} from {} ({} events)",
                a.incident.id,
                by.describe(),
                a.events
            ));
            a.incident.id == inc
        }
        Err(e) => {
            debug.push(format!("could not attach to {inc}: {}", e.message));
            false
        }
    }
}

/// The rooms an incident lives in: `(provider, id)`.
pub(crate) fn rooms_of(inc: &Incident) -> Vec<(String, String)> {
    use crate::providers::{matrix, slack};
    let mut out = Vec::new();
    for (p, a) in [
        (matrix::PROVIDER, "create_room"),
        (matrix::PROVIDER, "join_room"),
        (slack::PROVIDER, "create_channel"),
    ] {
        if let Some(id) = inc.find_ref(p, a).and_then(|r| r.id.clone()) {
            out.push((p.to_string(), id));
        }
    }
    for l in &inc.linked {
        if l.provider == matrix::PROVIDER || l.provider == slack::PROVIDER {
            out.push((l.provider.clone(), l.reference.clone()));
        }
    }
    out
}

/// Whether this shared room is where incidents without a room of their own are posted
/// (`[slack] channel` / `[matrix] room` with `per_incident_channel` / `per_incident_room` off).
fn is_shared_home(bot: &Bot<'_>, chat: Chat, room: &str) -> bool {
    let Ok(config) = bot.ctx.config() else {
        return false;
    };
    let (home, names) = match chat {
        Chat::Slack => (
            config
                .values
                .slack
                .as_ref()
                .filter(|s| !s.per_incident_channel)
                .and_then(|s| s.channel.clone()),
            bot.slack.as_ref().map(|s| s.names_of(room)),
        ),
        Chat::Matrix => (
            config
                .values
                .matrix
                .as_ref()
                .filter(|m| !m.per_incident_room)
                .and_then(|m| m.room.clone()),
            bot.matrix.as_ref().map(|m| m.names_of(room)),
        ),
    };
    home.is_some_and(|h| names.unwrap_or_default().contains(&h))
}

/// The open incidents a shared room carries: those whose room it is, and the IC pages typed
/// there.
pub(crate) fn open_incidents_of(bot: &Bot<'_>, chat: Chat, room: &str) -> Vec<String> {
    let Ok(journal) = bot.ctx.journal() else {
        return Vec::new();
    };
    let paged = bot.paged_in.borrow().get(room).cloned().unwrap_or_default();
    let shared_home = is_shared_home(bot, chat, room);
    let mut out = Vec::new();
    for id in journal.list().unwrap_or_default() {
        let Ok((inc, _)) = journal.load(&id) else {
            continue;
        };
        if !inc.is_open() {
            continue;
        }
        let rooms = rooms_of(&inc);
        let own = rooms.iter().any(|(p, _)| p == chat.provider());
        let here = paged.contains(&inc.id)
            || rooms.iter().any(|(p, r)| p == chat.provider() && r == room)
            // Without rooms of their own, incidents live in the configured shared room.
            || (shared_home && !own);
        if here {
            out.push(inc.id);
        }
    }
    out
}
