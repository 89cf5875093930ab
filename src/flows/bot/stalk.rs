//! `!status stalk`: `inc status --watch --post` kept by the bot in the room. One status
//! message is edited every `[cadence] status_interval`, each change is posted as the watch
//! posts it, and `!status stalk stop` or the incident's resolution ends it.
//!
//! The stalk lives in the room, not in the bot, so a restarted or second bot carries it on and
//! only one edits: on Matrix the state event `org.inc.stalk` names the incident, the status
//! message (the command's reply) and the bot that keeps it (its holder), and every edit
//! carries a heartbeat; on Slack the status message (in the channel, where everyone sees it)
//! carries the same in its metadata (`inc_stalk`), renewed by each `chat.update`, and the
//! holder reads it back before each edit. A bot that sees no heartbeat for three intervals
//! takes the stalk over (the record then names it); a holder that finds another named stops.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::act::{glance_text, one_incident, status_text};
use super::handle::{Answer, Place, actor_ctx, sender_name};
use super::{Bot, Chat, Message};
use crate::ctx::Actor;
use crate::flows::{status, watch};
use crate::messages::bot as say;
use crate::providers::matrix::sync as mx;
use crate::providers::slack;

type Ticker<'b> = Pin<Box<dyn Future<Output = (Chat, String)> + 'b>>;

/// The Slack metadata type of a stalk's status message.
pub const SLACK_STALK: &str = "inc_stalk";

/// The stalks this bot keeps, and when to look again for one to take over.
pub(crate) struct Stalks<'b> {
    bot: &'b Bot<'b>,
    running: FuturesUnordered<Ticker<'b>>,
    rooms: HashSet<(Chat, String)>,
    next_look: Option<tokio::time::Instant>,
}

/// A stalk as a room records it: its state, when that was written, and the newest heartbeat.
#[derive(Clone, Debug)]
pub(crate) struct Record {
    pub state: Value,
    pub set_at: Timestamp,
    pub beat: Option<(String, Timestamp)>,
}

impl<'b> Stalks<'b> {
    pub fn new(bot: &'b Bot<'b>) -> Stalks<'b> {
        Stalks {
            bot,
            running: FuturesUnordered::new(),
            rooms: HashSet::new(),
            next_look: None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.running.is_empty() && self.next_look.is_none()
    }

    /// Drives the stalks: a ticker that ended, or the time to look again.
    pub async fn next(&mut self) {
        let look_at = self.next_look;
        tokio::select! {
            Some(room) = self.running.next(), if !self.running.is_empty() => {
                self.rooms.remove(&room);
            }
            _ = async {
                match look_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {
                self.next_look = None;
                self.look();
                // Slack says nothing when another bot writes a stalk: look at the channels.
                if let Some(sl) = &self.bot.slack {
                    sl.scan_stalks(self.bot).await;
                    self.look();
                }
            }
        }
    }

    /// Looks at every stalk the rooms record: keeps the ones this bot holds, takes over the
    /// ones whose holder went quiet.
    pub fn look(&mut self) {
        let me = self.bot.store.instance.clone();
        let quiet = secs(interval(self.bot)) * 3;
        let now = Timestamp::now();
        let started = self.bot.started;
        let mut start = Vec::new();
        let mut next: Option<i64> = None;
        for ((chat, room), r) in records(self.bot) {
            if r.state["active"] != true || self.rooms.contains(&(chat, room.clone())) {
                continue;
            }
            let holder = r.state["holder"].as_str().unwrap_or_default();
            if holder == me {
                start.push((chat, room, false));
                continue;
            }
            let beat = r
                .beat
                .as_ref()
                .filter(|(h, _)| h == holder)
                .map(|(_, at)| *at);
            let last = [Some(r.set_at), beat, Some(started)]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(now);
            let due = last.as_second() + quiet;
            if now.as_second() >= due {
                start.push((chat, room, true));
            } else {
                next = Some(next.map_or(due, |n: i64| n.min(due)));
            }
        }
        for (chat, room, takeover) in start {
            self.rooms.insert((chat, room.clone()));
            self.running
                .push(Box::pin(tick(self.bot, chat, room, takeover)));
        }
        // On Slack, a stalk another bot holds is only seen by looking: again in three intervals.
        if self.bot.slack.is_some() && !self.bot.journal_has_open() {
            // No open incident here: nothing to stalk, nothing to look at.
        } else if self.bot.slack.is_some() {
            let due = now.as_second() + quiet;
            next = Some(next.map_or(due, |n: i64| n.min(due)));
        }
        if let Some(due) = next {
            let wait = (due - now.as_second()).max(1) as u64;
            let at = tokio::time::Instant::now() + std::time::Duration::from_secs(wait);
            self.next_look = Some(self.next_look.map_or(at, |n| n.min(at)));
        }
    }
}

/// Every stalk the rooms record (Matrix from `/sync`, Slack from the channels looked at).
fn records(bot: &Bot<'_>) -> Vec<((Chat, String), Record)> {
    let mut out = Vec::new();
    if let Some(m) = &bot.matrix {
        for (room, r) in m.rooms.borrow().iter() {
            if let Some((state, set_at)) = &r.stalk {
                out.push((
                    (Chat::Matrix, room.clone()),
                    Record {
                        state: state.clone(),
                        set_at: *set_at,
                        beat: r.beat.clone(),
                    },
                ));
            }
        }
    }
    if let Some(s) = &bot.slack {
        for (room, r) in s.stalks.borrow().iter() {
            out.push(((Chat::Slack, room.clone()), r.clone()));
        }
    }
    out
}

fn interval(bot: &Bot<'_>) -> std::time::Duration {
    bot.ctx
        .config()
        .map(|c| c.values.cadence.status_interval.0)
        .unwrap_or(std::time::Duration::from_secs(30))
        .max(std::time::Duration::from_secs(1))
}

fn secs(d: std::time::Duration) -> i64 {
    d.as_secs().max(1) as i64
}

/// The room's stalk state, when it is active (as this bot knows it).
fn active(bot: &Bot<'_>, chat: Chat, room: &str) -> Option<Value> {
    let state = match chat {
        Chat::Matrix => {
            let rooms = bot.matrix.as_ref()?.rooms.borrow();
            rooms.get(room)?.stalk.as_ref()?.0.clone()
        }
        Chat::Slack => bot.slack.as_ref()?.stalks.borrow().get(room)?.state.clone(),
    };
    (state["active"] == true).then_some(state)
}

/// Writes the room's stalk record, and knows it at once (without waiting to read it back).
/// On Slack the record is the status message's metadata: `text` is its text.
async fn record(
    bot: &Bot<'_>,
    chat: Chat,
    room: &str,
    content: Value,
    text: &str,
    key: String,
) -> Result<(), String> {
    let inc = content["incident"].as_str().map(str::to_string);
    let d = match chat {
        Chat::Matrix => {
            if let Some(m) = &bot.matrix {
                m.rooms
                    .borrow_mut()
                    .entry(room.to_string())
                    .or_default()
                    .stalk = Some((content.clone(), Timestamp::now()));
            }
            mx::stalk_state(room, content, key, inc.as_deref())
        }
        Chat::Slack => {
            let ts = content["message"].as_str().unwrap_or_default().to_string();
            if let Some(s) = &bot.slack {
                s.stalks.borrow_mut().insert(
                    room.to_string(),
                    Record {
                        state: content.clone(),
                        set_at: Timestamp::now(),
                        beat: Some((
                            content["holder"].as_str().unwrap_or_default().to_string(),
                            Timestamp::now(),
                        )),
                    },
                );
            }
            slack::update(
                room,
                &ts,
                &slack::escape(text),
                None,
                Some(slack_metadata(&content)),
                key,
                inc.as_deref(),
            )
        }
    };
    match bot.ctx.redeliver(d).await {
        Ok(r) if r.ok => Ok(()),
        Ok(r) => Err(r.error.unwrap_or_default()),
        Err(e) => Err(e.message),
    }
}

/// A stalk record as Slack message metadata (flat strings and booleans, as Slack takes them).
pub fn slack_metadata(state: &Value) -> Value {
    let mut p = serde_json::Map::new();
    if let Some(o) = state.as_object() {
        for (k, v) in o {
            let v = match v {
                Value::Bool(_) | Value::String(_) => v.clone(),
                Value::Null => continue,
                other => Value::String(other.to_string()),
            };
            p.insert(k.clone(), v);
        }
    }
    json!({ "event_type": SLACK_STALK, "event_payload": p })
}

/// `!status stalk`: on Matrix the reply is the status message; on Slack the reply says so and
/// the status message goes in the channel.
pub(crate) async fn start(bot: &Bot<'_>, m: &Message, key: &str, place: &Place) -> Answer {
    let inc = match one_incident(place) {
        Ok(Some(i)) => i,
        Ok(None) => return Answer::say(say::no_incident(bot.prefix()), "no incident here"),
        Err(ids) => return super::act::several(bot, ids),
    };
    if m.chat == Chat::Slack
        && let Some(s) = &bot.slack
    {
        s.scan_channel(bot, &m.room).await;
    }
    if let Some(s) = active(bot, m.chat, &m.room) {
        let holder = s["holder"].as_str().unwrap_or("another bot").to_string();
        return Answer::say(
            say::stalk_already(bot.prefix(), &holder),
            &format!("already stalked by {holder}"),
        );
    }
    let ctx = match actor_ctx(bot, m, key, sender_name(bot, m).await, Some(inc.clone())) {
        Ok(c) => c,
        Err(e) => return Answer::say(say::failed(&e.message), "failed"),
    };
    let every = crate::config::format_duration(interval(bot));
    let text = match m.chat {
        Chat::Matrix => match status_text(&ctx).await {
            Ok((body, _)) => say::stalk(bot.prefix(), &body, Timestamp::now(), &every),
            Err(e) => {
                return Answer::say(say::failed(&e.message), &format!("failed: {}", e.message));
            }
        },
        Chat::Slack => say::stalk_started(bot.prefix(), &every),
    };
    let mut a = Answer::say(text, &format!("stalk of {inc} started"));
    a.stalk = Some(inc);
    a
}

/// The reply of `!status stalk` is posted: the room now records the stalk, held by this bot
/// (on Slack, with its status message posted in the channel).
pub(crate) async fn started(
    bot: &Bot<'_>,
    m: &Message,
    key: &str,
    inc: &str,
    reply: &str,
    wake: &tokio::sync::Notify,
) {
    let mut content = json!({
        "active": true,
        "incident": inc,
        "message": reply,
        "holder": bot.store.instance,
        "by": sender_name(bot, m).await,
        "command": m.id,
        "started_at": Timestamp::now().to_string(),
    });
    let mut text = String::new();
    if m.chat == Chat::Slack {
        // The status message, in the channel: its ts is the stalk's.
        let body = match actor_ctx(
            bot,
            m,
            key,
            sender_name(bot, m).await,
            Some(inc.to_string()),
        ) {
            Ok(ctx) => status_text(&ctx).await.map(|(b, _)| b).unwrap_or_default(),
            Err(_) => String::new(),
        };
        let every = crate::config::format_duration(interval(bot));
        text = say::stalk(bot.prefix(), &body, Timestamp::now(), &every);
        let mut d = slack::post(
            &m.room,
            &slack::escape(&text),
            None,
            format!("{key}-stalk-message"),
            Some(inc),
        );
        if let crate::providers::Request::Http(h) = &mut d.request
            && let Some(b) = h.body.as_mut()
        {
            b["metadata"] = slack_metadata(&content);
        }
        match bot.ctx.redeliver(d).await {
            Ok(r) if r.ok => content["message"] = json!(r.id.unwrap_or_default()),
            Ok(r) => {
                bot.note(format!(
                    "could not post the status message in {}: {}",
                    m.room,
                    r.error.unwrap_or_default()
                ));
                return;
            }
            Err(e) => {
                bot.note(format!(
                    "could not post the status message in {}: {}",
                    m.room, e.message
                ));
                return;
            }
        }
    }
    if let Err(e) = record(
        bot,
        m.chat,
        &m.room,
        content,
        &text,
        format!("{key}-stalk-on"),
    )
    .await
    {
        bot.note(format!("could not record the stalk in {}: {e}", m.room));
    }
    wake.notify_one();
}

/// `!status stalk stop`: the room records the stalk as ended (its holder, here or elsewhere,
/// stops at once), and the status message says it is no longer kept current.
pub(crate) async fn stop(
    bot: &Bot<'_>,
    m: &Message,
    key: &str,
    _place: &Place,
    wake: &tokio::sync::Notify,
) -> Answer {
    if m.chat == Chat::Slack
        && let Some(s) = &bot.slack
    {
        s.scan_channel(bot, &m.room).await;
    }
    let Some(state) = active(bot, m.chat, &m.room) else {
        return Answer::say(say::stalk_none(), "no stalk here");
    };
    let by = sender_name(bot, m).await;
    let mut content = state.clone();
    content["active"] = json!(false);
    content["stopped_by"] = json!(by);
    content["stopped_at"] = json!(Timestamp::now().to_string());
    let inc = state["incident"].as_str().unwrap_or_default().to_string();
    let body = match actor_ctx(bot, m, key, by.clone(), Some(inc.clone())) {
        Ok(ctx) => status_text(&ctx).await.map(|(b, _)| b).unwrap_or_default(),
        Err(_) => String::new(),
    };
    let text = say::stalk_ended(&body, &format!("stalk stopped by {by}"), Timestamp::now());
    if let Err(e) = record(
        bot,
        m.chat,
        &m.room,
        content,
        &text,
        format!("{key}-stalk-off"),
    )
    .await
    {
        return Answer::say(
            say::failed(&format!("could not stop the stalk: {e}")),
            "failed",
        );
    }
    wake.notify_one();
    if m.chat == Chat::Matrix
        && let Some(message) = state["message"].as_str()
    {
        let d = mx::edit(
            &m.room,
            message,
            &text,
            None,
            format!("{key}-stalk-end"),
            Some(&inc),
        );
        let _ = bot.ctx.redeliver(d).await;
    }
    Answer::say(say::stalk_stopped(), "stalk stopped")
}

/// Is this bot still the stalk's holder, for this message? (On Slack, read back first.)
async fn mine(bot: &Bot<'_>, chat: Chat, room: &str, message: &str) -> bool {
    if chat == Chat::Slack
        && let Some(s) = &bot.slack
    {
        s.read_stalk(bot, room, message).await;
    }
    active(bot, chat, room)
        .is_some_and(|s| s["holder"] == bot.store.instance.as_str() && s["message"] == message)
}

/// One stalk this bot keeps: where, its status message, its incident, and the context its
/// checks and edits run in.
struct Keeper<'b> {
    bot: &'b Bot<'b>,
    chat: Chat,
    room: String,
    message: String,
    inc: String,
    key: String,
    every: std::time::Duration,
    ctx: crate::ctx::Ctx,
    /// Edits made so far (their dedup keys).
    edits: u32,
}

impl<'b> Keeper<'b> {
    /// The keeper of a room's active stalk, when it can be kept.
    fn new(bot: &'b Bot<'b>, chat: Chat, room: &str, state: &Value) -> Option<Keeper<'b>> {
        let message = state["message"].as_str()?.to_string();
        let inc = state["incident"].as_str()?.to_string();
        let started = Timestamp::now();
        let key = format!(
            "s{}",
            crate::providers::matrix::fnv(&format!(
                "{room}\n{message}\n{}",
                started.as_millisecond()
            ))
        );
        let ctx = bot
            .ctx
            .for_actor(Actor {
                name: state["by"].as_str().unwrap_or("inc bot").to_string(),
                source: "stalk",
                key: key.clone(),
                at: started,
                incident: Some(inc.clone()),
                own_rooms: Vec::new(),
            })
            .inspect_err(|e| bot.note(format!("stalk in {room}: {}", e.message)))
            .ok()?;
        // It lives as long as the stalk: it keeps no record of every edit it ever made.
        ctx.own_signals();
        Some(Keeper {
            bot,
            chat,
            room: room.to_string(),
            message,
            inc,
            key,
            every: interval(bot),
            ctx,
            edits: 0,
        })
    }

    /// The first glance (tried again every interval while the incident cannot be read);
    /// `None` when the stalk ended meanwhile.
    async fn first(&self) -> Option<status::StatusOutcome> {
        let req = status::Request {
            interval: None,
            post: true,
        };
        loop {
            match status::load(&self.ctx, &req).await {
                Ok(s) => return Some(s),
                Err(e) => {
                    self.bot.note(format!(
                        "stalk in {}: cannot read {}: {}",
                        self.room, self.inc, e.message
                    ));
                    tokio::time::sleep(self.every).await;
                    active(self.bot, self.chat, &self.room)?;
                }
            }
        }
    }

    /// The status message's text, kept current.
    fn text(&self, body: &str) -> String {
        let every = crate::config::format_duration(self.every);
        say::stalk(self.bot.prefix(), body, Timestamp::now(), &every)
    }

    /// The state as this bot holds it, while it still does.
    fn held(&self) -> Option<Value> {
        active(self.bot, self.chat, &self.room).filter(|s| {
            s["holder"] == self.bot.store.instance.as_str() && s["message"] == self.message.as_str()
        })
    }

    /// The room's record names this bot (the holder went quiet): last writer wins.
    async fn take_over(&self, mut state: Value, text: &str) -> bool {
        let from = state["holder"].as_str().unwrap_or("?").to_string();
        state["holder"] = json!(self.bot.store.instance);
        state["taken_over_from"] = json!(from);
        state["taken_over_at"] = json!(Timestamp::now().to_string());
        let key = format!("{}-takeover", self.key);
        if let Err(e) = record(self.bot, self.chat, &self.room, state, text, key).await {
            self.bot.note(format!(
                "could not take over the stalk in {}: {e}",
                self.room
            ));
            return false;
        }
        self.bot.note(format!(
            "took over the stalk in {} from {from} (no heartbeat for 3 intervals)",
            self.room
        ));
        true
    }

    /// Edits the status message, with a heartbeat: Matrix `m.replace`, Slack `chat.update` of
    /// the record.
    async fn edit(&mut self, text: &str, state: &Value) {
        self.edits += 1;
        let now = Timestamp::now();
        let key = format!("{}-edit-{}", self.key, self.edits);
        let d = match self.chat {
            Chat::Matrix => {
                let beat = json!({ "holder": self.bot.store.instance, "at": now.as_millisecond() });
                mx::edit(
                    &self.room,
                    &self.message,
                    text,
                    Some((mx::STALK_STATE, beat)),
                    key,
                    Some(&self.inc),
                )
            }
            Chat::Slack => {
                let mut s = state.clone();
                s["beat_at"] = json!(now.to_string());
                if let Some(sl) = &self.bot.slack
                    && let Some(r) = sl.stalks.borrow_mut().get_mut(&self.room)
                {
                    r.beat = Some((self.bot.store.instance.clone(), now));
                }
                slack::update(
                    &self.room,
                    &self.message,
                    &slack::escape(text),
                    None,
                    Some(slack_metadata(&s)),
                    key,
                    Some(&self.inc),
                )
            }
        };
        if let Ok(r) = self.bot.ctx.redeliver(d).await
            && !r.ok
        {
            self.bot.note(format!(
                "stalk in {}: could not edit the status message: {}",
                self.room,
                r.error.unwrap_or_default()
            ));
        }
    }

    /// The incident is resolved: the status message says so, and the record ends the stalk.
    async fn end(&mut self, body: &str, state: &Value) {
        let now = Timestamp::now();
        let text = say::stalk_ended(body, "the incident is resolved", now);
        if self.chat == Chat::Matrix {
            self.edit(&text, state).await;
        }
        let mut ended = state.clone();
        ended["active"] = json!(false);
        ended["ended"] = json!("resolved");
        ended["stopped_at"] = json!(now.to_string());
        let key = format!("{}-resolved", self.key);
        if let Err(e) = record(self.bot, self.chat, &self.room, ended, &text, key).await {
            self.bot.note(format!(
                "stalk in {}: could not record its end: {e}",
                self.room
            ));
        }
    }
}

/// Keeps one room's stalk until it ends here: stopped, resolved, or held by another bot.
/// Returns the room.
async fn tick<'b>(bot: &'b Bot<'b>, chat: Chat, room: String, takeover: bool) -> (Chat, String) {
    let done = (chat, room.clone());
    let Some(state) = active(bot, chat, &room) else {
        return done;
    };
    let Some(mut k) = Keeper::new(bot, chat, &room, &state) else {
        return done;
    };
    let Some(first) = k.first().await else {
        return done;
    };
    let g = &first.glance;
    let first_text = k.text(&glance_text(
        &g.fields,
        g.elapsed_seconds,
        &g.incident,
        &g.reminders,
    ));
    if takeover {
        if !k.take_over(state, &first_text).await {
            return done;
        }
        if let Some(held) = k.held() {
            k.edit(&first_text, &held).await;
        }
    }
    let mut w = watch::Watch::new(&first.glance, true);
    loop {
        tokio::time::sleep(k.every).await;
        if !mine(bot, chat, &room, &k.message).await {
            return done;
        }
        let end = match w.check(&k.ctx, &mut |_| {}).await {
            Ok(e) => e,
            Err(e) => {
                bot.note(format!("stalk in {room}: {}", e.message));
                None
            }
        };
        for warning in k.ctx.take_warnings() {
            bot.note(format!("stalk in {room}: {warning}"));
        }
        // Checked again: a stop typed while the check ran ends it before any edit.
        let Some(held) = k.held() else {
            return done;
        };
        let inc = w.incident();
        let elapsed = inc.resolved_at.unwrap_or_else(|| k.ctx.now()).as_second()
            - inc.declared_at.as_second();
        let body = glance_text(w.fields(), elapsed, inc, &[]);
        if end.is_some() {
            k.end(&body, &held).await;
            return done;
        }
        let text = k.text(&body);
        k.edit(&text, &held).await;
    }
}
