//! `inc oncall`: who is on call now, with how to reach them.

use serde_json::json;

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::messages;
use crate::oncall;

/// Who is on call now (the IC rotation with --ic, else every schedule), with contact methods
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  inc oncall --ic\n  inc oncall --who ann@example.com --json")]
pub struct Args {
    /// Only the Incident Commander schedules (`[pagerduty] ic_schedules`): primary, backup, shadows
    #[arg(long)]
    pub ic: bool,
    /// Only this person (email, name or user id)
    #[arg(long, value_name = "USER")]
    pub who: Option<String>,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let config = ctx.config()?;
    let pd = ctx.pagerduty()?;
    let schedules = if args.ic {
        let s = config
            .values
            .pagerduty
            .as_ref()
            .map(|p| p.ic_schedules.clone())
            .unwrap_or_default();
        if s.is_empty() {
            return Err(CliError::config(
                "--ic needs pagerduty.ic_schedules in the config",
            ));
        }
        s
    } else {
        Vec::new()
    };
    let timeout = config.values.delivery.timeout.0;
    let mut found = oncall::lookup(pd, &schedules, &config.state_dir, timeout)
        .await
        .map_err(|e| CliError::failed(format!("cannot read who is on call from PagerDuty: {e}")))?;
    if found.stale.is_none() {
        oncall::refresh_contacts(pd, &mut found.people, timeout).await;
        if !ctx.dry_run()
            && let Err(e) = oncall::save(&config.state_dir, &schedules, &found.people, ctx.now())
        {
            ctx.io
                .warn(&format!("could not write the on-call cache: {e}"));
        }
    }
    let mut people = found.people;
    if let Some(who) = &args.who {
        let w = who.to_lowercase();
        people.retain(|p| {
            p.user_id.eq_ignore_ascii_case(who)
                || p.name.to_lowercase().contains(&w)
                || p.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(who))
        });
    }
    if let Some((at, err)) = &found.stale {
        let age = ctx.now().as_second() - at.as_second();
        ctx.io.warn(&format!(
            "PagerDuty unreachable ({err}); showing the cached list from {} ({} old)",
            messages::time(*at),
            messages::elapsed(age)
        ));
    }
    if ctx.io.json {
        ctx.io.json_doc(&json!({
            "oncall": people,
            "stale": found.stale.is_some(),
            "fetched_at": found.stale.as_ref().map(|(at, _)| *at),
        }));
        return Ok(());
    }
    if people.is_empty() {
        ctx.io.status("no one is on call for that");
        return Ok(());
    }
    let rows = people
        .iter()
        .map(|p| {
            let contact = |k: &str| {
                p.contacts
                    .iter()
                    .filter(|c| c.kind == k)
                    .map(|c| c.address.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            vec![
                p.role.clone(),
                p.schedule
                    .clone()
                    .or(p.escalation_policy.clone())
                    .unwrap_or_default(),
                p.name.clone(),
                p.email.clone().unwrap_or_default(),
                contact("phone"),
                contact("sms"),
            ]
        })
        .collect();
    ctx.io.out(
        &ctx.io
            .table(&["ROLE", "SCHEDULE", "NAME", "EMAIL", "PHONE", "SMS"], rows),
    );
    Ok(())
}
