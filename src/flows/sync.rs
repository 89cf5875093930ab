//! Sync (SPEC "One incident, many responders"): pull what is new in the shared record of an
//! incident (the Slack channel's metadata, the Matrix room's `org.inc.event`s, the PagerDuty
//! incidents' notes and log entries) into the local journal. Pulls are incremental: each
//! provider resumes where the last pull stopped (cursors kept beside the journal), so a long
//! incident costs no more per pull. A provider that cannot be read is reported, never fatal.

use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};

use crate::ctx::{Ctx, Wait};
use crate::error::CliResult;
use crate::model::{self, Event, EventKind, Incident, wire};
use crate::providers::{SendError, matrix, opsgenie, pagerduty, slack};

/// Where an incident is carried, from its own journal: what inc opened (delivery records) and
/// what other responders published (`linked` events).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Places {
    /// PagerDuty incident ids: the major incident and the IC page.
    pub pagerduty: Vec<String>,
    /// The Slack channel id.
    pub slack: Option<String>,
    /// The Matrix room id.
    pub matrix: Option<String>,
    /// The aliases of the Opsgenie IC alerts.
    pub opsgenie: Vec<String>,
}

impl Places {
    pub fn is_empty(&self) -> bool {
        self.pagerduty.is_empty()
            && self.slack.is_none()
            && self.matrix.is_none()
            && self.opsgenie.is_empty()
    }
}

pub fn places(inc: &Incident) -> Places {
    let mut p = Places::default();
    let mut pd = |id: &str| {
        if !p.pagerduty.iter().any(|x| x == id) {
            p.pagerduty.push(id.to_string());
        }
    };
    for r in &inc.refs {
        let Some(id) = r.id.as_deref() else { continue };
        if let (pagerduty::PROVIDER, "create_incident" | "page_ic") =
            (r.provider.as_str(), r.action.as_str())
        {
            pd(id);
        }
    }
    for l in &inc.linked {
        if l.provider == pagerduty::PROVIDER {
            pd(&l.reference);
        }
    }
    p.slack = inc
        .find_ref(slack::PROVIDER, "create_channel")
        .and_then(|r| r.id.clone())
        .or_else(|| linked(inc, slack::PROVIDER));
    p.matrix = inc
        .find_ref(matrix::PROVIDER, "create_room")
        .or_else(|| inc.find_ref(matrix::PROVIDER, "join_room"))
        .and_then(|r| r.id.clone())
        .or_else(|| linked(inc, matrix::PROVIDER));
    p.opsgenie = super::page_keys(inc, opsgenie::PROVIDER, "page_ic");
    p
}

fn linked(inc: &Incident, provider: &str) -> Option<String> {
    inc.linked
        .iter()
        .find(|l| l.provider == provider)
        .map(|l| l.reference.clone())
}

/// What one provider's pull found.
#[derive(Clone, Debug, Serialize)]
pub struct Source {
    pub provider: String,
    pub ok: bool,
    /// Events read that this machine did not have.
    pub new: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Requests made (the cost of the pull).
    pub requests: usize,
}

/// The outcome of a pull.
#[derive(Clone, Debug, Serialize)]
pub struct Pulled {
    pub incident: String,
    pub sources: Vec<Source>,
    /// The events this pull added, in the order they happened.
    pub new: Vec<Event>,
}

/// Events read from one provider, and where to resume.
#[derive(Default)]
pub struct Read {
    pub events: Vec<Event>,
    pub cursor: Option<Value>,
    pub requests: usize,
    /// Things read that are not inc's or are malformed (warned about, never applied).
    pub refused: Vec<String>,
}

/// Pulls what is new for `inc` from every configured provider that carries it, appends it to
/// the journal (not under `--dry-run`), and says what changed. Never fails for a provider that
/// cannot be read: that source reports the error and the local view stands.
pub async fn pull(ctx: &Ctx, inc: &Incident) -> CliResult<Pulled> {
    let places = places(inc);
    let config = ctx.config()?;
    let journal = ctx.journal()?;
    let mut cursors = journal.cursors(&inc.id);
    let timeout = config.values.delivery.timeout.0;
    // A provider another command saw down gets one short read, not a few timeouts.
    let within = |provider: &str| match ctx.failing(provider) {
        Some(_) => crate::outbox::down::QUICK_TRY.min(timeout) / 3,
        None => timeout,
    };
    let (s, m, p, o) = tokio::join!(
        bounded(within(slack::PROVIDER), async {
            match (&places.slack, config.values.slack.is_some()) {
                (Some(ch), true) => {
                    let c = ctx.slack()?;
                    read_slack(c, &inc.id, ch, cursors["slack"].as_str())
                        .await
                        .map(Some)
                }
                _ => Ok(None),
            }
        }),
        bounded(within(matrix::PROVIDER), async {
            match (&places.matrix, config.values.matrix.is_some()) {
                (Some(room), true) => {
                    let c = ctx.matrix()?;
                    read_matrix(c, &inc.id, room, cursors["matrix"].as_str())
                        .await
                        .map(Some)
                }
                _ => Ok(None),
            }
        }),
        bounded(within(pagerduty::PROVIDER), async {
            if places.pagerduty.is_empty() || config.values.pagerduty.is_none() {
                return Ok(None);
            }
            let c = ctx.pagerduty()?;
            read_pagerduty(c, &inc.id, &places.pagerduty, &cursors["pagerduty"])
                .await
                .map(Some)
        }),
        bounded(within(opsgenie::PROVIDER), async {
            if places.opsgenie.is_empty() || config.values.opsgenie.is_none() {
                return Ok(None);
            }
            let c = ctx.opsgenie()?;
            read_opsgenie(c, &inc.id, &places.opsgenie, &cursors["opsgenie"])
                .await
                .map(Some)
        }),
    );
    let mut sources = Vec::new();
    let mut found = Vec::new();
    for (provider, result) in [
        (slack::PROVIDER, s),
        (matrix::PROVIDER, m),
        (pagerduty::PROVIDER, p),
        (opsgenie::PROVIDER, o),
    ] {
        match result {
            Ok(None) => {}
            Ok(Some(read)) => {
                for r in &read.refused {
                    ctx.warn(format!("{provider}: ignored {r}"));
                }
                if let Some(c) = read.cursor {
                    cursors[provider] = c;
                }
                sources.push(Source {
                    provider: provider.into(),
                    ok: true,
                    new: 0,
                    error: None,
                    requests: read.requests,
                });
                found.push((sources.len() - 1, read.events));
            }
            Err(e) => {
                ctx.warn(format!(
                    "could not read {provider}: {e}; showing what this machine knows"
                ));
                sources.push(Source {
                    provider: provider.into(),
                    ok: false,
                    new: 0,
                    error: Some(e),
                    requests: 0,
                });
            }
        }
    }
    // New to this machine as it is now (the journal may have grown since `inc` was read): an
    // event it lacks, or a more complete copy of one it has (the chat record's after a pager's
    // note). The chat sources come first, so a pager's copy of a known event adds nothing.
    let (mut have, _) = journal.read(&inc.id)?;
    let mut added = Vec::new();
    for (i, events) in found {
        // A provider's text may hold terminal escapes: shown and kept without them.
        let events = events.into_iter().map(crate::journal::scrubbed).collect();
        let more = model::additions(&have, events, false);
        sources[i].new += more.len();
        have.extend(more.iter().cloned());
        added.extend(more);
    }
    if !ctx.dry_run() {
        if !added.is_empty() {
            journal.append_all(&inc.id, &added)?;
        }
        if cursors.as_object().is_some_and(|o| !o.is_empty()) {
            journal.set_cursors(&inc.id, &cursors)?;
        }
    }
    let mut new: Vec<Event> = added.into_iter().filter_map(model::as_read).collect();
    new.sort_by_key(|e| e.at);
    Ok(Pulled {
        incident: inc.id.clone(),
        sources,
        new,
    })
}

/// The `linked` event that records where one place of the incident is, with its id: the same
/// event id on every machine that learns the same place, so it is journaled once.
pub fn place(
    ctx: &Ctx,
    provider: &str,
    reference: &str,
    name: Option<String>,
    url: Option<String>,
) -> Event {
    Event {
        id: Some(format!("linked-{provider}-{}", matrix::fnv(reference))),
        at: ctx.now(),
        by: None,
        kind: EventKind::Linked {
            provider: provider.into(),
            reference: reference.into(),
            name,
            url,
        },
    }
}

/// Pulls before a reading command: reloads the incident when anything new arrived. Quiet when
/// the incident is carried nowhere (a local-only incident costs nothing).
pub async fn refresh(ctx: &Ctx, inc: Incident) -> CliResult<(Incident, Option<Pulled>)> {
    if places(&inc).is_empty() || ctx.global.dry_run {
        return Ok((inc, None));
    }
    let at = places(&inc);
    let mut waits: Vec<Wait> = at
        .pagerduty
        .iter()
        .take(1)
        .map(|id| Wait::new(pagerduty::PROVIDER, "sync", id))
        .collect();
    waits.extend(
        at.slack
            .iter()
            .map(|c| Wait::new(slack::PROVIDER, "sync", c)),
    );
    waits.extend(
        at.matrix
            .iter()
            .map(|r| Wait::new(matrix::PROVIDER, "sync", r)),
    );
    let waiting = ctx.waiting(waits);
    let pulled = pull(ctx, &inc).await?;
    drop(waiting);
    let inc = if pulled.new.is_empty() {
        inc
    } else {
        ctx.load(&inc.id)?
    };
    Ok((inc, Some(pulled)))
}

async fn bounded<T>(
    timeout: Duration,
    f: impl std::future::Future<Output = Result<Option<T>, SendError>>,
) -> Result<Option<T>, String> {
    // A pull may page through several requests: give it a few delivery timeouts in all.
    match tokio::time::timeout(timeout * 3, f).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {} s", (timeout * 3).as_secs())),
    }
}

impl From<crate::error::CliError> for SendError {
    fn from(e: crate::error::CliError) -> Self {
        SendError::NotConfigured(e.message)
    }
}

/// Slack: the channel's messages since `oldest` that carry inc metadata for `inc_id`.
pub async fn read_slack(
    client: &slack::Client,
    inc_id: &str,
    channel: &str,
    oldest: Option<&str>,
) -> Result<Read, SendError> {
    let messages = client.history(channel, oldest).await?;
    let mut read = Read {
        requests: 1 + messages.len() / 200,
        cursor: messages
            .last()
            .and_then(|m| m["ts"].as_str())
            .map(|t| json!(t)),
        ..Read::default()
    };
    for m in &messages {
        match wire::events_from_slack(&m["metadata"]) {
            Ok(Some((inc, events))) if inc == inc_id => read.events.extend(events),
            Ok(Some(_)) | Ok(None) => {}
            Err(why) => read.refused.push(format!(
                "message {}: {why}",
                m["ts"].as_str().unwrap_or("?")
            )),
        }
    }
    Ok(read)
}

/// Matrix: the room's messages after `from` that carry `org.inc.event` for `inc_id`.
pub async fn read_matrix(
    client: &matrix::Client,
    inc_id: &str,
    room: &str,
    from: Option<&str>,
) -> Result<Read, SendError> {
    let (messages, end) = client.messages(room, from).await?;
    let mut read = Read {
        requests: 1 + messages.len() / 500,
        cursor: end.map(|t| json!(t)),
        ..Read::default()
    };
    for m in &messages {
        let p = &m["content"][wire::MATRIX_EVENT_KEY];
        if p.is_null() {
            continue;
        }
        match wire::events_from_payload(p) {
            Ok((inc, events)) if inc == inc_id => read.events.extend(events),
            Ok(_) => {}
            Err(why) => read.refused.push(format!(
                "event {}: {why}",
                m["event_id"].as_str().unwrap_or("?")
            )),
        }
    }
    Ok(read)
}

/// PagerDuty: notes people typed (timeline notes by their PagerDuty author) and the log
/// (triggered, assigned, acknowledged, escalated, resolved) of each incident, since the last
/// log entry seen. Notes inc mirrored carry a marker and are already known by their event id.
pub async fn read_pagerduty(
    client: &pagerduty::Client,
    inc_id: &str,
    incidents: &[String],
    cursor: &Value,
) -> Result<Read, SendError> {
    let mut read = Read::default();
    let mut next = cursor.clone();
    if !next.is_object() {
        next = json!({});
    }
    for pd_id in incidents {
        let notes = client.notes(pd_id).await?;
        read.requests += 1;
        for n in &notes {
            let content = n["content"].as_str().unwrap_or_default();
            let at = ts(&n["created_at"]);
            let by = n["user"]["summary"].as_str().map(str::to_string);
            let human = format!("pd-note-{}", id_of(&n["id"]));
            let Some(event) = note_event(pagerduty::PROVIDER, inc_id, content, at, by, human)
            else {
                continue;
            };
            read.events.push(event);
        }
        let since = next[pd_id].as_str().map(str::to_string);
        let entries = client.log_entries(pd_id, since.as_deref()).await?;
        read.requests += 1 + entries.len() / 100;
        for le in &entries {
            if let Some(e) = log_event(pd_id, le) {
                read.events.push(e);
            }
            if let Some(t) = le["created_at"].as_str() {
                next[pd_id] = json!(t);
            }
        }
    }
    read.cursor = Some(next);
    Ok(read)
}

/// Opsgenie: the IC alerts' notes people added (timeline notes by their Opsgenie owner); notes
/// inc mirrored carry a marker and are known by their event id.
pub async fn read_opsgenie(
    client: &opsgenie::Client,
    inc_id: &str,
    aliases: &[String],
    cursor: &Value,
) -> Result<Read, SendError> {
    let mut read = Read::default();
    let mut next = if cursor.is_object() {
        cursor.clone()
    } else {
        json!({})
    };
    for alias in aliases {
        let (notes, offset) = client.notes(alias, next[alias].as_str()).await?;
        read.requests += 1 + notes.len() / 100;
        if let Some(o) = offset {
            next[alias] = json!(o);
        }
        for n in &notes {
            let text = n["note"].as_str().unwrap_or_default();
            let at = ts(&n["createdAt"]);
            let by = n["owner"].as_str().map(str::to_string);
            let human = format!("og-note-{}-{}", id_of(&json!(alias)), id_of(&n["offset"]));
            let Some(event) = note_event(opsgenie::PROVIDER, inc_id, text, at, by, human) else {
                continue;
            };
            read.events.push(event);
        }
    }
    read.cursor = Some(next);
    Ok(read)
}

/// A pager's note as a timeline event. One an inc mirrored carries its event's marker: it is
/// the pager's copy of that event (`mirrored`, its text only), which the chat record's complete
/// copy replaces, and which alone (no chat) stands in for it as a note. One a person typed is
/// a note by its author, under `human_id`. A marker of another incident: none.
fn note_event(
    provider: &str,
    inc_id: &str,
    text: &str,
    at: Timestamp,
    by: Option<String>,
    human_id: String,
) -> Option<Event> {
    let (id, kind, by) = match wire::parse_marker(text) {
        Some((inc, ev, text)) if inc == inc_id => {
            // inc's own note names its author first ("carol: …"): the pager's user is its bot.
            let (by, text) = match crate::messages::split_author(&text) {
                Some((who, rest)) => (Some(who), rest),
                None => (by, text),
            };
            (
                ev,
                EventKind::Mirrored {
                    provider: provider.into(),
                    text: text.chars().take(10_000).collect(),
                },
                by,
            )
        }
        Some(_) => return None,
        None => (
            human_id,
            EventKind::Note {
                text: text.chars().take(10_000).collect(),
                note_type: None,
            },
            by,
        ),
    };
    Some(Event {
        id: Some(id),
        at,
        by,
        kind,
    })
}

/// A PagerDuty log entry as a timeline event, for the kinds people care about.
fn log_event(pd_id: &str, le: &Value) -> Option<Event> {
    let kind = le["type"].as_str()?;
    let who = le["agent"]["summary"].as_str().map(str::to_string);
    let summary = le["summary"].as_str().unwrap_or_default().to_string();
    let action = match kind {
        "acknowledge_log_entry" => {
            return Some(Event {
                id: Some(format!("pd-log-{}", id_of(&le["id"]))),
                at: ts(&le["created_at"]),
                by: who.clone(),
                kind: EventKind::Acknowledged {
                    provider: pagerduty::PROVIDER.into(),
                    who: who.unwrap_or_else(|| "someone".into()),
                    incident: Some(pd_id.to_string()),
                },
            });
        }
        "trigger_log_entry" => "triggered",
        "assign_log_entry" => "assigned",
        "escalate_log_entry" => "escalated",
        "resolve_log_entry" => "resolved",
        _ => return None,
    };
    Some(Event {
        id: Some(format!("pd-log-{}", id_of(&le["id"]))),
        at: ts(&le["created_at"]),
        by: who,
        kind: EventKind::Pager {
            provider: pagerduty::PROVIDER.into(),
            action: action.into(),
            summary: summary.chars().take(1_000).collect(),
            incident: Some(pd_id.to_string()),
        },
    })
}

fn ts(v: &Value) -> Timestamp {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A provider id as part of an event id (`[a-z0-9-]`).
fn id_of(v: &Value) -> String {
    v.as_str()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(40)
        .collect::<String>()
        .to_ascii_lowercase()
}
