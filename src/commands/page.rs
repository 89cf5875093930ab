//! `inc page TARGET`: page a user, a schedule's on-call or an escalation policy (SMEs, another team).

use serde_json::json;

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::journal::new_id;
use crate::providers::pagerduty::{self, NewIncident};

/// Page a user, a schedule's on-call or an escalation policy
#[derive(clap::Args, Debug)]
#[command(
    after_help = "TARGET is an email, a user id, `user:ID`, `schedule:ID` or `ep:ID`.\n\n\
With a current incident that has a PagerDuty incident, the target is added as a responder to it; \
otherwise a new PagerDuty incident is opened for the target.\n\nExamples:\n  inc page db-oncall@example.com -m \"Need a DBA on the bridge\"\n  inc page schedule:PDBSCHD\n  inc page ep:PNETWRK"
)]
pub struct Args {
    /// Who to page
    pub target: String,
    /// What they should know
    #[arg(short, long, value_name = "MSG")]
    pub message: Option<String>,
}

/// What a target resolved to: PagerDuty ids with their reference type.
enum Target {
    Users(Vec<(String, String)>),
    EscalationPolicy(String),
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let config = ctx.config()?;
    let pd = ctx.pagerduty()?;
    let cfg = config
        .values
        .pagerduty
        .as_ref()
        .expect("pagerduty client implies config");
    let timeout = config.values.delivery.timeout.0;
    let t = args.target.trim();
    let fail = |e: crate::providers::SendError| {
        CliError::failed(format!("cannot look up {t} in PagerDuty: {e}"))
    };
    let target = if let Some(id) = t
        .strip_prefix("ep:")
        .or_else(|| t.strip_prefix("escalation_policy:"))
    {
        Target::EscalationPolicy(id.to_string())
    } else if let Some(id) = t.strip_prefix("schedule:") {
        let people = tokio::time::timeout(timeout, pd.oncalls(&[id.to_string()]))
            .await
            .unwrap_or_else(|_| {
                Err(crate::providers::SendError::Transient {
                    message: "timed out".into(),
                    retry_after: None,
                })
            })
            .map_err(fail)?;
        if people.is_empty() {
            return Err(CliError::failed(format!(
                "no one is on call for schedule {id}"
            )));
        }
        Target::Users(people.into_iter().map(|p| (p.user_id, p.name)).collect())
    } else if t.contains('@') {
        match pd.user_by_email(t).await.map_err(fail)? {
            Some(u) => Target::Users(vec![u]),
            None => {
                return Err(CliError::usage(format!(
                    "TARGET {t}: no PagerDuty user has this email"
                )));
            }
        }
    } else {
        let id = t.strip_prefix("user:").unwrap_or(t);
        if id.is_empty() {
            return Err(CliError::usage("TARGET is empty"));
        }
        Target::Users(vec![(id.to_string(), id.to_string())])
    };
    let inc = ctx.optional_incident()?;
    let message = args.message.clone().unwrap_or_else(|| match &inc {
        Some(i) => format!(
            "Please join the incident call: {} {}",
            i.severity,
            i.public_name()
        ),
        None => "Please join the incident call".into(),
    });
    let slug: String = t
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let inc_id = inc.as_ref().map(|i| i.id.as_str());
    let who: Vec<String> = match &target {
        Target::Users(u) => u.iter().map(|(_, name)| name.clone()).collect(),
        Target::EscalationPolicy(ep) => vec![format!("escalation policy {ep}")],
    };
    let mut delivery = match inc.as_ref().and_then(crate::flows::pd_incident) {
        Some(pd_id) => {
            let from = cfg.from.as_deref().ok_or_else(|| {
                CliError::config("pagerduty.from is required to request responders")
            })?;
            let requester = pd
                .user_by_email(from)
                .await
                .map_err(|e| {
                    CliError::failed(format!("cannot look up pagerduty.from ({from}): {e}"))
                })?
                .ok_or_else(|| {
                    CliError::config(format!(
                        "pagerduty.from: no PagerDuty user has the email {from}"
                    ))
                })?
                .0;
            let targets: Vec<(String, &str)> = match &target {
                Target::Users(u) => u
                    .iter()
                    .map(|(id, _)| (id.clone(), "user_reference"))
                    .collect(),
                Target::EscalationPolicy(ep) => vec![(ep.clone(), "escalation_policy_reference")],
            };
            let key = format!(
                "inc-{}-page-{slug}",
                inc.as_ref().map_or("", |i| i.id.as_str())
            );
            pagerduty::responder_request(pd_id, &requester, &message, &targets, key, inc_id)
        }
        None => {
            let service = cfg
                .incident_service
                .as_deref()
                .or(cfg.ic_service.as_deref())
                .ok_or_else(|| {
                    CliError::config(
                        "set pagerduty.incident_service to open incidents for `inc page`",
                    )
                })?;
            let users: Vec<String> = match &target {
                Target::Users(u) => u.iter().map(|(id, _)| id.clone()).collect(),
                Target::EscalationPolicy(_) => Vec::new(),
            };
            let key = match inc_id {
                Some(id) => format!("inc-{id}-page-{slug}"),
                None => format!("inc-page-{slug}-{}", new_id(ctx.now())),
            };
            pagerduty::create_incident(NewIncident {
                action: "page",
                title: message.clone(),
                service,
                urgency: "high",
                incident_key: key,
                assignees: &users,
                escalation_policy: match &target {
                    Target::EscalationPolicy(ep) => Some(ep),
                    Target::Users(_) => None,
                },
                bridge: None,
                inc_id,
            })
        }
    };
    // The journal and the post-mortem timeline name the people, not their PagerDuty ids.
    delivery.target = who.join(", ");
    let results = ctx.deliver(vec![delivery]).await?;
    let r = &results[0];
    let human: Vec<String> = if ctx.dry_run() {
        Vec::new()
    } else {
        who.iter()
            .map(|w| {
                format!(
                    "{} {} {w}",
                    ctx.io.tick(r.ok),
                    if r.ok { "paged" } else { "NOT paged" }
                )
            })
            .collect()
    };
    crate::render::finish(
        ctx,
        &human,
        json!({ "paged": who, "message": message }),
        &[],
        results,
    )
}
