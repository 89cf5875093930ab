//! `inc show` and `inc timeline`.

use serde_json::json;

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::messages;
use crate::model::Incident;

/// Show one incident [default: the current one]
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Incident id
    pub id: Option<String>,
}

/// Show an incident's timeline in UTC [default: the current incident]
#[derive(clap::Args, Debug)]
pub struct TimelineArgs {
    /// Incident id
    pub id: Option<String>,
}

fn load(ctx: &Ctx, id: Option<String>) -> CliResult<Incident> {
    match id {
        Some(id) => ctx.load(&id),
        None => ctx.current_incident(),
    }
}

pub fn run(ctx: &Ctx, args: Args) -> CliResult {
    let inc = load(ctx, args.id)?;
    if ctx.io.json {
        ctx.io
            .json_doc(&json!({ "incident": inc, "todos": inc.todos }));
        return Ok(());
    }
    let mut rows = vec![
        ("incident", inc.id.clone()),
        ("title", inc.title.clone()),
        (
            "severity",
            format!("{} (worst {})", inc.severity, inc.worst_severity),
        ),
        ("state", inc.state().into()),
        ("declared", messages::time(inc.declared_at)),
    ];
    if let Some(r) = inc.resolved_at {
        rows.push(("resolved", messages::time(r)));
    }
    if let Some(c) = &inc.codename {
        rows.push(("codename", c.clone()));
    }
    for (role, who) in &inc.roles {
        if !who.is_empty() {
            rows.push((role.label(), who.join(", ")));
        }
    }
    rows.push(("notes", inc.notes.to_string()));
    if let Some(pm) = &inc.postmortem {
        rows.push(("post-mortem", pm.path_or_url.clone()));
    }
    if let Some(p) = &inc.public {
        rows.push(("public", crate::messages::public_summary(p)));
    }
    for r in &inc.refs {
        rows.push((
            "link",
            format!(
                "{} {} {}",
                r.provider,
                r.action,
                r.url.as_deref().or(r.id.as_deref()).unwrap_or("")
            ),
        ));
    }
    ctx.io.out(&ctx.io.fields(&rows));
    for t in &inc.todos {
        ctx.io.out(&format!("  TODO {}: {}", t.number, t.text));
    }
    Ok(())
}

pub fn timeline(ctx: &Ctx, args: TimelineArgs) -> CliResult {
    let inc = load(ctx, args.id)?;
    if ctx.io.json {
        ctx.io
            .json_doc(&json!({ "incident": inc.id, "timeline": inc.events }));
        return Ok(());
    }
    let rows = inc
        .events
        .iter()
        .map(|e| {
            let (kind, text) = messages::describe(e);
            vec![
                e.at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
                kind.to_string(),
                e.by.clone().unwrap_or_default(),
                text,
            ]
        })
        .collect();
    ctx.io
        .out(&ctx.io.table(&["TIME (UTC)", "EVENT", "BY", "WHAT"], rows));
    Ok(())
}
