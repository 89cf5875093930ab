//! `inc comms STAGE [MESSAGE]`: the Customer Liaison's public updates on the status page, each
//! previewed and approved by the IC, never for a security incident unless forced.

use std::collections::BTreeMap;

use serde_json::json;

use crate::config::{StatuspageConfig, format_duration};
use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::{CliError, CliResult};
use crate::flows::comms::{self, Fill, Stage};
use crate::messages;
use crate::model::{EventKind, Incident};
use crate::providers::Delivery;
use crate::providers::statuspage::{self, COMPONENT_STATUSES, IMPACTS, Post};

/// Statuspage's limit on one update's text.
const MESSAGE_MAX: usize = 25_000;

/// Post a public update on the status page; the message is previewed for the IC's approval
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Stages follow the public-communication guidelines: `investigating` within 5 \
minutes of the call starting, `identified` once the scope is known (impact, components, regions), \
updates at least every 20 minutes ([cadence] public_update; `inc status` says when the next is due), \
`monitoring` once a fix is out, `resolved` once the IC confirms full recovery. `retract` removes a \
false alarm's post (with a MESSAGE or --close it closes the post with that message instead).

Without MESSAGE the stage's template is used (edit it at the prompt on a terminal). Templates can \
be overridden in [statuspage.templates] (names: investigating, identified, monitoring, resolved, \
retract, long) and may use {title}, {components} and {next_update}.

Every post is previewed and needs a confirmation on a terminal (the IC's approval), or --yes in \
scripts. Security incidents post nothing until the facts are verified: --force.

Examples:
  inc comms investigating --component api=major_outage --impact major
  inc comms identified \"Card payments fail for EU customers; a fix is being deployed.\"
  inc comms monitoring --component api=degraded
  inc comms identified --long
  inc comms resolved --yes
  inc comms retract"
)]
pub struct Args {
    /// The stage of the public incident
    #[arg(value_enum)]
    pub stage: Stage,
    /// The public message [default: the stage's template]; `-` reads stdin
    pub message: Option<String>,
    /// A component's status, NAME=STATUS (NAME from [statuspage] components; STATUS operational,
    /// degraded_performance, partial_outage, major_outage, under_maintenance); repeatable
    #[arg(long = "component", value_name = "NAME=STATUS")]
    pub components: Vec<String>,
    /// The impact shown on the page [default: Statuspage computes it from the components]
    #[arg(long, value_name = "IMPACT", value_parser = IMPACTS)]
    pub impact: Option<String>,
    /// The public incident's name [default: the incident's title]
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Use the long-incident template (an incident running over 2 hours)
    #[arg(long, conflicts_with = "message")]
    pub long: bool,
    /// retract: close the post with the retract template instead of removing it
    #[arg(long)]
    pub close: bool,
    /// Post for a security incident (only once the facts are verified)
    #[arg(long)]
    pub force: bool,
}

/// One component change: the configured name, its Statuspage id (when configured) and status.
#[derive(Debug)]
struct Change {
    name: String,
    id: Option<String>,
    status: String,
}

/// `degraded` → `degraded_performance` and the like; the canonical names pass through.
fn component_status(s: &str) -> Option<&'static str> {
    let s = s.trim().to_ascii_lowercase().replace('-', "_");
    let canonical = match s.as_str() {
        "ok" | "up" | "operational" => "operational",
        "degraded" | "degraded_performance" => "degraded_performance",
        "partial" | "partial_outage" => "partial_outage",
        "major" | "outage" | "down" | "major_outage" => "major_outage",
        "maintenance" | "under_maintenance" => "under_maintenance",
        _ => return None,
    };
    COMPONENT_STATUSES
        .iter()
        .find(|c| **c == canonical)
        .copied()
}

fn parse_changes(given: &[String], sp: Option<&StatuspageConfig>) -> CliResult<Vec<Change>> {
    let mut out: Vec<Change> = Vec::new();
    for g in given {
        let Some((name, status)) = g.split_once('=') else {
            return Err(CliError::usage(format!(
                "--component {g}: use NAME=STATUS, e.g. --component api=major_outage"
            )));
        };
        let name = name.trim();
        let status = component_status(status).ok_or_else(|| {
            CliError::usage(format!(
                "--component {g}: unknown status '{}'; use {}",
                status.trim(),
                COMPONENT_STATUSES.join(", ")
            ))
        })?;
        let id = match sp {
            None => None,
            Some(sp) => {
                let found = sp
                    .components
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name));
                match found {
                    Some((_, id)) => Some(id.clone()),
                    None if sp.components.is_empty() => {
                        return Err(CliError::usage(format!(
                            "--component {g}: no components are configured; add them to [statuspage] components, e.g. components = {{ api = \"<component id>\" }}"
                        )));
                    }
                    None => {
                        return Err(CliError::usage(format!(
                            "--component {g}: unknown component '{name}'; configured: {}",
                            sp.components.keys().cloned().collect::<Vec<_>>().join(", ")
                        )));
                    }
                }
            }
        };
        let name = sp
            .and_then(|sp| sp.components.keys().find(|k| k.eq_ignore_ascii_case(name)))
            .cloned()
            .unwrap_or_else(|| name.to_string());
        out.retain(|c| c.name != name);
        out.push(Change {
            name,
            id,
            status: status.to_string(),
        });
    }
    Ok(out)
}

/// Every component the public incident changed that is not operational again: back to operational.
fn restore(inc: &Incident, sp: Option<&StatuspageConfig>) -> Vec<Change> {
    let Some(p) = &inc.public else {
        return Vec::new();
    };
    p.components
        .iter()
        .filter(|(_, s)| s.as_str() != "operational")
        .map(|(name, _)| Change {
            name: name.clone(),
            id: sp.and_then(|sp| sp.components.get(name).cloned()),
            status: "operational".into(),
        })
        .collect()
}

/// A message given on the command line (or `-` for stdin): not empty, within Statuspage's limit.
fn message_arg(ctx: &Ctx, given: &str, flag: &str) -> CliResult<String> {
    let text = if given == "-" {
        ctx.io.read_stdin()?
    } else {
        given.to_string()
    };
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(CliError::usage(format!("{flag} is empty")));
    }
    let n = text.chars().count();
    if n > MESSAGE_MAX {
        return Err(CliError::usage(format!(
            "{flag} is {n} characters; Statuspage takes at most 25,000"
        )));
    }
    Ok(text)
}

/// The template's text (configured, else built in), filled in.
fn template(ctx: &Ctx, name: &str, fill: &Fill<'_>) -> CliResult<String> {
    let config = ctx.config()?;
    let configured = config
        .values
        .statuspage
        .as_ref()
        .and_then(|sp| sp.templates.get(name));
    let text = configured
        .map(String::as_str)
        .unwrap_or_else(|| comms::builtin_template(name));
    Ok(comms::render(text, fill))
}

/// The checked `[statuspage]` table (page id, templates), if there is one.
fn statuspage_config(ctx: &Ctx) -> CliResult<Option<&StatuspageConfig>> {
    let Some(sp) = ctx.config()?.values.statuspage.as_ref() else {
        return Ok(None);
    };
    comms::check_templates(&sp.templates).map_err(CliError::config)?;
    if sp.page_id.as_deref().is_none_or(|p| p.trim().is_empty()) {
        return Err(CliError::config(
            "statuspage.page_id is not set: add the page id from Statuspage's API info page",
        ));
    }
    Ok(Some(sp))
}

/// The IC's approval of a public post: skipped with --yes (and under --dry-run, which sends
/// nothing); a confirmation on a terminal; exit 2 in a script.
fn approve(ctx: &Ctx, preview: &[String], question: &str) -> CliResult<()> {
    if ctx.dry_run() || ctx.global.yes {
        for l in preview {
            ctx.io.status(l);
        }
        return Ok(());
    }
    match ctx.prompter() {
        Some(p) => {
            for l in preview {
                ctx.io.say(l);
            }
            if p.confirm(question, false)? {
                Ok(())
            } else {
                Err(CliError::cancelled().hint("nothing was posted"))
            }
        }
        None => {
            for l in preview {
                ctx.io.status(l);
            }
            Err(CliError::usage(
                "a public post needs the IC's approval: review the message and add --yes",
            )
            .hint("`inc comms STAGE --dry-run` shows what would be posted"))
        }
    }
}

fn preview(
    ctx: &Ctx,
    what: &str,
    title: &str,
    status: Option<&str>,
    impact: Option<&str>,
    changes: &[Change],
    message: &str,
) -> Vec<String> {
    let bold = |s: &str| ctx.io.paint(s, crate::io::Style::Bold);
    let mut lines = vec![bold(what)];
    let mut rows = vec![("incident", title.to_string())];
    if let Some(s) = status {
        rows.push(("status", s.to_string()));
    }
    if let Some(i) = impact {
        rows.push(("impact", i.to_string()));
    }
    if !changes.is_empty() {
        rows.push((
            "components",
            changes
                .iter()
                .map(|c| format!("{} → {}", c.name, c.status))
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    if !message.is_empty() {
        rows.push(("message", message.to_string()));
    }
    for l in ctx.io.fields(&rows).lines() {
        lines.push(format!("  {l}"));
    }
    lines
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let config = ctx.config()?;
    let inc = ctx.current_incident()?;
    if inc.security && !args.force {
        return Err(CliError::usage(format!(
            "{} is a security incident: nothing goes public until the facts are verified",
            inc.id
        ))
        .hint("once they are (and Marketing owns the statement), add --force"));
    }
    if !inc.is_open() && args.stage.is_open() {
        return Err(CliError::usage(format!(
            "{} is resolved: only `resolved` or `retract` can still be posted",
            inc.id
        )));
    }
    let sp = statuspage_config(ctx)?;
    let stage = args.stage;
    // One public incident per incident: once it is closed, a re-run opens no second one.
    if let Some(p) = inc.public.as_ref().filter(|p| !p.is_open()) {
        return Err(CliError::usage(format!(
            "the public incident of {} is already closed ({}): nothing more to post",
            inc.id,
            crate::messages::public_summary(p)
        ))
        .hint("a new problem is a new incident: `inc declare`"));
    }
    let open = comms::open_public_id(&inc);
    let hand_open = inc.public.as_ref().is_some_and(|p| p.is_open());
    let nothing_open = match sp {
        Some(_) => open.is_none(),
        None => !hand_open,
    };
    if stage == Stage::Retract && nothing_open {
        return Err(CliError::usage(format!(
            "{} has no open public post to retract",
            inc.id
        )));
    }
    if args.long && stage == Stage::Retract {
        return Err(CliError::usage("--long does not apply to retract"));
    }
    if args.close && stage != Stage::Retract {
        return Err(CliError::usage("--close applies to retract only"));
    }
    let remove = stage == Stage::Retract && args.message.is_none() && !args.close;
    let mut changes = parse_changes(&args.components, sp)?;
    if matches!(stage, Stage::Resolved | Stage::Retract) {
        for r in restore(&inc, sp) {
            if !changes.iter().any(|c| c.name == r.name) {
                changes.push(r);
            }
        }
    }
    let now = ctx.now();
    let every = config.values.cadence.public_update.0;
    let next_update =
        jiff::Timestamp::from_second(now.as_second() + every.as_secs() as i64).unwrap_or(now);
    let title = match args.title.as_deref().map(str::trim) {
        Some("") => return Err(CliError::usage("--title is empty")),
        Some(t) => t.to_string(),
        // A security statement carries its date in the title.
        None if inc.security => format!("{} ({})", inc.title, now.strftime("%Y-%m-%d")),
        None => inc.title.clone(),
    };
    let named: Vec<String> = if changes.is_empty() {
        inc.public
            .as_ref()
            .map(|p| p.components.keys().cloned().collect())
            .unwrap_or_default()
    } else {
        changes.iter().map(|c| c.name.clone()).collect()
    };
    let fill = Fill {
        title: &title,
        components: &named,
        next_update,
    };
    let message = if remove {
        String::new()
    } else {
        match &args.message {
            Some(m) => message_arg(ctx, m, "MESSAGE")?,
            None => {
                let name = match stage {
                    _ if args.long => "long",
                    s => s.as_str(),
                };
                let drafted = template(ctx, name, &fill)?;
                match ctx.prompter().filter(|_| !ctx.global.yes && !ctx.dry_run()) {
                    Some(p) => {
                        let edited = p.input("Public message (Enter keeps it)", Some(&drafted))?;
                        message_arg(ctx, &edited, "the message")?
                    }
                    None => drafted,
                }
            }
        }
    };
    let status = (!remove).then(|| stage.status());
    let page = sp.and_then(|s| s.page_id.as_deref()).unwrap_or("");
    let what = match (&open, remove, sp.is_some()) {
        (Some((_, url)), true, _) => format!(
            "Remove the public incident {} from the status page (page {page}):",
            url.as_deref().unwrap_or("")
        ),
        (_, true, _) => {
            "Retract the public post (no status page configured: remove it by hand):".into()
        }
        (Some((_, url)), false, true) => format!(
            "Public update on the status page (page {page}), to {}:",
            url.as_deref().unwrap_or("the open public incident")
        ),
        (None, false, true) => format!("New public incident on the status page (page {page}):"),
        (_, false, false) => {
            "Public update (no [statuspage] configured: post it by hand):".to_string()
        }
    };
    let lines = preview(
        ctx,
        &what,
        &title,
        status,
        args.impact.as_deref(),
        &changes,
        &message,
    );
    let question = if remove {
        "Remove it? (the IC approves every public post)"
    } else {
        "Post this publicly? (the IC approves every public post)"
    };
    approve(ctx, &lines, question)?;

    let key = format!("inc-{}-comms-{}", inc.id, inc.events.len());
    let mut deliveries: Vec<Delivery> = Vec::new();
    if let Some(sp) = sp {
        let page = sp.page_id.as_deref().unwrap_or_default();
        let ids: BTreeMap<String, String> = changes
            .iter()
            .filter_map(|c| Some((c.id.clone()?, c.status.clone())))
            .collect();
        if remove {
            let (public_id, _) = open.clone().expect("retract checked an open post");
            deliveries.push(statuspage::delete_incident(
                page,
                &public_id,
                &inc.id,
                key.clone(),
            ));
            // A removed incident leaves its components as they were: set them back.
            for (cid, status) in &ids {
                deliveries.push(statuspage::set_component(
                    page,
                    cid,
                    status,
                    &inc.id,
                    format!("{key}-component-{cid}"),
                ));
            }
        } else {
            let post = Post {
                status: stage.status(),
                message: &message,
                impact: args.impact.as_deref(),
                components: &ids,
            };
            deliveries.push(match &open {
                Some((public_id, _)) => {
                    statuspage::update_incident(page, public_id, &post, &inc.id, key.clone())
                }
                None => statuspage::create_incident(page, &title, &post, &inc.id, key.clone()),
            });
        }
    }
    let mut results = ctx.deliver(deliveries).await?;
    let posted: Option<DeliveryResult> = results.first().cloned();
    let went_public = posted.as_ref().is_none_or(|r| r.ok);
    let (public_id, url) = match (&posted, &open) {
        (Some(r), Some((id, url))) => (Some(id.clone()), r.url.clone().or(url.clone())),
        (Some(r), None) => (r.id.clone(), r.url.clone()),
        (None, _) => (None, None),
    };
    let components: BTreeMap<String, String> = changes
        .iter()
        .map(|c| (c.name.clone(), c.status.clone()))
        .collect();
    let mut msgs = Vec::new();
    super::dry_run_note(ctx, "journal the public post");
    if went_public {
        ctx.record(
            &inc.id,
            EventKind::Comms {
                stage,
                message: message.clone(),
                public_id: public_id.clone(),
                url: url.clone(),
                components: components.clone(),
            },
        )?;
        let link = url.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
        msgs.push(match (remove, sp.is_some()) {
            (true, _) => format!("The public post was removed (false alarm).{link}"),
            (false, true) => format!("Public update ({stage}) posted: {message}{link}"),
            (false, false) => {
                format!("Public update ({stage}), approved for posting by hand: {message}")
            }
        });
        let inc = if ctx.dry_run() {
            inc.clone()
        } else {
            ctx.load(&inc.id)?
        };
        results.extend(
            ctx.deliver(crate::flows::mirrors(ctx, &inc, &msgs, true))
                .await?,
        );
    }
    let mut human = Vec::new();
    if went_public && !ctx.dry_run() {
        let note = posted
            .as_ref()
            .and_then(|r| r.note.as_deref())
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let done = match (remove, open.is_some(), sp.is_some()) {
            (true, _, _) => "Public post removed".to_string(),
            (false, _, false) => format!("Public update ({stage}) approved: post it by hand"),
            (false, false, true) => format!("Public incident opened ({stage})"),
            (false, true, true) if stage == Stage::Retract => {
                "Public post closed (false alarm)".to_string()
            }
            (false, true, true) if stage == Stage::Resolved => {
                "Public incident resolved".to_string()
            }
            (false, true, true) => format!("Public update posted ({stage})"),
        };
        human.push(format!(
            "{} {done}{note}{}",
            ctx.io.tick(true),
            url.as_deref().map(|u| format!(": {u}")).unwrap_or_default()
        ));
        if stage.is_open() {
            human.push(format!(
                "Next public update due by {} (every {})",
                messages::time(next_update),
                format_duration(every)
            ));
        }
    }
    let doc = json!({
        "incident": inc.id,
        "stage": stage,
        "status": status,
        "title": title,
        "message": message,
        "impact": args.impact,
        "components": components,
        "posted": went_public,
        "public": { "id": public_id, "url": url, "new": open.is_none() && !remove },
        "next_update_due": stage.is_open().then_some(next_update),
    });
    crate::render::finish(ctx, &human, doc, &msgs, results)
}

/// What `inc resolve` posts to close the open public incident.
pub(crate) struct Resolution {
    delivery: Delivery,
    message: String,
    public_id: String,
    components: BTreeMap<String, String>,
}

impl Resolution {
    pub(crate) fn delivery(&self) -> Delivery {
        self.delivery.clone()
    }

    /// Journals the public resolution once it went out.
    pub(crate) fn record(&self, ctx: &Ctx, inc_id: &str, results: &[DeliveryResult]) {
        let Some(r) = results
            .iter()
            .find(|r| r.delivery.dedup_key == self.delivery.dedup_key)
        else {
            return;
        };
        if !r.ok {
            return;
        }
        let kind = EventKind::Comms {
            stage: Stage::Resolved,
            message: self.message.clone(),
            public_id: Some(self.public_id.clone()),
            url: r.url.clone(),
            components: self.components.clone(),
        };
        if let Err(e) = ctx.record(inc_id, kind) {
            ctx.io.warn(&format!(
                "could not journal the public resolution: {}",
                e.message
            ));
        }
    }
}

/// `inc resolve` and the open public incident: the resolution message from `--public-message`,
/// else asked on a terminal (the resolved template as the default), else the template with
/// --yes; in a script without either, exit 2 before anything is written.
pub(crate) fn plan_resolution(
    ctx: &Ctx,
    inc: &Incident,
    given: Option<&str>,
) -> CliResult<Option<Resolution>> {
    let sp = statuspage_config(ctx)?;
    let Some(sp) = sp else {
        if inc.public.as_ref().is_some_and(|p| p.is_open()) {
            ctx.io.warn(
                "the public post is still open (posted by hand): resolve it on the status page",
            );
        }
        if given.is_some() {
            return Err(CliError::usage(
                "--public-message needs a [statuspage] table in the config",
            ));
        }
        return Ok(None);
    };
    let Some((public_id, url)) = comms::open_public_id(inc) else {
        if given.is_some() {
            return Err(CliError::usage(format!(
                "--public-message: {} has no open public incident",
                inc.id
            )));
        }
        return Ok(None);
    };
    let changes = restore(inc, Some(sp));
    let named: Vec<String> = inc
        .public
        .as_ref()
        .map(|p| p.components.keys().cloned().collect())
        .unwrap_or_default();
    let fill = Fill {
        title: &inc.title,
        components: &named,
        next_update: ctx.now(),
    };
    let shown = url.as_deref().unwrap_or(&public_id).to_string();
    let message = match given {
        Some(m) => message_arg(ctx, m, "--public-message")?,
        None => {
            let drafted = template(ctx, "resolved", &fill)?;
            match ctx.prompter().filter(|_| !ctx.global.yes && !ctx.dry_run()) {
                Some(p) => {
                    ctx.io
                        .say(&format!("The public incident {shown} is still open."));
                    let m = p.input("Public resolution message", Some(&drafted))?;
                    let m = message_arg(ctx, &m, "the public resolution message")?;
                    if !p.confirm("Post it and resolve the public incident?", true)? {
                        ctx.io.warn(&format!(
                            "the public incident {shown} stays open: `inc comms resolved` when ready"
                        ));
                        return Ok(None);
                    }
                    m
                }
                None if ctx.global.yes || ctx.dry_run() => drafted,
                None => {
                    return Err(CliError::usage(format!(
                        "the public incident {shown} is still open: pass --public-message MSG (or --yes for the built-in resolution message)"
                    )));
                }
            }
        }
    };
    let page = sp.page_id.as_deref().unwrap_or_default();
    let ids: BTreeMap<String, String> = changes
        .iter()
        .filter_map(|c| Some((c.id.clone()?, c.status.clone())))
        .collect();
    let post = Post {
        status: "resolved",
        message: &message,
        impact: None,
        components: &ids,
    };
    let delivery = statuspage::update_incident(
        page,
        &public_id,
        &post,
        &inc.id,
        format!("inc-{}-public-resolve", inc.id),
    );
    Ok(Some(Resolution {
        delivery,
        message,
        public_id,
        components: changes.into_iter().map(|c| (c.name, c.status)).collect(),
    }))
}

/// `inc doctor`'s Statuspage rows: the key, the page (a read-only `GET /pages/{page_id}`), the
/// components and the templates.
pub(crate) async fn doctor_rows(ctx: &Ctx) -> Vec<(&'static str, Option<bool>, String)> {
    let Ok(config) = ctx.config() else {
        return Vec::new();
    };
    let Some(sp) = &config.values.statuspage else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    let source = sp.secret.describe(statuspage::TOKEN_ENV);
    if let Err(e) = statuspage_config(ctx) {
        rows.push(("statuspage", Some(false), e.message));
    } else if let Err(e) = sp.secret.resolve(statuspage::TOKEN_ENV, &ctx.env) {
        rows.push(("statuspage", Some(false), e.to_string()));
    } else {
        let live = match ctx.statuspage() {
            Ok(c) => tokio::time::timeout(config.values.delivery.timeout.0, c.check())
                .await
                .unwrap_or_else(|_| {
                    Err(crate::providers::SendError::Transient {
                        message: "timed out".into(),
                        retry_after: None,
                    })
                })
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.message),
        };
        rows.push(match live {
            Ok(detail) => (
                "statuspage",
                Some(true),
                format!("key from {source}: {detail}"),
            ),
            Err(e) => ("statuspage", Some(false), format!("key from {source}: {e}")),
        });
    }
    rows.push(if sp.components.is_empty() {
        (
            "statuspage components",
            None,
            "none configured: `inc comms --component` needs [statuspage] components".into(),
        )
    } else {
        (
            "statuspage components",
            None,
            sp.components.keys().cloned().collect::<Vec<_>>().join(", "),
        )
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_statuses_take_short_names() {
        assert_eq!(component_status("degraded"), Some("degraded_performance"));
        assert_eq!(component_status("Major-Outage"), Some("major_outage"));
        assert_eq!(component_status("ok"), Some("operational"));
        assert_eq!(component_status("on fire"), None);
    }

    #[test]
    fn component_names_come_from_the_config() {
        let sp = StatuspageConfig {
            components: BTreeMap::from([("API".to_string(), "cmp1".to_string())]),
            ..Default::default()
        };
        let c = parse_changes(&["api=partial".to_string()], Some(&sp)).unwrap();
        assert_eq!(
            (c[0].name.as_str(), c[0].id.as_deref()),
            ("API", Some("cmp1"))
        );
        let e = parse_changes(&["web=ok".to_string()], Some(&sp)).unwrap_err();
        assert!(e.message.contains("--component web=ok") && e.message.contains("API"));
        let e = parse_changes(&["api".to_string()], Some(&sp)).unwrap_err();
        assert!(e.message.contains("NAME=STATUS"));
    }
}
