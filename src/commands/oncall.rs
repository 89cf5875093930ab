//! `inc oncall`: who is on call now, with how to reach them, from every configured pager
//! (PagerDuty, Opsgenie).

use serde_json::{Value, json};

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::flows::oncall::{self, Lookup, OnCall, Roster};
use crate::messages;

/// Who is on call now (the IC rotation with --ic, else every schedule), with contact methods
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  inc oncall --ic\n  inc oncall --who ann@example.com --json")]
pub struct Args {
    /// Only the Incident Commander schedules (`ic_schedules` of [pagerduty] / [opsgenie]): primary, backup, shadows
    #[arg(long)]
    pub ic: bool,
    /// Only this person (email, name or user id)
    #[arg(long, value_name = "USER")]
    pub who: Option<String>,
}

/// One pager's answer.
struct Answer {
    provider: &'static str,
    name: &'static str,
    found: Lookup,
}

/// Looks up one pager (live, else its cache), refreshes contacts and writes the cache.
async fn ask<R: Roster>(ctx: &Ctx, pager: &R, schedules: &[String]) -> CliResult<Answer> {
    let config = ctx.config()?;
    let timeout = config.values.delivery.timeout.0;
    let mut found = oncall::lookup(pager, schedules, &config.state_dir, timeout)
        .await
        .map_err(|e| {
            CliError::failed(format!(
                "cannot read who is on call from {}: {e}",
                pager.name()
            ))
        })?;
    if found.stale.is_none() {
        oncall::refresh_contacts(pager, &mut found.people, timeout).await;
        if !ctx.dry_run()
            && let Err(e) = oncall::save(
                pager,
                &config.state_dir,
                schedules,
                &found.people,
                ctx.now(),
            )
        {
            ctx.io
                .warn(&format!("could not write the on-call cache: {e}"));
        }
    }
    Ok(Answer {
        provider: pager.provider(),
        name: pager.name(),
        found,
    })
}

/// The IC schedules of a pager, or all schedules (empty) without --ic.
fn schedules(ic: bool, configured: &[String], key: &str) -> CliResult<Vec<String>> {
    if !ic {
        return Ok(Vec::new());
    }
    if configured.is_empty() {
        return Err(CliError::config(format!("--ic needs {key} in the config")));
    }
    Ok(configured.to_vec())
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let config = ctx.config()?;
    let v = &config.values;
    let mut answers = Vec::new();
    // PagerDuty first (and alone unless Opsgenie is configured too).
    if v.pagerduty.is_some() || v.opsgenie.is_none() {
        let pd = ctx.pagerduty()?;
        let configured = v
            .pagerduty
            .as_ref()
            .map(|p| p.ic_schedules.clone())
            .unwrap_or_default();
        // With both pagers, the one without IC schedules sits out of --ic.
        if !(args.ic && configured.is_empty() && v.opsgenie.is_some()) {
            let s = schedules(args.ic, &configured, "pagerduty.ic_schedules")?;
            answers.push(ask(ctx, pd, &s).await?);
        }
    }
    if let Some(og_cfg) = &v.opsgenie
        && !(args.ic && og_cfg.ic_schedules.is_empty() && !answers.is_empty())
    {
        let og = ctx.opsgenie()?;
        let s = schedules(args.ic, &og_cfg.ic_schedules, "opsgenie.ic_schedules")?;
        answers.push(ask(ctx, og, &s).await?);
    }
    let several = answers.len() > 1;
    let mut people: Vec<(&'static str, OnCall)> = Vec::new();
    for a in &answers {
        people.extend(a.found.people.iter().cloned().map(|p| (a.provider, p)));
        if let Some((at, err)) = &a.found.stale {
            let age = ctx.now().as_second() - at.as_second();
            ctx.io.warn(&format!(
                "{} unreachable ({err}); showing the cached list from {} ({} old)",
                a.name,
                messages::time(*at),
                messages::elapsed(age)
            ));
        }
    }
    if let Some(who) = &args.who {
        let w = who.to_lowercase();
        people.retain(|(_, p)| {
            p.user_id.eq_ignore_ascii_case(who)
                || p.name.to_lowercase().contains(&w)
                || p.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(who))
        });
    }
    let stale = answers.iter().find_map(|a| a.found.stale.as_ref());
    if ctx.io.json {
        let list: Vec<Value> = people
            .iter()
            .map(|(pager, p)| {
                let mut v = json!(p);
                v["pager"] = json!(pager);
                v
            })
            .collect();
        ctx.io.json_doc(&json!({
            "oncall": list,
            "stale": stale.is_some(),
            "fetched_at": stale.map(|(at, _)| *at),
        }));
        return Ok(());
    }
    if people.is_empty() {
        ctx.io.status("no one is on call for that");
        return Ok(());
    }
    let rows = people
        .iter()
        .map(|(pager, p)| {
            let contact = |k: &str| {
                p.contacts
                    .iter()
                    .filter(|c| c.kind == k)
                    .map(|c| c.address.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut row = vec![
                p.role.clone(),
                p.schedule
                    .clone()
                    .or(p.escalation_policy.clone())
                    .unwrap_or_default(),
                p.name.clone(),
                p.email.clone().unwrap_or_default(),
                contact("phone"),
                contact("sms"),
            ];
            if several {
                row.push(pager.to_string());
            }
            row
        })
        .collect();
    let mut headers = vec!["ROLE", "SCHEDULE", "NAME", "EMAIL", "PHONE", "SMS"];
    if several {
        headers.push("PAGER");
    }
    ctx.io.out(&ctx.io.table(&headers, rows));
    Ok(())
}
