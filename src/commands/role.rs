//! `inc role` and `inc handover`.

use serde_json::json;

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::messages;
use crate::model::{EventKind, Role};

/// Assign a role: ic, deputy, scribe, cl (customer liaison), il (internal liaison), sme
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  inc role scribe ann@example.com\n  inc role sme db-oncall@example.com"
)]
pub struct Args {
    #[arg(value_enum)]
    pub role: Role,
    /// Who (an email, a handle, or `me`)
    pub user: String,
}

/// Hand command to a new Incident Commander (the IC holds no other role)
#[derive(clap::Args, Debug)]
pub struct HandoverArgs {
    /// The new IC (an email, a handle, or `me`)
    pub user: String,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    if args.role == Role::Ic {
        return handover(ctx, HandoverArgs { user: args.user }).await;
    }
    let inc = ctx.current_incident()?;
    let person = super::person(ctx, &args.user, "USER")?;
    if inc.holder(Role::Ic) == Some(person.as_str()) {
        return Err(CliError::usage(format!(
            "{person} is the IC, and the IC holds no other role"
        ))
        .hint("hand command over first: `inc handover USER`"));
    }
    if inc
        .roles
        .get(&args.role)
        .is_some_and(|v| v.contains(&person))
    {
        ctx.io
            .status(&format!("{person} is already {}", args.role.label()));
        return crate::render::finish(ctx, &[], json!({ "incident": inc }), &[], Vec::new());
    }
    ctx.record(
        &inc.id,
        EventKind::Role {
            role: args.role,
            person: person.clone(),
        },
    )?;
    let inc = ctx.load(&inc.id).unwrap_or(inc);
    let msgs = vec![messages::role(args.role, &person)];
    let mut deliveries = crate::flows::mirrors(ctx, &inc, &msgs, true);
    deliveries.extend(crate::flows::room::topic_updates(ctx, &inc));
    let results = ctx.deliver(deliveries).await?;
    crate::render::finish(ctx, &[], json!({ "incident": inc }), &msgs, results)
}

pub async fn handover(ctx: &Ctx, args: HandoverArgs) -> CliResult {
    let inc = ctx.current_incident()?;
    let person = super::person(ctx, &args.user, "USER")?;
    let previous = inc.holder(Role::Ic).map(str::to_string);
    if previous.as_deref() == Some(person.as_str()) {
        ctx.io.status(&format!("{person} is already the IC"));
        return crate::render::finish(ctx, &[], json!({ "incident": inc }), &[], Vec::new());
    }
    let dropped: Vec<&str> = inc.roles_of(&person).into_iter().map(Role::label).collect();
    ctx.record(
        &inc.id,
        EventKind::Role {
            role: Role::Ic,
            person: person.clone(),
        },
    )?;
    let inc = ctx.load(&inc.id).unwrap_or(inc);
    let mut msg = messages::handover(previous.as_deref(), &person);
    if !dropped.is_empty() {
        msg.push_str(&format!(" ({person} is no longer {})", dropped.join(", ")));
    }
    let msgs = vec![msg];
    let mut deliveries = crate::flows::mirrors(ctx, &inc, &msgs, true);
    deliveries.extend(crate::flows::room::topic_updates(ctx, &inc));
    let results = ctx.deliver(deliveries).await?;
    crate::render::finish(
        ctx,
        &[],
        json!({ "incident": inc, "previous_ic": previous }),
        &msgs,
        results,
    )
}
