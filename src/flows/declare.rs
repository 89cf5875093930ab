//! Declaring a major incident: the journal (the declaration, then the roles), the PagerDuty
//! major incident and every incident room, opened concurrently.

use serde::Serialize;

use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::{CliError, CliResult};
use crate::journal::new_id;
use crate::messages;
use crate::model::{EventKind, Incident, Role, Severity};
use crate::providers::pagerduty::{self, NewIncident};

/// What `inc declare` starts: the title, the severity, the security process, and the roles
/// given (each person as resolved: `me` is whoever runs inc).
#[derive(Debug)]
pub struct Declaration {
    pub title: String,
    pub severity: Severity,
    pub security: bool,
    pub roles: Vec<(Role, String)>,
}

/// The declared incident, and what its rooms were told.
#[derive(Debug, Serialize)]
pub struct Declared {
    pub incident: Incident,
    #[serde(skip)]
    pub messages: Vec<String>,
    #[serde(skip)]
    pub results: Vec<DeliveryResult>,
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
pub fn prepare(ctx: &Ctx, d: Declaration) -> Incident {
    let id = new_id(ctx.now());
    let codename = d.security.then(messages::codename);
    let mut events = vec![ctx.event(EventKind::Declared {
        id,
        title: d.title,
        severity: d.severity,
        security: d.security,
        codename,
    })];
    events.extend(
        d.roles
            .into_iter()
            .map(|(role, person)| ctx.event(EventKind::Role { role, person })),
    );
    Incident::from_events(events).expect("starts with declared")
}

/// Writes a prepared incident to the journal and makes it current (nothing under --dry-run),
/// then opens the PagerDuty major incident and every room concurrently.
pub async fn declare(ctx: &Ctx, inc: Incident) -> CliResult<Declared> {
    let config = ctx.config()?;
    if !ctx.dry_run() {
        let journal = ctx.journal()?;
        journal.create(&inc.id, &inc.events[0])?;
        for e in &inc.events[1..] {
            journal.append(&inc.id, e)?;
        }
        journal.set_current(&inc.id)?;
    }
    let msgs = vec![
        messages::declared(&inc),
        messages::roster(&inc),
        messages::contact_summary(&config.values.call),
    ];
    let mut deliveries = Vec::new();
    if let Some(pd) = &config.values.pagerduty
        && let Some(service) = &pd.incident_service
    {
        let call = &config.values.call;
        let number = call.phone.as_ref().map(|p| match &call.pin {
            Some(pin) => format!("{p},,,,{pin}#"),
            None => p.clone(),
        });
        let bridge = (number.is_some() || call.bridge_url.is_some())
            .then(|| (number, call.bridge_url.clone()));
        deliveries.push(pagerduty::create_incident(NewIncident {
            action: "create_incident",
            title: format!("[{}] {}", inc.severity, inc.public_name()),
            service,
            urgency: pagerduty::urgency(inc.severity),
            incident_key: format!("inc-{}", inc.id),
            assignees: &[],
            escalation_policy: None,
            bridge,
            inc_id: Some(&inc.id),
        }));
    }
    // The PagerDuty incident and every chat room open concurrently.
    let (pd, chat) = tokio::join!(
        ctx.deliver(deliveries),
        super::room::open_rooms(ctx, &inc, &msgs)
    );
    let mut results = pd?;
    results.extend(chat?);
    Ok(Declared {
        incident: inc,
        messages: msgs,
        results,
    })
}
