//! Declaring a major incident: the journal (the declaration, then the roles), the PagerDuty
//! major incident and every incident room, opened concurrently.

use serde::Serialize;

use super::ic_page::OpenPage;
use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::{CliError, CliResult};
use crate::journal::new_id;
use crate::messages;
use crate::model::{EventKind, Incident, Role, Severity};
use crate::providers::pagerduty::{self, NewIncident};
use crate::providers::{matrix, slack};

/// What `inc declare` starts: the title, the severity, the security process, and the roles
/// given (each person as resolved: `me` is whoever runs inc).
#[derive(Debug)]
pub struct Declaration {
    pub title: String,
    pub severity: Severity,
    pub security: bool,
    /// A practice incident (SPEC "Drills").
    pub drill: bool,
    pub roles: Vec<(Role, String)>,
    /// The affected services (checked names of `[changes.services]`).
    pub services: Vec<String>,
}

/// The declared incident, and what its rooms were told.
#[derive(Debug, Serialize)]
pub struct Declared {
    pub incident: Incident,
    #[serde(skip)]
    pub messages: Vec<String>,
    #[serde(skip)]
    pub results: Vec<DeliveryResult>,
    /// The open IC page another machine opened that the incident adopted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adopted_page: Option<OpenPage>,
    /// Several open IC pages of the last hour, none adopted: the caller asks which.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ic_pages: Vec<OpenPage>,
    /// An unfinished declaration of the same incident, finished now (not a new incident).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub resumed: bool,
}

/// The IC holds no other role.
pub fn check_roles(roles: &[(Role, String)]) -> CliResult {
    if let Some((_, ic)) = roles.iter().find(|(r, _)| *r == Role::Ic)
        && let Some((r, _)) = roles.iter().find(|(r, p)| *r != Role::Ic && p == ic)
    {
        return Err(CliError::usage(format!(
            "{ic} cannot be both IC and {}: the IC holds no other role",
            r.label()
        )));
    }
    Ok(())
}

/// The new incident (a fresh id, the declaration and the roles as its events), not yet written.
/// When the current incident is an IC page nobody has declared yet (`inc page-ic` first, the
/// usual order at 3 a.m.), the declaration adopts it: same id, the page and its
/// acknowledgements in its timeline, resolved together. A drill adopts only a drill's page,
/// and a real incident only a real page.
pub fn prepare(ctx: &Ctx, d: Declaration) -> Incident {
    // The same declaration again while the last one is unfinished (Ctrl-C, a provider down):
    // finish that one instead of opening a second.
    if let Some(inc) = unfinished(ctx, &d) {
        if inc.severity != d.severity {
            ctx.warn(format!(
                "{} was declared {}; `inc sev {}` changes it",
                inc.id,
                inc.severity,
                d.severity.number()
            ));
        }
        ctx.resume(&inc);
        return inc;
    }
    let adopted = ctx
        .journal()
        .ok()
        .and_then(|j| j.current())
        .and_then(|id| ctx.load(&id).ok())
        .filter(|i| i.is_paging() && i.drill == d.drill);
    let (id, mut events) = match adopted {
        Some(page) => (page.id, page.events),
        None => (new_id(ctx.now()), Vec::new()),
    };
    let codename = d.security.then(messages::codename);
    events.push(ctx.event(EventKind::Declared {
        id,
        title: d.title,
        severity: d.severity,
        security: d.security,
        codename,
        drill: d.drill,
    }));
    events.extend(
        d.roles
            .into_iter()
            .map(|(role, person)| ctx.event(EventKind::Role { role, person })),
    );
    events.extend(
        d.services
            .into_iter()
            .map(|name| ctx.event(EventKind::Service { name })),
    );
    Incident::from_events(events).expect("starts with declared")
}

/// The current incident when `d` declares it again and its declaration is unfinished: the
/// same title, drill and security, still open, with a step of the declaration (the PagerDuty
/// incident, a room, its roster, a webhook post) waiting in the outbox after Ctrl-C or an
/// outage. Declaring it again sends those steps with the same dedup keys (the PagerDuty
/// incident key, the derived channel and room names), so the adapters find what an earlier
/// try made instead of making a second.
fn unfinished(ctx: &Ctx, d: &Declaration) -> Option<Incident> {
    let id = ctx.journal().ok()?.current()?;
    let inc = ctx.load(&id).ok()?;
    if !inc.is_open()
        || inc.is_paging()
        || inc.title != d.title
        || inc.drill != d.drill
        || inc.security != d.security
    {
        return None;
    }
    let whole = format!("inc-{id}");
    let steps = [
        format!("inc-{id}-slack-"),
        format!("inc-{id}-matrix-"),
        format!("inc-{id}-open"),
    ];
    let waiting = ctx.outbox().ok()?.list().into_iter().any(|e| {
        let k = &e.delivery.dedup_key;
        e.delivery.incident.as_deref() == Some(id.as_str())
            && (*k == whole || steps.iter().any(|p| k.starts_with(p.as_str())))
    });
    waiting.then_some(inc)
}

/// Writes a prepared incident to the journal and makes it current (nothing under --dry-run),
/// then opens the PagerDuty major incident and every room concurrently, in one round: each
/// place is named in the others from what is known before it exists (SPEC "Delivery rules"):
/// the declaration carries `linked` events naming the channel, the room and the PagerDuty
/// incident key (its roster post publishes them), and the PagerDuty incident's body names the
/// rooms. Nothing waits for PagerDuty's answer; `inc attach` from any one place finds the rest.
/// A resumed declaration (see [`unfinished`]) is in the journal already, with its places
/// named: only what it did not deliver goes out.
pub async fn declare(ctx: &Ctx, inc: Incident) -> CliResult<Declared> {
    let config = ctx.config()?;
    let resumed = ctx.resuming(&inc.id);
    // A drill's PagerDuty incident is opened only on `[drill] service` (SPEC "Drills").
    let service = match &config.values.pagerduty {
        Some(_) if inc.drill => config.values.drill.service.as_ref(),
        Some(pd) => pd.incident_service.as_ref(),
        None => None,
    };
    let key = format!("inc-{}", inc.id);
    let rooms = super::room::planned(ctx, &inc);
    let inc = if resumed {
        inc
    } else {
        with_places(ctx, inc, service.map(|_| key.as_str()), &rooms)
    };
    if !ctx.dry_run() && !resumed {
        let journal = ctx.journal()?;
        // Adopting an IC page: its journal exists; the declaration and the roles are new.
        let new: Vec<_> = inc
            .events
            .iter()
            .skip_while(|e| !matches!(e.kind, EventKind::Declared { .. }))
            .cloned()
            .collect();
        // All or nothing: a full disk never leaves a declaration without its roles.
        if journal.exists(&inc.id) {
            journal.append_all(&inc.id, &new)?;
        } else {
            journal.create_all(&inc.id, &new)?;
        }
        journal.set_current(&inc.id)?;
    }
    let mut msgs = vec![messages::declared(&inc), messages::roster(&inc)];
    if !inc.services.is_empty() {
        msgs.push(messages::services_added(&inc.services));
    }
    // What changed, only when it is already in hand (an IC page's reading): the declaration
    // never waits for a provider to say.
    let changes = super::changes::in_hand(ctx, &inc);
    if !changes.is_empty() {
        msgs.push(messages::latest_changes(&changes, inc.declared_at));
    }
    msgs.push(messages::contact_summary_in_room(
        &config.values.call,
        config.values.bot.as_ref(),
    ));
    if rooms.len() > 1 {
        let named: Vec<(&str, &str)> = rooms
            .iter()
            .map(|(p, r)| (crate::providers::display_name(p), r.as_str()))
            .collect();
        msgs.push(messages::rooms(&named));
    }
    let mut deliveries = Vec::new();
    if let Some(service) = service {
        let call = &config.values.call;
        let number = call.phone.as_ref().map(|p| match &call.pin {
            Some(pin) => format!("{p},,,,{pin}#"),
            None => p.clone(),
        });
        let bridge = (number.is_some() || call.bridge_url.is_some())
            .then(|| (number, call.bridge_url.clone()));
        let mut d = pagerduty::create_incident(NewIncident {
            action: "create_incident",
            title: messages::tagged(&inc, &format!("[{}] {}", inc.severity, inc.public_name())),
            service,
            urgency: pagerduty::urgency(inc.severity),
            incident_key: key.clone(),
            assignees: &[],
            escalation_policy: None,
            bridge,
            inc_id: Some(&inc.id),
        });
        let named: Vec<(&str, &str)> = rooms.iter().map(|(p, r)| (*p, r.as_str())).collect();
        crate::providers::name_places(&mut d, &named);
        if let Some(declared) = inc
            .events
            .iter()
            .rfind(|e| matches!(e.kind, EventKind::Declared { .. }))
        {
            crate::providers::publish(&mut d, &inc.id, declared);
        }
        deliveries.push(d);
    }
    // The PagerDuty incident and every chat room open concurrently.
    let (pd, chat) = tokio::join!(
        ctx.deliver(deliveries),
        super::room::open_rooms(ctx, &inc, &msgs)
    );
    let mut results = pd?;
    results.extend(chat?);
    if resumed {
        // What waited in the outbox for the rooms made now.
        results.extend(super::outbox::release(ctx, &inc.id).await?);
    }
    if !ctx.dry_run() {
        remember_places(ctx, &inc, &key, &results)?;
    }
    let inc = if ctx.dry_run() {
        inc
    } else {
        ctx.load(&inc.id)?
    };
    Ok(Declared {
        incident: inc,
        messages: msgs,
        results,
        adopted_page: None,
        ic_pages: Vec::new(),
        resumed,
    })
}

/// [`declare`], and beside its fan-out (no round trip before it) the look for an open IC page
/// of the last hour that another machine opened (SPEC "The page is part of the incident"):
/// exactly one is adopted; several are left in `ic_pages` for the caller to choose from. Not
/// with `adopt` false (`--no-adopt`) or under `--dry-run`.
pub async fn declare_adopting(ctx: &Ctx, inc: Incident, adopt: bool) -> CliResult<Declared> {
    let look = async {
        if !adopt || ctx.dry_run() {
            return Ok((Vec::new(), None));
        }
        let found = super::ic_page::open_pages(ctx, &inc).await?;
        if let [one] = found.as_slice() {
            let results = adopt_page(ctx, &inc.id, one).await?;
            return Ok((Vec::new(), Some((one.clone(), results))));
        }
        Ok::<_, CliError>((found, None))
    };
    let (declared, looked) = tokio::join!(declare(ctx, inc.clone()), look);
    let mut declared = declared?;
    let (several, adopted) = looked?;
    if let Some((page, results)) = adopted {
        declared.adopted_page = Some(page);
        declared.results.extend(results);
    }
    declared.ic_pages = several;
    Ok(declared)
}

/// `#12 PINC012 "IC needed: checkout down", opened 03:04 UTC, acknowledged by Ann`
pub fn describe_page(p: &OpenPage) -> String {
    let number = p.number.map(|n| format!("#{n} ")).unwrap_or_default();
    let at = p
        .created_at
        .map(|t| format!(", opened {}", messages::time(t)))
        .unwrap_or_default();
    let ack = match p.acknowledged_by.as_slice() {
        [] => ", not acknowledged".to_string(),
        who => format!(", acknowledged by {}", who.join(", ")),
    };
    format!("{number}{} \"{}\"{at}{ack}", p.id, p.title)
}

/// Makes an open IC page part of the incident: a `linked` event (so `sync` reads its
/// acknowledgements and escalations into the timeline and `resolve` resolves it), published as
/// a note on the page (whoever opens the page sees where the incident is).
pub async fn adopt_page(
    ctx: &Ctx,
    inc_id: &str,
    page: &OpenPage,
) -> CliResult<Vec<DeliveryResult>> {
    let event = ctx.record(
        inc_id,
        EventKind::Linked {
            provider: pagerduty::PROVIDER.into(),
            reference: page.id.clone(),
            name: Some("IC page".into()),
            url: page.url.clone(),
        },
    )?;
    let inc = ctx.load(inc_id)?;
    let text = messages::tagged(
        &inc,
        &format!(
            "This IC page belongs to inc incident {}: [{}] {}",
            inc.id,
            inc.severity,
            inc.public_name()
        ),
    );
    let mut d = pagerduty::add_note(
        &page.id,
        &text,
        format!("inc-{}-adopt-{}", inc.id, page.id),
        Some(&inc.id),
    );
    crate::providers::publish(&mut d, &inc.id, &event);
    ctx.deliver(vec![d]).await
}

/// The incident with `linked` events naming each place it is about to open: the PagerDuty
/// incident by its key, its own Slack channel by `#name`, its own Matrix room by its alias.
fn with_places(
    ctx: &Ctx,
    inc: Incident,
    pd_key: Option<&str>,
    rooms: &[(&'static str, String)],
) -> Incident {
    let mut places: Vec<(&str, &str)> = pd_key
        .map(|k| (pagerduty::PROVIDER, k))
        .into_iter()
        .collect();
    places.extend(rooms.iter().map(|(p, r)| (*p, r.as_str())));
    if places.is_empty() {
        return inc;
    }
    let mut events = inc.events;
    for (provider, name) in places {
        events.push(ctx.event(EventKind::Linked {
            provider: provider.into(),
            reference: String::new(),
            name: Some(name.into()),
            url: None,
        }));
    }
    Incident::from_events(events).expect("starts with declared")
}

/// Journals where each place that opened is (its id, beside the name it was announced by), on
/// this machine only: the same `linked` events another responder's `inc attach` writes when it
/// finds them. A journal write, no round trip.
fn remember_places(ctx: &Ctx, inc: &Incident, key: &str, results: &[DeliveryResult]) -> CliResult {
    let mut events = Vec::new();
    for r in results.iter().filter(|r| r.ok && !r.dry_run) {
        let Some(id) = r.id.as_deref() else { continue };
        let (name, url) = match (r.provider.as_str(), r.action.as_str()) {
            (pagerduty::PROVIDER, "create_incident") => (key.to_string(), r.url.clone()),
            (slack::PROVIDER, "create_channel") | (matrix::PROVIDER, "create_room") => {
                (r.target.clone(), None)
            }
            _ => continue,
        };
        events.push(super::sync::place(ctx, &r.provider, id, Some(name), url));
    }
    let known: Vec<&str> = inc.events.iter().filter_map(|e| e.id.as_deref()).collect();
    events.retain(|e| e.id.as_deref().is_some_and(|id| !known.contains(&id)));
    if !events.is_empty() {
        ctx.journal()?.append_all(&inc.id, &events)?;
    }
    Ok(())
}
