//! `inc list`: the incidents in the local journal.

use serde_json::json;

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::messages;

/// List the incidents in the local journal, newest first
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only incidents that are not resolved
    #[arg(long)]
    pub open: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CliResult {
    let journal = ctx.journal()?;
    let current = journal.current();
    let mut incidents = Vec::new();
    for id in journal.list()?.into_iter().rev() {
        match ctx.load(&id) {
            Ok(inc) if !args.open || inc.is_open() => incidents.push(inc),
            Ok(_) => {}
            Err(e) => ctx.io.warn(&format!("{id}: {}", e.message)),
        }
    }
    if ctx.io.json {
        let items: Vec<_> = incidents
            .iter()
            .map(|i| {
                json!({
                    "id": i.id, "title": i.title, "severity": i.severity, "state": i.state(),
                    "declared_at": i.declared_at, "resolved_at": i.resolved_at,
                    "current": current.as_deref() == Some(i.id.as_str()),
                })
            })
            .collect();
        ctx.io.json_doc(&json!({ "incidents": items }));
        return Ok(());
    }
    if incidents.is_empty() {
        ctx.io
            .status("no incidents in the journal (`inc declare TITLE` starts one)");
        return Ok(());
    }
    let rows = incidents
        .iter()
        .map(|i| {
            let mark = if current.as_deref() == Some(i.id.as_str()) {
                "*"
            } else {
                ""
            };
            vec![
                format!("{mark}{}", i.id),
                i.severity.to_string(),
                i.state().into(),
                messages::time(i.declared_at),
                i.title.clone(),
            ]
        })
        .collect();
    ctx.io.out(
        &ctx.io
            .table(&["ID", "SEV", "STATE", "DECLARED", "TITLE"], rows),
    );
    Ok(())
}
