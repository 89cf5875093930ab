//! Each command through the same flow as its CLI twin, acting for the sender: `!ic page` is
//! `flows::paging::page_ic` (CALL THEM NOW posted at once when the page is in doubt, then the
//! outcome), `!status` is `flows::status::load`, `!note` / `!todo` / `!sev` / `!role` are
//! `flows::timeline`'s. The reply is built from each flow's outcome in `messages::bot`'s words.

use super::handle::{Answer, Place, actor_ctx, reply, sender_name};
use super::parse::Command;
use super::{Bot, Chat, Message};
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::flows::call_now::{CallNow, Step};
use crate::flows::paging::{self, IcPage, PageOutcome};
use crate::flows::{status, timeline};
use crate::messages::{self, bot as say};
use crate::model::{EventKind, Role};

pub(crate) async fn act(
    bot: &Bot<'_>,
    m: &Message,
    key: &str,
    cmd: &Command,
    place: &Place,
    wake: &tokio::sync::Notify,
) -> Answer {
    let p = bot.prefix();
    match cmd {
        Command::Help => Answer::say(say::help(p), "help"),
        Command::Unknown { word, why } => Answer::say(
            say::unknown(p, word, why.as_deref()),
            "not a command: short help",
        ),
        Command::Status => status_of(bot, m, key, place).await,
        Command::IcPage { message } => page(bot, m, key, place, message.clone()).await,
        Command::Stalk => super::stalk::start(bot, m, key, place).await,
        Command::StalkStop => super::stalk::stop(bot, m, key, place, wake).await,
        Command::Note { .. }
        | Command::Todo { .. }
        | Command::Sev { .. }
        | Command::Role { .. } => write(bot, m, key, place, cmd).await,
    }
}

/// The one incident a command acts on: the room's, or the one open incident of a shared room.
/// `Err`: a shared room with several, which the reply lists.
pub(crate) fn one_incident(place: &Place) -> Result<Option<String>, &[String]> {
    match place {
        Place::Incident(id) => Ok(Some(id.clone())),
        Place::Shared(ids) => match ids.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.clone())),
            many => Err(many),
        },
    }
}

/// The answer to a command in a shared room with several open incidents.
pub(crate) fn several(bot: &Bot<'_>, ids: &[String]) -> Answer {
    Answer::say(
        say::which_incident(bot.prefix(), ids),
        "several open incidents here: not acted on",
    )
}

/// A failed command: the flow's own words.
fn failed(e: &CliError) -> Answer {
    Answer::say(say::failed(&e.message), &format!("failed: {}", e.message))
}

/// `!status`: the glance of the room's incident; in a shared room, each open incident in one line.
async fn status_of(bot: &Bot<'_>, m: &Message, key: &str, place: &Place) -> Answer {
    let ids = match place {
        Place::Incident(id) => vec![id.clone()],
        Place::Shared(ids) => ids.clone(),
    };
    match ids.as_slice() {
        [] => Answer::say(
            say::no_open_incident(bot.prefix()),
            "status: no open incident",
        ),
        [one] => {
            let ctx = match actor_ctx(bot, m, key, sender_name(bot, m).await, Some(one.clone())) {
                Ok(c) => c,
                Err(e) => return failed(&e),
            };
            match status_text(&ctx).await {
                Ok((text, id)) => Answer::say(text, &format!("status of {id}")),
                Err(e) => failed(&e),
            }
        }
        many => {
            let journal = bot.ctx.journal();
            let now = bot.ctx.now();
            let lines: Vec<String> = many
                .iter()
                .filter_map(|id| journal.as_ref().ok()?.load(id).ok())
                .map(|(inc, _)| say::status_line(&inc, now))
                .collect();
            Answer::say(
                lines.join("\n"),
                &format!("status of {} incidents", lines.len()),
            )
        }
    }
}

/// `inc status` of the context's incident, in the room's words, and its id.
pub(crate) async fn status_text(ctx: &Ctx) -> Result<(String, String), CliError> {
    let req = status::Request {
        interval: None,
        post: false,
    };
    let s = status::load(ctx, &req).await?;
    let g = &s.glance;
    let mut text = glance_text(&g.fields, g.elapsed_seconds, &g.incident, &g.reminders);
    // What changed before the incident, the latest few, as `inc status` shows them.
    if let Some(c) = &g.changes {
        let lines: Vec<String> = c
            .latest
            .iter()
            .map(|ch| crate::messages::change(ch, c.began_at))
            .collect();
        if !lines.is_empty() {
            text.push_str(&format!("\n{}", say::changes(c.total, &lines)));
        }
    }
    Ok((text, g.incident.id.clone()))
}

/// A glance (or a watch's last fields) as the room reads it.
pub(crate) fn glance_text(
    fields: &[(&'static str, String)],
    elapsed: i64,
    inc: &crate::model::Incident,
    reminders: &[status::Reminder],
) -> String {
    let todos: Vec<(usize, String)> = inc
        .todos
        .iter()
        .map(|t| (t.number, t.text.clone()))
        .collect();
    let reminders: Vec<String> = reminders.iter().map(|r| r.text.clone()).collect();
    say::status(fields, elapsed, &todos, &reminders)
}

/// `!ic page [MESSAGE]`: `inc page-ic`, for the sender. CALL THEM NOW goes in the thread the
/// moment the page is in doubt; the outcome follows, and the other incident rooms are told.
async fn page(
    bot: &Bot<'_>,
    m: &Message,
    key: &str,
    place: &Place,
    message: Option<String>,
) -> Answer {
    // In a shared room with several open incidents, the page is a page of its own.
    let inc = one_incident(place).unwrap_or(None);
    let ctx = match actor_ctx(bot, m, key, sender_name(bot, m).await, inc.clone()) {
        Ok(c) => std::rc::Rc::new(c),
        Err(e) => return failed(&e),
    };
    bot.acting_in(key, &ctx);
    let ctx = &*ctx;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Early>();
    let req = IcPage {
        message,
        again: false,
    };
    let paging = async {
        let tx = tx;
        paging::page_ic(ctx, &req, |step| {
            let _ = tx.send(match step {
                Step::CallNow(c) => Early::CallNow(c.clone()),
                Step::WentOut(w) => Early::WentOut(w.name),
            });
        })
        .await
    };
    // The early words, posted while the page is still being retried.
    let early = async {
        let mut n = 0;
        while let Some(e) = rx.recv().await {
            n += 1;
            let text = match &e {
                Early::CallNow(c) => call_now_text(c),
                Early::WentOut(name) => say::done(&format!("the {name} page went out after all")),
            };
            let part = format!("early-{n}");
            let _ = reply(bot, m, key, &Answer::say(text, ""), Some(&part)).await;
        }
    };
    let (page, ()) = tokio::join!(paging, early);
    let page = match page {
        Ok(p) => p,
        Err(e) => return failed(&e),
    };
    if let Some(i) = page.inc.as_ref()
        && inc.is_none()
    {
        bot.note_paged_in(&m.room, &i.id);
    }
    // The other rooms of the incident hear of it as after `inc page-ic`; this room gets the reply.
    let mut text = page_text(&page);
    match paging::announce(ctx, &page).await {
        Ok(results) => {
            for r in results.iter().filter(|r| !r.ok) {
                text.push_str(&format!(
                    "\n(could not tell {} {}: {})",
                    crate::providers::display_name(&r.provider),
                    r.target,
                    r.error.as_deref().unwrap_or("failed")
                ));
            }
        }
        Err(e) => text.push_str(&format!(
            "\n(could not tell the incident rooms: {})",
            e.message
        )),
    }
    for w in ctx.take_warnings() {
        text.push_str(&format!("\nwarning: {w}"));
    }
    let outcome = match page.exit() {
        Ok(()) if page.parts.iter().all(|p| p.already()) => {
            "already paged (the open page reported)"
        }
        Ok(()) => "paged",
        Err(e) if e.kind == crate::error::ErrorKind::Partial => "partly paged",
        Err(_) => "NOT paged",
    };
    let paged = page
        .parts
        .iter()
        .filter(|p| p.ok())
        .map(|p| p.name)
        .collect::<Vec<_>>();
    let mut a = Answer::say(text, &format!("{outcome} ({})", paged.join(", ")));
    a.broadcast = true;
    a
}

/// A step of the page the room hears at once.
enum Early {
    CallNow(CallNow),
    WentOut(&'static str),
}

fn call_now_text(c: &CallNow) -> String {
    let people: Vec<say::Callee<'_>> = c
        .people
        .iter()
        .map(|p| say::Callee {
            role: &p.role,
            name: &p.name,
            phone: p.phone.as_deref(),
        })
        .collect();
    let cached = c.people.iter().filter_map(|p| p.cached_at).min().map(|at| {
        format!(
            "(numbers from the on-call cache of {}, {} old)",
            messages::time(at),
            messages::elapsed(c.shown_at.as_second() - at.as_second())
        )
    });
    let mut s = say::call_now(&c.reason, &people, &c.unknown, cached.as_deref());
    if let Some(until) = c.retrying_until {
        s.push_str(&format!(
            "\nThe page is still being retried, until {} at the latest.",
            messages::clock(until)
        ));
    }
    s
}

/// The outcome of `!ic page`: each pager's part with ✔/✘ per IC, and its link.
fn page_text(page: &PageOutcome) -> String {
    let mut out = Vec::new();
    for p in &page.parts {
        let ok = p.ok();
        let people: Vec<say::Paged<'_>> = if p.people.is_empty() {
            p.schedules
                .iter()
                .enumerate()
                .map(|(i, s)| say::Paged {
                    ok,
                    role: paging::role(i),
                    name: s,
                })
                .collect()
        } else {
            p.people
                .iter()
                .map(|o| say::Paged {
                    ok,
                    role: &o.role,
                    name: &o.name,
                })
                .collect()
        };
        let r = p.result.as_ref();
        let link = r.and_then(|r| r.url.as_deref().or(r.id.as_deref()));
        let rehearsed = r.is_some_and(|r| r.dry_run);
        out.push(if rehearsed {
            say::page(
                p.name,
                "not sent (a drill): would have paged",
                &people,
                None,
            )
        } else if p.already() {
            say::page_already(
                p.name,
                r.and_then(|r| r.note.as_deref()).unwrap_or("open"),
                &people,
                link,
            )
        } else if ok {
            say::page(p.name, "paged", &people, link)
        } else if p.unconfirmed() {
            say::page(
                p.name,
                "sent, not confirmed yet (kept to check)",
                &people,
                link,
            )
        } else {
            let why = r
                .and_then(|r| r.error.clone())
                .or_else(|| p.error.clone())
                .unwrap_or_else(|| "not sent".into());
            say::page(p.name, &format!("NOT paged ({why})"), &people, None)
        });
    }
    if let Some(c) = &page.call {
        if page.early {
            out.push("(the numbers to call are above)".into());
        } else {
            out.push(call_now_text(c));
        }
    }
    out.join("\n")
}

/// `!note`, `!todo`, `!sev`, `!role`: the timeline's flows, on the room's incident as this
/// machine's journal has it after a pull of the shared record.
async fn write(bot: &Bot<'_>, m: &Message, key: &str, place: &Place, cmd: &Command) -> Answer {
    let inc_id = match one_incident(place) {
        Ok(Some(i)) => i,
        Ok(None) => return Answer::say(say::no_incident(bot.prefix()), "no incident here"),
        Err(ids) => return several(bot, ids),
    };
    let name = sender_name(bot, m).await;
    let ctx = match actor_ctx(bot, m, key, name.clone(), Some(inc_id.clone())) {
        Ok(c) => std::rc::Rc::new(c),
        Err(e) => return failed(&e),
    };
    bot.acting_in(key, &ctx);
    let ctx = &*ctx;
    let inc = match ctx.current_incident() {
        Ok(i) => i,
        Err(e) => return failed(&e),
    };
    let inc = match crate::flows::sync::refresh(ctx, inc).await {
        Ok((i, _)) => i,
        Err(e) => return failed(&e),
    };
    let said = match cmd {
        Command::Note { text } => timeline::note(ctx, &inc, text.clone(), None)
            .await
            .map(|n| say::done(&n.messages.join("\n"))),
        Command::Todo { text } => timeline::todo(ctx, &inc, text.clone()).await.map(|n| {
            let number = n.todo.as_ref().map_or(0, |t| t.number);
            say::done(&format!("{} (#{number})", n.messages.join("\n")))
        }),
        Command::Sev { severity } => timeline::severity(ctx, inc, *severity, false)
            .await
            .map(changed_text),
        Command::Role { role, user } => match person(bot, m, &name, user).await {
            Ok(person) if *role == Role::Ic => {
                timeline::handover(ctx, inc, person).await.map(changed_text)
            }
            Ok(person) => timeline::role(ctx, inc, *role, person)
                .await
                .map(changed_text),
            Err(e) => Err(e),
        },
        _ => unreachable!("write() takes the timeline's commands"),
    };
    let mut answer = match said {
        Ok(text) => Answer::say(text, &format!("{} on {inc_id}", cmd.name())),
        Err(e) => failed(&e),
    };
    // The reply is the command room's copy of the event the flow recorded.
    if let Ok(after) = ctx.load(&inc_id)
        && let Some(e) = after.events.iter().find(|e| {
            e.id.as_deref()
                .is_some_and(|i| i.starts_with(&format!("{key}-")))
                && matches!(
                    e.kind,
                    EventKind::Note { .. }
                        | EventKind::Todo { .. }
                        | EventKind::Severity { .. }
                        | EventKind::Role { .. }
                )
        })
    {
        answer.event = Some((inc_id.clone(), e.clone()));
    }
    for w in ctx.take_warnings() {
        answer.text.push_str(&format!("\nwarning: {w}"));
    }
    answer
}

/// A role or severity change in the room's words.
fn changed_text(c: timeline::Changed) -> String {
    match &c.already {
        Some(timeline::Already::Role(who, role)) => {
            say::already(&format!("{who} is {}", role.label()))
        }
        Some(timeline::Already::Ic(who)) => say::already(&format!("{who} is the IC")),
        Some(timeline::Already::Severity(s)) => say::already(&format!("the severity is {s}")),
        None => say::done(&c.messages.join("\n")),
    }
}

/// The person `!role ROLE USER` names: `me` is the sender; a mention (a Matrix pill, whose
/// text is only a display name) names its user; an email or a handle is used as written.
async fn person(bot: &Bot<'_>, m: &Message, me: &str, given: &str) -> Result<String, CliError> {
    let given = given.trim();
    if given.eq_ignore_ascii_case("me") {
        return Ok(me.to_string());
    }
    match m.chat {
        Chat::Matrix if !given.contains('@') => {
            if let [one] = m.mentions.as_slice() {
                return Ok(one.clone());
            }
        }
        // `<@U123>`: the person's email, as their own commands are authored.
        Chat::Slack if given.starts_with("<@") => {
            if let (Some(sl), [one, ..]) = (&bot.slack, m.mentions.as_slice()) {
                return Ok(sl.sender_name(bot, one).await);
            }
        }
        _ => {}
    }
    Ok(given.to_string())
}
