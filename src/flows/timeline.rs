//! The timeline: notes, TODOs, roles, the IC handover and the severity. Each is journalled,
//! mirrored into the incident room (and as notes on the pagers' incidents), and a change to the
//! incident also updates the room topics.

use serde::Serialize;

use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::{CliError, CliResult};
use crate::messages;
use crate::model::{Event, EventKind, Incident, NoteType, Role, Severity};

/// A note, as the timeline took it.
#[derive(Debug, Serialize)]
pub struct Note {
    pub text: String,
    #[serde(rename = "type")]
    pub note_type: Option<NoteType>,
}

/// A TODO, with the number it got.
#[derive(Debug, Serialize)]
pub struct NewTodo {
    pub number: usize,
    pub text: String,
}

/// What `inc note` or `inc todo` added, and what the room was told.
#[derive(Debug, Serialize)]
pub struct Noted {
    pub incident: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Note>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub todo: Option<NewTodo>,
    #[serde(skip)]
    pub messages: Vec<String>,
    #[serde(skip)]
    pub results: Vec<DeliveryResult>,
}

/// What was already so, when there was nothing to change.
#[derive(Debug)]
pub enum Already {
    /// The person already holds the role.
    Role(String, Role),
    /// The person is already the IC.
    Ic(String),
    Severity(Severity),
}

/// The incident after a role, handover or severity change, and what the room was told.
#[derive(Debug, Serialize)]
pub struct Changed {
    pub incident: Incident,
    /// The severity before (`inc sev`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<Severity>,
    /// The IC before (`inc handover`; `Some(None)` when there was none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_ic: Option<Option<String>>,
    /// Set when there was nothing to change: nothing was recorded or sent.
    #[serde(skip)]
    pub already: Option<Already>,
    #[serde(skip)]
    pub messages: Vec<String>,
    #[serde(skip)]
    pub results: Vec<DeliveryResult>,
}

impl Changed {
    fn already(incident: Incident, already: Already) -> Changed {
        Changed {
            incident,
            previous: None,
            previous_ic: None,
            already: Some(already),
            messages: Vec::new(),
            results: Vec::new(),
        }
    }
}

/// Adds a note to the timeline and mirrors it.
pub async fn note(
    ctx: &Ctx,
    inc: &Incident,
    text: String,
    note_type: Option<NoteType>,
) -> CliResult<Noted> {
    let event = ctx.record(
        &inc.id,
        EventKind::Note {
            text: text.clone(),
            note_type,
        },
    )?;
    // Rooms and pagers show inc's bot as the poster: the text says who wrote it.
    let msgs = vec![messages::authored(
        event.by.as_deref(),
        &messages::note(note_type, &text),
    )];
    let results = ctx
        .deliver(super::mirrors(ctx, inc, Some(&event), &msgs, true))
        .await?;
    Ok(Noted {
        incident: inc.id.clone(),
        note: Some(Note { text, note_type }),
        todo: None,
        messages: msgs,
        results,
    })
}

/// Adds a follow-up TODO and mirrors it.
pub async fn todo(ctx: &Ctx, inc: &Incident, text: String) -> CliResult<Noted> {
    let event = ctx.record(&inc.id, EventKind::Todo { text: text.clone() })?;
    // The number is the TODO's place in the journal as written: two responders (or two
    // processes) adding one at once get different numbers.
    let number = match ctx.dry_run() {
        true => inc.todos.len() + 1,
        false => {
            let now = ctx.load(&inc.id)?;
            let at = now
                .events
                .iter()
                .filter(|e| matches!(e.kind, EventKind::Todo { .. }))
                .position(|e| e.id == event.id);
            at.map_or(now.todos.len(), |i| i + 1)
        }
    };
    let msgs = vec![messages::authored(
        event.by.as_deref(),
        &messages::todo(&text),
    )];
    let results = ctx
        .deliver(super::mirrors(ctx, inc, Some(&event), &msgs, true))
        .await?;
    Ok(Noted {
        incident: inc.id.clone(),
        note: None,
        todo: Some(NewTodo { number, text }),
        messages: msgs,
        results,
    })
}

/// Mirrors `msgs` about the changed incident and updates the room topics.
async fn tell(
    ctx: &Ctx,
    incident: Incident,
    event: &Event,
    msgs: Vec<String>,
    previous: Option<Severity>,
    previous_ic: Option<Option<String>>,
) -> CliResult<Changed> {
    let mut deliveries = super::mirrors(ctx, &incident, Some(event), &msgs, true);
    deliveries.extend(super::room::topic_updates(ctx, &incident));
    if previous.is_some() {
        deliveries.extend(super::pager::severity_update(ctx, &incident, event).await);
    }
    let results = ctx.deliver(deliveries).await?;
    Ok(Changed {
        incident,
        previous,
        previous_ic,
        already: None,
        messages: msgs,
        results,
    })
}

/// Gives `person` a role other than IC (the IC holds no other role). A bare handle the
/// incident knows by email is that email (`carol` never replaces `carol@example.com`).
pub async fn role(ctx: &Ctx, inc: Incident, role: Role, person: String) -> CliResult<Changed> {
    let person = super::people::known_as(&inc, &person);
    if inc.holder(Role::Ic) == Some(person.as_str()) {
        return Err(CliError::usage(format!(
            "{person} is the IC, and the IC holds no other role"
        ))
        .hint("hand command over first: `inc handover USER`"));
    }
    if inc.roles.get(&role).is_some_and(|v| v.contains(&person)) {
        return Ok(Changed::already(inc, Already::Role(person, role)));
    }
    let event = ctx.record(
        &inc.id,
        EventKind::Role {
            role,
            person: person.clone(),
        },
    )?;
    let inc = ctx.load(&inc.id).unwrap_or(inc);
    let msgs = vec![messages::role(role, &person)];
    tell(ctx, inc, &event, msgs, None, None).await
}

/// Hands command to a new IC, who gives up any other role (known as the incident knows them).
pub async fn handover(ctx: &Ctx, inc: Incident, person: String) -> CliResult<Changed> {
    let person = super::people::known_as(&inc, &person);
    let previous = inc.holder(Role::Ic).map(str::to_string);
    if previous.as_deref() == Some(person.as_str()) {
        return Ok(Changed::already(inc, Already::Ic(person)));
    }
    let dropped: Vec<&str> = inc.roles_of(&person).into_iter().map(Role::label).collect();
    let event = ctx.record(
        &inc.id,
        EventKind::Role {
            role: Role::Ic,
            person: person.clone(),
        },
    )?;
    let mut msg = messages::handover(previous.as_deref(), &person);
    if !dropped.is_empty() {
        msg.push_str(&format!(" ({person} is no longer {})", dropped.join(", ")));
    }
    let inc = ctx.load(&inc.id).unwrap_or(inc);
    tell(ctx, inc, &event, vec![msg], None, Some(previous)).await
}

/// Raises the severity (it only goes up during an incident), or sets the final one.
pub async fn severity(
    ctx: &Ctx,
    inc: Incident,
    severity: Severity,
    is_final: bool,
) -> CliResult<Changed> {
    let from = inc.severity;
    if !is_final && severity > from {
        return Err(CliError::usage(format!(
            "{severity} is lower than the current {from}: severity only goes up during an incident"
        ))
        .hint(format!(
            "set the final severity with `inc sev {} --final`",
            severity.number()
        )));
    }
    if !is_final && severity == from {
        return Ok(Changed::already(inc, Already::Severity(from)));
    }
    let event = ctx.record(&inc.id, EventKind::Severity { severity, is_final })?;
    let inc = if ctx.dry_run() {
        inc
    } else {
        ctx.load(&inc.id)?
    };
    let msgs = vec![messages::severity(from, severity, is_final)];
    tell(ctx, inc, &event, msgs, Some(from), None).await
}
