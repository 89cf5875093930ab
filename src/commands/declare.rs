//! `inc declare`: start a major incident.

use serde_json::json;

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::journal::new_id;
use crate::messages;
use crate::model::{EventKind, Incident, Role, Severity};
use crate::providers::pagerduty::{self, NewIncident};

/// Declare a major incident: journal, severity, roles and the contact summary
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  inc declare \"Checkout returns 500s\" --sev 1 --ic me\n  ID=$(inc declare \"API latency\" --sev 2 -q)"
)]
pub struct Args {
    /// What is wrong, in a few words [asked on a terminal when omitted]
    pub title: Option<String>,
    /// Severity, 1..5 or SEV-1..SEV-5 [default: asked on a terminal; SEV-2 in scripts: if unsure, pick the higher]
    #[arg(long, value_name = "N")]
    pub sev: Option<Severity>,
    /// Follow the security process: codename instead of the title, no public comms
    #[arg(long)]
    pub security: bool,
    /// Incident Commander (`me` for yourself)
    #[arg(long, value_name = "USER")]
    pub ic: Option<String>,
    /// Deputy
    #[arg(long, value_name = "USER")]
    pub deputy: Option<String>,
    /// Scribe
    #[arg(long, value_name = "USER")]
    pub scribe: Option<String>,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let config = ctx.config()?;
    let mut roles = Vec::new();
    for (role, given, flag) in [
        (Role::Ic, &args.ic, "--ic"),
        (Role::Deputy, &args.deputy, "--deputy"),
        (Role::Scribe, &args.scribe, "--scribe"),
    ] {
        if let Some(g) = given {
            roles.push((role, super::person(ctx, g, flag)?));
        }
    }
    if let Some((_, ic)) = roles.iter().find(|(r, _)| *r == Role::Ic)
        && let Some((r, _)) = roles.iter().find(|(r, p)| *r != Role::Ic && p == ic)
    {
        return Err(CliError::usage(format!(
            "{ic} cannot be both IC and {}: the IC holds no other role",
            r.label()
        )));
    }

    let title = match args.title.as_deref().map(str::trim) {
        Some("") => return Err(CliError::usage("TITLE is empty")),
        Some(t) => t.to_string(),
        None => match ctx.prompter() {
            Some(p) => p.input("Title (what is wrong?)", None)?,
            None => {
                return Err(CliError::usage(
                    "missing TITLE: inc declare \"what is wrong\"",
                ));
            }
        },
    };
    if title.chars().count() > 200 {
        return Err(CliError::usage("TITLE is longer than 200 characters"));
    }
    let severity = match args.sev {
        Some(s) => s,
        None => match ctx.prompter() {
            Some(p) => {
                let items: Vec<String> = Severity::all()
                    .map(|s| format!("{s}  {}", s.describe()))
                    .collect();
                let i = p.select("Severity (if unsure, pick the higher)", &items, 0)?;
                Severity::all().nth(i).expect("index from the list")
            }
            None => {
                ctx.io.status("--sev not given: SEV-2 (if unsure, pick the higher; raise it with `inc sev 1`)");
                Severity::DEFAULT_UNSURE
            }
        },
    };
    let now = ctx.now();
    let id = new_id(now);
    let codename = args.security.then(messages::codename);
    let mut events = vec![ctx.event(EventKind::Declared {
        id: id.clone(),
        title,
        severity,
        security: args.security,
        codename,
    })];
    events.extend(
        roles
            .into_iter()
            .map(|(role, person)| ctx.event(EventKind::Role { role, person })),
    );
    if ctx.dry_run() {
        super::dry_run_note(ctx, &format!("declare {id}"));
    } else {
        let journal = ctx.journal()?;
        journal.create(&id, &events[0])?;
        for e in &events[1..] {
            journal.append(&id, e)?;
        }
        journal.set_current(&id)?;
    }
    let inc = Incident::from_events(events).expect("starts with declared");
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
        crate::flows::room::open_rooms(ctx, &inc, &msgs)
    );
    let mut results = pd?;
    results.extend(chat?);
    if ctx.io.quiet && !ctx.io.json {
        ctx.io.out(&inc.id);
    }
    let mut human = vec![format!(
        "{} Declared {} · {} · {}",
        ctx.io.tick(true),
        inc.id,
        inc.severity,
        inc.title
    )];
    if let Some(c) = &inc.codename {
        human.push(format!(
            "Security incident: use the codename \"{c}\" anywhere others can see"
        ));
    }
    crate::render::finish(ctx, &human, json!({ "incident": inc }), &msgs, results)
}
