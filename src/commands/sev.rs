//! `inc sev`: raise the severity, or set the final one.

use serde_json::json;

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::messages;
use crate::model::{EventKind, Severity};

/// Raise the severity (it only goes up during an incident), or set the final one with --final
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  inc sev 1\n  inc sev 3 --final")]
pub struct Args {
    /// 1..5 or SEV-1..SEV-5
    pub severity: Severity,
    /// Set the final severity (may be lower), usually at or after resolve
    #[arg(long = "final")]
    pub is_final: bool,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let inc = ctx.current_incident()?;
    let from = inc.severity;
    if !args.is_final && args.severity > from {
        return Err(CliError::usage(format!(
            "{} is lower than the current {from}: severity only goes up during an incident",
            args.severity
        ))
        .hint(format!(
            "set the final severity with `inc sev {} --final`",
            args.severity.number()
        )));
    }
    if !args.is_final && args.severity == from {
        ctx.io.status(&format!("already {from}"));
        return crate::render::finish(ctx, &[], json!({ "incident": inc }), &[], Vec::new());
    }
    ctx.record(
        &inc.id,
        EventKind::Severity {
            severity: args.severity,
            is_final: args.is_final,
        },
    )?;
    let inc = if ctx.dry_run() {
        inc
    } else {
        ctx.load(&inc.id)?
    };
    let msgs = vec![messages::severity(from, args.severity, args.is_final)];
    let mut deliveries = crate::flows::mirrors(ctx, &inc, &msgs, true);
    deliveries.extend(crate::flows::room::topic_updates(ctx, &inc));
    let results = ctx.deliver(deliveries).await?;
    crate::render::finish(
        ctx,
        &[],
        json!({ "incident": inc, "previous": from }),
        &msgs,
        results,
    )
}
