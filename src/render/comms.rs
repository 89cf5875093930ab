//! `inc comms`: the message asked for, the preview the IC approves, the approval itself, and
//! what a post did; and the public resolution `inc resolve` asks for.

use crate::config::format_duration;
use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::{CliError, CliResult};
use crate::flows::comms::{self, Done, Draft, Posted, Resolution};
use crate::flows::social::SocialPost;
use crate::io::{Io, Style};
use crate::messages;
use crate::model::Incident;

use super::Outcome;

/// A message given on the command line (or `-` for stdin): not empty, within Statuspage's limit.
fn message_arg(ctx: &Ctx, given: &str, flag: &str) -> CliResult<String> {
    let text = if given == "-" {
        ctx.io.read_stdin()?
    } else {
        given.to_string()
    };
    comms::check_message(&text, flag)
}

/// The words of a post: MESSAGE as given, else the drafted template, which a terminal may edit
/// (not with --yes or --dry-run).
pub fn ask_message(ctx: &Ctx, given: Option<&str>, d: &mut Draft) -> CliResult<()> {
    if let Some(m) = given {
        d.message = message_arg(ctx, m, "MESSAGE")?;
    } else if !d.remove
        && let Some(p) = ctx.prompter().filter(|_| !ctx.global.yes && !ctx.dry_run())
    {
        let edited = p.input("Public message (Enter keeps it)", Some(&d.message))?;
        d.message = message_arg(ctx, &edited, "the message")?;
    }
    Ok(())
}

/// The preview of a public post: what happens where, then its fields.
pub fn preview(io: &Io, d: &Draft) -> Vec<String> {
    let mut lines = vec![io.paint(&d.what, Style::Bold)];
    let mut rows = vec![("incident", d.title.clone())];
    if let Some(s) = d.status {
        rows.push(("status", s.to_string()));
    }
    if let Some(i) = &d.impact {
        rows.push(("impact", i.clone()));
    }
    if !d.changes.is_empty() {
        rows.push((
            "components",
            d.changes
                .iter()
                .map(|c| format!("{} → {}", c.name, c.status))
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    if !d.message.is_empty() {
        rows.push(("message", d.message.clone()));
    }
    for l in io.fields(&rows).lines() {
        lines.push(format!("  {l}"));
    }
    for p in &d.social {
        let label = p.network.label();
        match &p.already {
            Some(id) => lines.push(format!("  {label}: already posted ({id}), not sent again")),
            None => {
                lines.push(format!("  {label} ({}):", counted(p)));
                lines.extend(p.text.lines().map(|l| format!("    {l}")));
            }
        }
    }
    for d in &d.social_deletes {
        lines.push(format!("  {}: delete post {}", d.network.label(), d.id));
    }
    lines
}

/// `278/280 characters, shortened`.
fn counted(p: &SocialPost) -> String {
    format!(
        "{}/{} {}{}",
        p.length,
        p.limit,
        p.network.unit(),
        if p.shortened { ", shortened" } else { "" }
    )
}

/// One line per social post or deletion that was sent (not under --dry-run).
fn social_lines(io: &Io, posted: &Posted) -> Vec<String> {
    let mut lines = Vec::new();
    for p in &posted.social {
        let Some(ok) = p.ok else { continue };
        let label = p.network.label();
        let at = p
            .url
            .as_deref()
            .or(p.id.as_deref())
            .map(|u| format!(": {u}"))
            .unwrap_or_default();
        lines.push(match (ok, &p.already) {
            (true, Some(_)) => format!("{} {label}: already posted{at}", io.tick(true)),
            (true, None) => format!("{} {label}: posted ({}){at}", io.tick(true), counted(p)),
            (false, _) => format!("{} {label}: not posted", io.tick(false)),
        });
    }
    for d in &posted.social_deleted {
        let Some(ok) = d.ok else { continue };
        let what = if ok { "deleted" } else { "not deleted" };
        lines.push(format!(
            "{} {}: post {} {what}",
            io.tick(ok),
            d.network.label(),
            d.id
        ));
    }
    lines
}

/// The IC's approval of a public post, after its preview: skipped with --yes (and under
/// --dry-run, which sends nothing); a confirmation on a terminal; exit 2 in a script.
pub fn approve(ctx: &Ctx, d: &Draft) -> CliResult<()> {
    let preview = preview(&ctx.io, d);
    let question = if d.remove {
        "Remove it? (the IC approves every public post)"
    } else {
        "Post this publicly? (the IC approves every public post)"
    };
    if ctx.dry_run() || ctx.global.yes {
        for l in &preview {
            ctx.io.status(l);
        }
        return Ok(());
    }
    match ctx.prompter() {
        Some(p) => {
            for l in &preview {
                ctx.io.say(l);
            }
            if p.confirm(question, false)? {
                Ok(())
            } else {
                Err(CliError::cancelled().hint("nothing was posted"))
            }
        }
        None => {
            for l in &preview {
                ctx.io.status(l);
            }
            Err(CliError::usage(
                "a public post needs the IC's approval: review the message and add --yes",
            )
            .hint("`inc comms STAGE --dry-run` shows what would be posted"))
        }
    }
}

/// `inc resolve` and the open public incident: the resolution message from `--public-message`,
/// else asked on a terminal (the resolved template as the default), else the template with
/// --yes; in a script without either, exit 2 before anything is written.
pub fn ask_resolution(
    ctx: &Ctx,
    inc: &Incident,
    given: Option<&str>,
) -> CliResult<Option<Resolution>> {
    let open = comms::prepare_resolution(ctx, inc, given.is_some());
    super::warnings(ctx);
    let Some(open) = open? else {
        return Ok(None);
    };
    let shown = &open.shown;
    let message = match given {
        Some(m) => message_arg(ctx, m, "--public-message")?,
        None => match ctx.prompter().filter(|_| !ctx.global.yes && !ctx.dry_run()) {
            Some(p) => {
                ctx.io
                    .say(&format!("The public incident {shown} is still open."));
                let m = p.input("Public resolution message", Some(&open.drafted))?;
                let m = message_arg(ctx, &m, "the public resolution message")?;
                if !p.confirm("Post it and resolve the public incident?", true)? {
                    ctx.io.warn(&format!(
                        "the public incident {shown} stays open: `inc comms resolved` when ready"
                    ));
                    return Ok(None);
                }
                m
            }
            None if ctx.global.yes || ctx.dry_run() => open.drafted.clone(),
            None => {
                return Err(CliError::usage(format!(
                    "the public incident {shown} is still open: pass --public-message MSG (or --yes for the built-in resolution message)"
                )));
            }
        },
    };
    Ok(Some(open.resolve(message)))
}

impl Outcome for Posted {
    fn human(&self, io: &Io) -> Vec<String> {
        let Some(done) = self.done else {
            return social_lines(io, self);
        };
        let stage = self.stage;
        let note = self
            .note
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let done = match done {
            Done::Removed => "Public post removed".to_string(),
            Done::ByHand => format!("Public update ({stage}) approved: post it by hand"),
            Done::Opened => format!("Public incident opened ({stage})"),
            Done::Closed => "Public post closed (false alarm)".to_string(),
            Done::Resolved => "Public incident resolved".to_string(),
            Done::Updated => format!("Public update posted ({stage})"),
        };
        let mut human = vec![format!(
            "{} {done}{note}{}",
            io.tick(true),
            self.public
                .url
                .as_deref()
                .map(|u| format!(": {u}"))
                .unwrap_or_default()
        )];
        if let Some(at) = self.next_update_due {
            human.push(format!(
                "Next public update due by {} (every {})",
                messages::time(at),
                format_duration(self.every)
            ));
        }
        human.extend(social_lines(io, self));
        human
    }

    fn sent(&self) -> Option<(&[String], &[DeliveryResult])> {
        Some((&self.messages, &self.results))
    }
}
