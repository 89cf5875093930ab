//! `!status stalk`: `inc status --watch --post` kept by the bot in the room. One status
//! message (the command's reply) is edited every `[cadence] status_interval`, each change is
//! posted as the watch posts it, and `!status stalk stop` or the incident's resolution ends it.
//!
//! The stalk lives in the room, not in the bot: the Matrix state event `org.inc.stalk` names
//! the incident, the status message and the bot that keeps it (its holder), and every edit
//! carries a heartbeat. Only the holder edits; a bot that sees no heartbeat for three
//! intervals takes the stalk over (the state names it), so a restarted or second bot carries
//! it on, and a holder that finds another named stops.

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

type Ticker<'b> = Pin<Box<dyn Future<Output = String> + 'b>>;

/// The stalks this bot keeps, and when to look again for one to take over.
pub(crate) struct Stalks<'b> {
    bot: &'b Bot<'b>,
    running: FuturesUnordered<Ticker<'b>>,
    rooms: HashSet<String>,
    next_look: Option<tokio::time::Instant>,
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
                self.look_now();
            }
        }
    }

    /// Looks at every stalk the rooms record: keeps the ones this bot holds, takes over the
    /// ones whose holder went quiet.
    pub async fn look(&mut self, _wake: &tokio::sync::Notify) {
        self.look_now();
    }

    fn look_now(&mut self) {
        let Some(mx) = &self.bot.matrix else { return };
        let me = self.bot.store.instance.clone();
        let interval = interval(self.bot);
        let quiet = secs(interval) * 3;
        let now = Timestamp::now();
        let mut start = Vec::new();
        let mut next: Option<i64> = None;
        for (room, r) in mx.rooms.borrow().iter() {
            let Some((state, set_at)) = &r.stalk else {
                continue;
            };
            if state["active"] != true || self.rooms.contains(room) {
                continue;
            }
            let holder = state["holder"].as_str().unwrap_or_default();
            if holder == me {
                start.push((room.clone(), false));
                continue;
            }
            let beat = r
                .beat
                .as_ref()
                .filter(|(h, _)| h == holder)
                .map(|(_, at)| *at);
            let last = [Some(*set_at), beat, Some(mx.started())]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(now);
            let due = last.as_second() + quiet;
            if now.as_second() >= due {
                start.push((room.clone(), true));
            } else {
                next = Some(next.map_or(due, |n: i64| n.min(due)));
            }
        }
        for (room, takeover) in start {
            self.rooms.insert(room.clone());
            self.running.push(Box::pin(tick(self.bot, room, takeover)));
        }
        if let Some(due) = next {
            let wait = (due - now.as_second()).max(1) as u64;
            let at = tokio::time::Instant::now() + std::time::Duration::from_secs(wait);
            self.next_look = Some(self.next_look.map_or(at, |n| n.min(at)));
        }
    }
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

/// The room's stalk state, when it is active.
fn active(bot: &Bot<'_>, room: &str) -> Option<Value> {
    let mx = bot.matrix.as_ref()?;
    let rooms = mx.rooms.borrow();
    let (state, _) = rooms.get(room)?.stalk.as_ref()?;
    (state["active"] == true).then(|| state.clone())
}

/// Writes the room's stalk state, and knows it at once (without waiting for `/sync`).
async fn set_state(bot: &Bot<'_>, room: &str, content: Value, key: String) -> Result<(), String> {
    if let Some(mx) = &bot.matrix {
        mx.rooms
            .borrow_mut()
            .entry(room.to_string())
            .or_default()
            .stalk = Some((content.clone(), Timestamp::now()));
    }
    let inc = content["incident"].as_str().map(str::to_string);
    let d = mx::stalk_state(room, content, key, inc.as_deref());
    match bot.ctx.redeliver(d).await {
        Ok(r) if r.ok => Ok(()),
        Ok(r) => Err(r.error.unwrap_or_default()),
        Err(e) => Err(e.message),
    }
}

/// `!status stalk`: the reply is the status message the stalk will keep current.
pub(crate) async fn start(bot: &Bot<'_>, m: &Message, key: &str, place: &Place) -> Answer {
    if m.chat != Chat::Matrix {
        return Answer::say(
            say::failed("the stalk is kept in Matrix rooms for now"),
            "stalk: not on this chat",
        );
    }
    let inc = match one_incident(place) {
        Ok(Some(i)) => i,
        Ok(None) => return Answer::say(say::no_incident(bot.prefix()), "no incident here"),
        Err(ids) => return super::act::several(bot, ids),
    };
    if let Some(s) = active(bot, &m.room) {
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
    match status_text(&ctx).await {
        Ok((body, _)) => {
            let every = crate::config::format_duration(interval(bot));
            let mut a = Answer::say(
                say::stalk(bot.prefix(), &body, Timestamp::now(), &every),
                &format!("stalk of {inc} started"),
            );
            a.stalk = Some(inc);
            a
        }
        Err(e) => Answer::say(say::failed(&e.message), &format!("failed: {}", e.message)),
    }
}

/// The reply of `!status stalk` is posted: the room now records the stalk, held by this bot.
pub(crate) async fn started(
    bot: &Bot<'_>,
    m: &Message,
    key: &str,
    inc: &str,
    message: &str,
    wake: &tokio::sync::Notify,
) {
    let content = json!({
        "active": true,
        "incident": inc,
        "message": message,
        "holder": bot.store.instance,
        "by": sender_name(bot, m).await,
        "command": m.id,
        "started_at": Timestamp::now().to_string(),
    });
    if let Err(e) = set_state(bot, &m.room, content, format!("{key}-stalk-on")).await {
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
    let Some(state) = active(bot, &m.room) else {
        return Answer::say(say::stalk_none(), "no stalk here");
    };
    let by = sender_name(bot, m).await;
    let mut content = state.clone();
    content["active"] = json!(false);
    content["stopped_by"] = json!(by);
    content["stopped_at"] = json!(Timestamp::now().to_string());
    if let Err(e) = set_state(bot, &m.room, content, format!("{key}-stalk-off")).await {
        return Answer::say(
            say::failed(&format!("could not stop the stalk: {e}")),
            "failed",
        );
    }
    wake.notify_one();
    if let (Some(message), Some(inc)) = (state["message"].as_str(), state["incident"].as_str()) {
        let body = match actor_ctx(bot, m, key, by.clone(), Some(inc.to_string())) {
            Ok(ctx) => status_text(&ctx).await.map(|(b, _)| b).unwrap_or_default(),
            Err(_) => String::new(),
        };
        let text = say::stalk_ended(&body, &format!("stalk stopped by {by}"), Timestamp::now());
        let d = mx::edit(
            &m.room,
            message,
            &text,
            None,
            format!("{key}-stalk-end"),
            Some(inc),
        );
        let _ = bot.ctx.redeliver(d).await;
    }
    Answer::say(say::stalk_stopped(), "stalk stopped")
}

/// Is this bot still the stalk's holder, for this message?
fn mine(bot: &Bot<'_>, room: &str, message: &str) -> bool {
    active(bot, room)
        .is_some_and(|s| s["holder"] == bot.store.instance.as_str() && s["message"] == message)
}

/// Keeps one room's stalk until it ends here: stopped, resolved, or held by another bot.
/// Returns the room.
async fn tick<'b>(bot: &'b Bot<'b>, room: String, takeover: bool) -> String {
    let Some(mut state) = active(bot, &room) else {
        return room;
    };
    let (Some(message), Some(inc)) = (
        state["message"].as_str().map(str::to_string),
        state["incident"].as_str().map(str::to_string),
    ) else {
        return room;
    };
    let every = interval(bot);
    let started = Timestamp::now();
    let key = format!(
        "s{}",
        crate::providers::matrix::fnv(&format!("{room}\n{message}\n{}", started.as_millisecond()))
    );
    if takeover {
        let from = state["holder"].as_str().unwrap_or("?").to_string();
        state["holder"] = json!(bot.store.instance);
        state["taken_over_from"] = json!(from);
        state["taken_over_at"] = json!(started.to_string());
        if let Err(e) = set_state(bot, &room, state.clone(), format!("{key}-takeover")).await {
            bot.note(format!("could not take over the stalk in {room}: {e}"));
            return room;
        }
        bot.note(format!(
            "took over the stalk in {room} from {from} (no heartbeat for 3 intervals)"
        ));
    }
    let by = state["by"].as_str().unwrap_or("inc bot").to_string();
    let ctx = match bot.ctx.for_actor(Actor {
        name: by,
        source: "stalk",
        key: key.clone(),
        at: started,
        incident: Some(inc.clone()),
        own_rooms: Vec::new(),
    }) {
        Ok(c) => c,
        Err(e) => {
            bot.note(format!("stalk in {room}: {}", e.message));
            return room;
        }
    };
    let req = status::Request {
        interval: None,
        post: true,
    };
    let first = loop {
        match status::load(&ctx, &req).await {
            Ok(s) => break s,
            Err(e) => {
                bot.note(format!("stalk in {room}: cannot read {inc}: {}", e.message));
                tokio::time::sleep(every).await;
                if !mine(bot, &room, &message) {
                    return room;
                }
            }
        }
    };
    let mut w = watch::Watch::new(&first.glance, true);
    let p = bot.prefix().to_string();
    let every_text = crate::config::format_duration(every);
    let mut n = 0u32;
    let edit = |n: u32, text: String| {
        let beat = json!({ "holder": bot.store.instance, "at": Timestamp::now().as_millisecond() });
        mx::edit(
            &room,
            &message,
            &text,
            Some((mx::STALK_STATE, beat)),
            format!("{key}-edit-{n}"),
            Some(&inc),
        )
    };
    if takeover {
        n += 1;
        let text = say::stalk(
            &p,
            &glance_text(
                &first.glance.fields,
                first.glance.elapsed_seconds,
                &first.glance.incident,
                &first.glance.reminders,
            ),
            Timestamp::now(),
            &every_text,
        );
        let _ = bot.ctx.redeliver(edit(n, text)).await;
    }
    loop {
        tokio::time::sleep(every).await;
        if !mine(bot, &room, &message) {
            return room;
        }
        let end = match w.check(&ctx, &mut |_| {}).await {
            Ok(e) => e,
            Err(e) => {
                bot.note(format!("stalk in {room}: {}", e.message));
                None
            }
        };
        for warning in ctx.take_warnings() {
            bot.note(format!("stalk in {room}: {warning}"));
        }
        if !mine(bot, &room, &message) {
            return room;
        }
        let inc_now = w.incident();
        let elapsed = inc_now.resolved_at.unwrap_or_else(|| ctx.now()).as_second()
            - inc_now.declared_at.as_second();
        let body = glance_text(w.fields(), elapsed, inc_now, &[]);
        n += 1;
        let now = Timestamp::now();
        let text = match end {
            Some(_) => say::stalk_ended(&body, "the incident is resolved", now),
            None => say::stalk(&p, &body, now, &every_text),
        };
        if let Ok(r) = bot.ctx.redeliver(edit(n, text)).await
            && !r.ok
        {
            bot.note(format!(
                "stalk in {room}: could not edit the status message: {}",
                r.error.unwrap_or_default()
            ));
        }
        if end.is_some() {
            let mut done = state.clone();
            done["active"] = json!(false);
            done["ended"] = json!("resolved");
            done["stopped_at"] = json!(now.to_string());
            if let Err(e) = set_state(bot, &room, done, format!("{key}-resolved")).await {
                bot.note(format!("stalk in {room}: could not record its end: {e}"));
            }
            return room;
        }
    }
}
