//! `inc resolve`: end the call.

use serde_json::json;

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::messages;
use crate::model::{EventKind, Severity};
use crate::providers::pagerduty;

/// End the call: resolve the incident, set the final severity, list open TODOs and the after-call checklist
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  inc resolve\n  inc resolve --final-sev 2")]
pub struct Args {
    /// Final severity [default: asked on a terminal, else the current one]
    #[arg(long, value_name = "N")]
    pub final_sev: Option<Severity>,
    /// The message that resolves the open public status-page incident [default: asked on a
    /// terminal; with --yes, the `resolved` template]
    #[arg(long, value_name = "MSG")]
    pub public_message: Option<String>,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let inc = ctx.current_incident()?;
    if let Some(at) = inc.resolved_at {
        ctx.io.status(&format!(
            "{} was already resolved at {}",
            inc.id,
            messages::time(at)
        ));
        return crate::render::finish(
            ctx,
            &[],
            json!({ "incident": inc, "already_resolved": true }),
            &[],
            Vec::new(),
        );
    }
    let severity = match args.final_sev {
        Some(s) => s,
        None => match ctx.prompter().filter(|_| !ctx.global.yes) {
            Some(p) => {
                let items: Vec<String> = Severity::all().map(|s| s.to_string()).collect();
                let current = usize::from(inc.severity.number() - 1);
                let i = p.select("Final severity", &items, current)?;
                Severity::all().nth(i).expect("index from the list")
            }
            None => inc.severity,
        },
    };
    let public = crate::render::comms::ask_resolution(ctx, &inc, args.public_message.as_deref())?;
    ctx.record(&inc.id, EventKind::Resolved { severity })?;
    let inc = if ctx.dry_run() {
        super::dry_run_note(ctx, &format!("resolve {}", inc.id));
        inc
    } else {
        ctx.load(&inc.id)?
    };
    let msgs = vec![messages::resolved(&inc)];
    let mut deliveries = crate::flows::mirrors(ctx, &inc, &msgs, false);
    deliveries.extend(crate::flows::room::topic_updates(ctx, &inc));
    deliveries.extend(public.as_ref().map(|p| p.delivery()));
    deliveries.extend(crate::flows::opsgenie_close(ctx, &inc, &msgs[0]));
    if ctx.has_pagerduty() {
        let resolution = format!("Resolved with inc: final {severity}. {}", msgs[0]);
        for action in ["create_incident", "page_ic"] {
            if let Some(pd_id) = inc
                .find_ref(pagerduty::PROVIDER, action)
                .and_then(|r| r.id.as_deref())
            {
                deliveries.push(pagerduty::resolve(
                    pd_id,
                    &resolution,
                    format!("inc-{}-resolve-{action}", inc.id),
                    Some(&inc.id),
                ));
            }
        }
        // An IC page sent through Events v2 is resolved with the same dedup_key.
        if let Some(key) = inc
            .find_ref(pagerduty::PROVIDER, "page_ic_event")
            .and_then(|r| r.id.as_deref())
        {
            deliveries.push(pagerduty::event("resolve", key, Some(&inc.id)));
        }
    }
    let results = ctx.deliver(deliveries).await?;
    if let Some(p) = &public {
        p.record(ctx, &inc.id, &results);
    }
    let lasted = inc.resolved_at.unwrap_or(ctx.now()).as_second() - inc.declared_at.as_second();
    let mut human = vec![format!(
        "{} Resolved {} · final {} · lasted {}",
        ctx.io.tick(true),
        inc.id,
        severity,
        messages::elapsed(lasted)
    )];
    if !inc.todos.is_empty() {
        human.push(format!("Open TODOs ({}):", inc.todos.len()));
        human.extend(
            inc.todos
                .iter()
                .map(|t| format!("  {}. {}", t.number, t.text)),
        );
    }
    human.push("After the call:".into());
    human.extend(messages::AFTER_CALL.iter().map(|s| format!("  [ ] {s}")));
    let doc = json!({
        "incident": inc,
        "open_todos": inc.todos,
        "checklist": messages::AFTER_CALL,
    });
    crate::render::finish(ctx, &human, doc, &msgs, results)
}
