//! `inc bot`: the room's own commands (SPEC "The room's own commands"), answered over Matrix
//! `/sync` and Slack Socket Mode by a process that dials out and listens on no port.
//!
//! One loop: the transports (`matrix.rs`, `slack.rs`) turn what the rooms say into
//! [`Message`]s; each is handled on its own (`handle.rs`: trust, the claim, the age, then the
//! command's own flow in `act.rs`, the same as its CLI twin's, authored by the sender) while
//! the next ones arrive; stalks (`stalk.rs`) keep their status messages current. SIGTERM or
//! SIGINT stops the transports, lets the commands in flight finish (up to [`GRACE`]) and ends
//! the run. The flow never prints: it hands each step to the caller.

mod act;
pub mod doctor;
mod handle;
mod matrix;
pub mod parse;
mod slack;
mod stalk;
mod store;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::{mpsc, watch};

use crate::config::BotConfig;
use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};

/// How long the commands in flight may take to finish after SIGTERM / SIGINT (the run ends
/// within 5 s of the signal).
pub const GRACE: Duration = Duration::from_millis(4000);

/// One chat a message came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Chat {
    Matrix,
    Slack,
}

impl Chat {
    pub fn provider(self) -> &'static str {
        match self {
            Chat::Matrix => crate::providers::matrix::PROVIDER,
            Chat::Slack => crate::providers::slack::PROVIDER,
        }
    }
}

/// A message typed in a room, as a transport hands it on.
#[derive(Clone, Debug)]
pub struct Message {
    pub chat: Chat,
    /// The Matrix room id or the Slack channel id.
    pub room: String,
    /// The message's own id: the Matrix event id, the Slack `ts`.
    pub id: String,
    /// The thread it was typed in (Matrix thread root, Slack `thread_ts`).
    pub thread: Option<String>,
    /// The Matrix user id or the Slack user id.
    pub sender: String,
    pub text: String,
    /// A Slack `app_mention`: the text starts with the bot's `<@U…>`.
    pub mention: bool,
    /// The users the message mentions (Matrix `m.mentions` and pills), for `!role ROLE @carol`.
    pub mentions: Vec<String>,
    /// When it was typed (the provider's time).
    pub at: Timestamp,
    /// How often the provider delivered it before (Slack's `retry_attempt`).
    pub retry: u32,
}

impl Message {
    /// The command's key: the same on every bot and every delivery of this message
    /// (`[a-z0-9]`), from which the ids of everything it writes derive.
    pub fn key(&self) -> String {
        let what = format!("{:?}\n{}\n{}", self.chat, self.room, self.id);
        format!("b{}", crate::providers::matrix::fnv(&what))
    }
}

/// One line per command (SPEC): when, where, who, what, how it ended, and how long it took.
#[derive(Clone, Debug, Serialize)]
pub struct Line {
    pub at: Timestamp,
    pub chat: Chat,
    pub room: String,
    pub sender: String,
    pub command: String,
    pub outcome: String,
    pub ms: u64,
}

/// A step of the bot's run, for the caller to show.
pub enum Step<'a> {
    /// Connected and listening.
    Started {
        instance: &'a str,
        listening: &'a [String],
    },
    /// A command was handled (or seen and left to another bot).
    Command(&'a Line),
    /// Something about the connections (a reconnect, a rate limit, a refused token).
    Note(&'a str),
    /// Detail for `-v`.
    Debug(&'a str),
    /// SIGTERM / SIGINT: the transports stop; `in_flight` commands are finishing.
    Stopping { in_flight: usize },
}

/// How the run ended.
#[derive(Debug, Serialize)]
pub struct Stopped {
    /// Commands still unfinished when the grace time ran out.
    pub unfinished: usize,
}

/// What the transports hand the loop.
pub(crate) enum Event {
    /// Messages, and the Matrix `/sync` token to keep once they are all handled.
    Batch {
        messages: Vec<Message>,
        token: Option<String>,
    },
    Note(String),
    Debug(String),
    /// A room's stalk state changed (or a heartbeat was seen): the stalks are looked at again.
    Stalks,
}

/// A command being acted on.
pub(crate) struct Working {
    pub message: Message,
    pub command: String,
    pub ctx: Option<std::rc::Rc<Ctx>>,
}

/// What every part of the run shares.
pub(crate) struct Bot<'a> {
    pub ctx: &'a Ctx,
    pub cfg: BotConfig,
    pub store: store::Store,
    pub matrix: Option<matrix::Matrix>,
    pub slack: Option<slack::Slack>,
    /// Rooms → the incidents opened there by `!ic page` (a shared room has no incident of its own).
    pub paged_in: RefCell<BTreeMap<String, Vec<String>>>,
    /// What parts of the run had to say (a stalk that could not edit), for the loop to show.
    notes: RefCell<Vec<String>>,
    /// The commands being acted on now (by key), and the context each acts in: if the run
    /// ends first, what they had not delivered is kept in the outbox and they are told so in
    /// their thread.
    pub working: RefCell<BTreeMap<String, Working>>,
    /// When this run started (a stalk whose holder was not heard from since is given time).
    pub started: Timestamp,
    /// Shared rooms' records read lately: the incidents they carry, and when they were read.
    pub records: RefCell<BTreeMap<String, (Vec<String>, Timestamp)>>,
}

impl Bot<'_> {
    /// Something to tell the operator (shown by the loop, one line).
    pub fn note(&self, text: String) {
        self.notes.borrow_mut().push(text);
    }

    /// The notes so far, and the warnings flows left on the bot's own context, once.
    fn take_notes(&self) -> Vec<String> {
        let mut out = std::mem::take(&mut *self.notes.borrow_mut());
        out.extend(self.ctx.take_warnings());
        out
    }

    pub fn prefix(&self) -> &str {
        &self.cfg.prefix
    }

    /// The open incidents of this machine's journal.
    pub fn open_incidents(&self) -> Vec<crate::model::Incident> {
        let Ok(journal) = self.ctx.journal() else {
            return Vec::new();
        };
        journal
            .list()
            .unwrap_or_default()
            .iter()
            .filter_map(|id| journal.load(id).ok())
            .map(|(inc, _)| inc)
            .filter(|i| i.is_open())
            .collect()
    }

    pub fn journal_has_open(&self) -> bool {
        !self.open_incidents().is_empty()
    }

    /// The context a command in flight acts in (kept to park what it has not delivered when the
    /// run ends first).
    pub fn acting_in(&self, key: &str, ctx: &std::rc::Rc<Ctx>) {
        if let Some(w) = self.working.borrow_mut().get_mut(key) {
            w.ctx = Some(ctx.clone());
        }
    }

    fn note_paged_in(&self, room: &str, inc: &str) {
        let mut map = self.paged_in.borrow_mut();
        let list = map.entry(room.to_string()).or_default();
        if !list.iter().any(|i| i == inc) {
            list.push(inc.to_string());
            let doc = serde_json::to_value(&*map).unwrap_or_default();
            drop(map);
            self.store.write_json("paged-in.json", &doc);
        }
    }
}

/// Checks `[bot]` and the chats before anything connects (exit 78 naming what is wrong).
fn check(ctx: &Ctx) -> CliResult<BotConfig> {
    let config = ctx.config()?;
    let cfg = config.values.bot.clone().unwrap_or_default();
    let p = &cfg.prefix;
    if p.is_empty()
        || p.chars().count() > 3
        || p.chars().any(|c| c.is_whitespace() || c.is_alphanumeric())
    {
        return Err(CliError::config(format!(
            "bot.prefix = {p:?}: use one to three punctuation characters, e.g. \"!\""
        )));
    }
    if cfg.max_age.0.is_zero() {
        return Err(CliError::config(
            "bot.max_age must be more than 0, e.g. \"2m\"",
        ));
    }
    if config.values.matrix.is_none() && config.values.slack.is_none() {
        return Err(CliError::config(
            "inc bot needs a chat to listen to: configure [matrix] (its access token) or [slack] (with an app-level token)",
        )
        .hint("`inc bot manifest` prints the Slack app to create; `inc doctor` checks the tokens"));
    }
    Ok(cfg)
}

/// Runs the bot until SIGTERM or SIGINT, handing each step to `show`.
pub async fn run(ctx: &Ctx, mut show: impl FnMut(Step<'_>)) -> CliResult<Stopped> {
    // SIGINT and SIGTERM are the bot's to answer: what is in flight finishes.
    ctx.own_signals();
    let cfg = check(ctx)?;
    let config = ctx.config()?;
    let store = store::Store::open(&config.state_dir, ctx.dry_run())?;
    let paged_in = serde_json::from_value(store.read_json("paged-in.json")).unwrap_or_default();
    let mut listening = Vec::new();
    let matrix = match &config.values.matrix {
        Some(_) => {
            let m = matrix::Matrix::start(ctx, &cfg).await?;
            listening.push(m.describe());
            Some(m)
        }
        None => None,
    };
    let slack = match &config.values.slack {
        Some(_) => {
            let s = slack::Slack::start(ctx, &cfg).await?;
            listening.push(s.describe());
            Some(s)
        }
        None => None,
    };
    let bot = Bot {
        ctx,
        cfg,
        store,
        matrix,
        slack,
        paged_in: RefCell::new(paged_in),
        notes: Default::default(),
        working: Default::default(),
        started: Timestamp::now(),
        records: Default::default(),
    };
    let bot = &bot;
    show(Step::Started {
        instance: &bot.store.instance,
        listening: &listening,
    });

    let (tx, mut rx) = mpsc::channel::<Event>(64);
    let (stop_tx, stop_rx) = watch::channel(false);
    // Each transport holds a sender: once both have stopped (and handed on what they had
    // acked), the channel closes.
    let transports = async move {
        let matrix = async {
            if let Some(m) = &bot.matrix {
                m.run(bot, tx.clone(), stop_rx.clone()).await;
            }
        };
        let slack = async {
            if let Some(s) = &bot.slack {
                s.run(bot, tx.clone(), stop_rx.clone()).await;
            }
        };
        tokio::join!(matrix, slack);
    };
    let stalk_wake = tokio::sync::Notify::new();
    let stalk_wake = &stalk_wake;
    let main = async {
        let mut term = signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut int = signal(tokio::signal::unix::SignalKind::interrupt())?;
        let mut inflight = FuturesUnordered::new();
        let mut stalks = stalk::Stalks::new(bot);
        // Batches in order: how many of their messages are still being handled, and the
        // token to keep once none is.
        let mut batches: BTreeMap<u64, (usize, Option<String>)> = BTreeMap::new();
        let mut seq = 0u64;
        // Set by SIGTERM / SIGINT: the time by which the run ends.
        let mut stopping: Option<tokio::time::Instant> = None;
        let mut closed = false;
        stalks.look();
        loop {
            if stopping.is_some() && closed && inflight.is_empty() {
                break;
            }
            let deadline = stopping.unwrap_or_else(tokio::time::Instant::now);
            tokio::select! {
                ev = rx.recv(), if !closed => match ev {
                    Some(Event::Batch { messages, token }) => {
                        seq += 1;
                        batches.insert(seq, (messages.len(), token));
                        for m in messages {
                            inflight.push(handle::handle(bot, m, seq, stalk_wake));
                        }
                        keep_tokens(bot, &mut batches, &mut show);
                    }
                    Some(Event::Note(n)) => show(Step::Note(&n)),
                    Some(Event::Debug(n)) => show(Step::Debug(&n)),
                    Some(Event::Stalks) => stalks.look(),
                    None => closed = true,
                },
                Some((batch, done)) = inflight.next(), if !inflight.is_empty() => {
                    report(&mut show, done);
                    if let Some(b) = batches.get_mut(&batch) {
                        b.0 = b.0.saturating_sub(1);
                    }
                    keep_tokens(bot, &mut batches, &mut show);
                }
                _ = stalks.next(), if !stalks.is_empty() && stopping.is_none() => {}
                _ = stalk_wake.notified(), if stopping.is_none() => stalks.look(),
                _ = term.recv() => match stopping {
                    None => stopping = Some(stop(&stop_tx, inflight.len(), &mut show)),
                    Some(_) => break,
                },
                _ = int.recv() => match stopping {
                    None => stopping = Some(stop(&stop_tx, inflight.len(), &mut show)),
                    // A second Ctrl-C: now.
                    Some(_) => break,
                },
                _ = tokio::time::sleep_until(deadline), if stopping.is_some() => break,
            }
            for n in bot.take_notes() {
                show(Step::Note(&n));
            }
        }
        drop(stalks);
        drop(inflight);
        // What did not finish in time is said in its thread, so nobody waits on it.
        let unfinished = handle::interrupted(bot).await;
        for n in bot.take_notes() {
            show(Step::Note(&n));
        }
        Ok::<_, CliError>(Stopped { unfinished })
    };
    let ((), stopped) = tokio::join!(transports, main);
    stopped
}

/// SIGTERM / SIGINT: the transports stop listening; what is in flight may finish until the
/// returned time.
fn stop(
    stop_tx: &watch::Sender<bool>,
    in_flight: usize,
    show: &mut impl FnMut(Step<'_>),
) -> tokio::time::Instant {
    let _ = stop_tx.send(true);
    show(Step::Stopping { in_flight });
    tokio::time::Instant::now() + GRACE
}

fn signal(kind: tokio::signal::unix::SignalKind) -> CliResult<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(kind)
        .map_err(|e| CliError::failed(format!("cannot listen for signals: {e}")))
}

/// Shows a handled command's line and its details.
fn report(show: &mut impl FnMut(Step<'_>), done: handle::Done) {
    for d in &done.debug {
        show(Step::Debug(d));
    }
    if let Some(line) = &done.line {
        show(Step::Command(line));
    }
}

/// Saves the newest Matrix token whose batch and every earlier one are fully handled: a
/// restart replays only what was not answered (and the store skips what was).
fn keep_tokens(
    bot: &Bot<'_>,
    batches: &mut BTreeMap<u64, (usize, Option<String>)>,
    show: &mut impl FnMut(Step<'_>),
) {
    let mut keep = None;
    while let Some((&n, (left, _))) = batches.first_key_value() {
        if *left > 0 {
            break;
        }
        let (_, (_, token)) = batches.pop_first().expect("not empty");
        let _ = n;
        if token.is_some() {
            keep = token;
        }
    }
    if let Some(t) = keep
        && let Err(e) = bot.store.save_since(&t)
    {
        show(Step::Note(&e.message));
    }
}
