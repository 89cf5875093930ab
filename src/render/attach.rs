//! `inc attach` and `inc sync`: what was joined or pulled, in a few lines.

use serde_json::json;

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::attach::{Attached, Claimed};
use crate::flows::sync::Pulled;
use crate::messages;

pub fn attached(ctx: &Ctx, a: &Attached, claimed: Option<&Claimed>) -> CliResult {
    super::warnings(ctx);
    for t in &a.tried {
        ctx.io.warn(t);
    }
    let inc = &a.incident;
    let results = claimed.map(|c| c.deliveries.clone()).unwrap_or_default();
    let msgs = claimed.map(|c| c.messages.clone()).unwrap_or_default();
    let mut human = vec![format!(
        "{} Attached to {} · {} · {} · {}",
        ctx.io.tick(true),
        inc.id,
        inc.severity,
        inc.state(),
        inc.public_name()
    )];
    let ic = inc.holder(crate::model::Role::Ic).unwrap_or("—");
    human.push(format!(
        "  IC {ic} · declared {} · {} events from {}",
        messages::time(inc.declared_at),
        a.events,
        if a.read_from.is_empty() {
            "nowhere".to_string()
        } else {
            a.read_from.join(", ")
        }
    ));
    match claimed {
        Some(c) if c.already => human.push(format!(
            "  you are already {} (as {})",
            c.role.label(),
            c.person
        )),
        Some(c) => human.push(format!(
            "  you are now {} (as {})",
            c.role.label(),
            c.person
        )),
        None => {}
    }
    if a.unmarked {
        ctx.io.warn(&format!(
            "no inc record found there: attached with what could be read (title \"{}\"); \
             notes you add will be published for the next responder",
            inc.title
        ));
    }
    if ctx.io.quiet && !ctx.io.json {
        ctx.io.out(&inc.id);
    }
    let doc = json!({
        "incident": inc,
        "read_from": a.read_from,
        "events": a.events,
        "unmarked": a.unmarked,
        "role": claimed.map(|c| c.role),
    });
    super::finish(ctx, &human, doc, &msgs, results)
}

/// `inc sync`: what changed, one line per new event.
pub fn pulled(ctx: &Ctx, p: &Pulled) -> CliResult {
    super::warnings(ctx);
    if ctx.io.json {
        ctx.io.json_doc(&json!({
            "incident": p.incident,
            "sources": p.sources,
            "new": p.new,
        }));
        return Ok(());
    }
    if ctx.io.quiet {
        return Ok(());
    }
    for e in &p.new {
        ctx.io.out(&messages::change_line(e));
    }
    let read: Vec<String> = p
        .sources
        .iter()
        .map(|s| {
            format!(
                "{} {}{}",
                ctx.io.tick(s.ok),
                s.provider,
                if s.ok {
                    format!(" +{}", s.new)
                } else {
                    String::new()
                }
            )
        })
        .collect();
    if read.is_empty() {
        ctx.io
            .status("this incident is carried by no configured provider: nothing to pull");
    } else {
        ctx.io.status(&format!(
            "{} new event{} · {}",
            p.new.len(),
            if p.new.len() == 1 { "" } else { "s" },
            read.join(" · ")
        ));
    }
    Ok(())
}
