//! Customer communication on the status page: the stages of PagerDuty's external
//! communication guidelines, the built-in message templates, the public incident as the
//! journal knows it, the posts of `inc comms` (prepared for the IC's approval, then posted),
//! the public resolution of `inc resolve`, and the public-update cadence that `inc status` shows.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};

use crate::config::{Cadence, StatuspageConfig, format_duration};
use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::{CliError, CliResult};
use crate::messages;
use crate::model::{EventKind, Incident};
pub use crate::model::{PublicIncident, Stage};
use crate::providers::Delivery;
use crate::providers::social::Link;
use crate::providers::statuspage::{self, COMPONENT_STATUSES, Post};

use super::social::{self, SocialDelete, SocialPost};

/// The open public incident's Statuspage id: from the `comms` events, else from a create that
/// was delivered later (`inc outbox retry`).
pub fn open_public_id(inc: &Incident) -> Option<(String, Option<String>)> {
    match &inc.public {
        Some(p) if p.is_open() => p.id.clone().map(|id| (id, p.url.clone())),
        Some(_) => None,
        None => inc
            .find_ref(statuspage::PROVIDER, "create_incident")
            .and_then(|r| Some((r.id.clone()?, r.url.clone()))),
    }
}

// ---- Templates ----

/// Template names: the stages, plus `long` (an incident running over 2 hours).
pub const TEMPLATE_NAMES: [&str; 6] = [
    "investigating",
    "identified",
    "monitoring",
    "resolved",
    "retract",
    "long",
];

/// Placeholders a template may use.
pub const PLACEHOLDERS: [&str; 3] = ["title", "components", "next_update"];

/// The built-in message of a template (inc's own words; override in `[statuspage.templates]`).
pub fn builtin_template(name: &str) -> &'static str {
    match name {
        "investigating" => {
            "We are investigating reports of problems with {components}. Some customers may see errors or slow responses. We will post an update by {next_update}."
        }
        "identified" => {
            "We have found the cause of the problems with {components} and are working on a fix. We will post an update by {next_update}."
        }
        "monitoring" => {
            "A fix for the problems with {components} is in place and we are watching to make sure it holds. We will post an update by {next_update}."
        }
        "resolved" => {
            "The problems with {components} are resolved and everything works normally again. We found no data loss. We are sorry for the disruption."
        }
        "retract" => {
            "This was a false alarm: we found no impact on customers. We are sorry for any confusion."
        }
        "long" => {
            "Recovery of {components} is taking longer than we hoped. Our engineers are still working on it, and we will post the next update by {next_update}."
        }
        _ => "",
    }
}

/// Checks `[statuspage.templates]`: known names, known placeholders. `Err` names the key.
pub fn check_templates(templates: &BTreeMap<String, String>) -> Result<(), String> {
    for (name, text) in templates {
        if !TEMPLATE_NAMES.contains(&name.as_str()) {
            return Err(format!(
                "statuspage.templates.{name}: unknown template; use one of {}",
                TEMPLATE_NAMES.join(", ")
            ));
        }
        if text.trim().is_empty() {
            return Err(format!("statuspage.templates.{name} is empty"));
        }
        for p in placeholders(text) {
            if !PLACEHOLDERS.contains(&p) {
                return Err(format!(
                    "statuspage.templates.{name}: unknown placeholder {{{p}}}; use {}",
                    PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                ));
            }
        }
    }
    Ok(())
}

/// `{word}` placeholders in a template.
fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close)
                if after[..close]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && close > 0 =>
            {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

/// What a template is filled in with.
pub struct Fill<'a> {
    pub title: &'a str,
    /// Names of the affected components.
    pub components: &'a [String],
    pub next_update: Timestamp,
}

pub fn render(template: &str, fill: &Fill<'_>) -> String {
    let components = match fill.components {
        [] => "some of our services".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    template
        .replace("{title}", fill.title)
        .replace("{components}", &components)
        .replace(
            "{next_update}",
            &fill.next_update.strftime("%H:%M UTC").to_string(),
        )
}

// ---- Posting ----

/// Statuspage's limit on one update's text.
const MESSAGE_MAX: usize = 25_000;

/// One component change: the configured name, its Statuspage id (when configured) and status.
#[derive(Debug)]
pub struct Change {
    pub name: String,
    pub id: Option<String>,
    pub status: String,
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

/// A public message as given (`flag` names it in errors): trimmed, not empty, within
/// Statuspage's limit.
pub fn check_message(text: &str, flag: &str) -> CliResult<String> {
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
        .unwrap_or_else(|| builtin_template(name));
    Ok(render(text, fill))
}

/// The checked `[statuspage]` table (page id, templates), if there is one.
/// `inc resolve --public-message`, checked before the sync: a status page to post it on, and
/// words Statuspage takes (whether a public incident is open is known after the sync).
pub fn check_resolution_message(ctx: &Ctx, text: &str) -> CliResult<String> {
    if statuspage_config(ctx)?.is_none() {
        return Err(CliError::usage(
            "--public-message needs a [statuspage] table in the config",
        ));
    }
    check_message(text, "--public-message")
}

fn statuspage_config(ctx: &Ctx) -> CliResult<Option<&StatuspageConfig>> {
    let Some(sp) = ctx.config()?.values.statuspage.as_ref() else {
        return Ok(None);
    };
    check_templates(&sp.templates).map_err(CliError::config)?;
    if sp.page_id.as_deref().is_none_or(|p| p.trim().is_empty()) {
        return Err(CliError::config(
            "statuspage.page_id is not set: add the page id from Statuspage's API info page",
        ));
    }
    Ok(Some(sp))
}

/// What `inc comms` is asked to post.
pub struct Request {
    pub stage: Stage,
    /// MESSAGE as given (`-` is stdin, read by the command); `None` drafts the stage's template.
    pub message: Option<String>,
    /// `NAME=STATUS` pairs.
    pub components: Vec<String>,
    pub impact: Option<String>,
    pub title: Option<String>,
    pub long: bool,
    pub close: bool,
    pub force: bool,
}

/// A public post as the IC previews it (from [`prepare`]), before [`post`] sends it.
pub struct Draft {
    inc: Incident,
    stage: Stage,
    /// A retract that removes the post (nothing is said).
    pub remove: bool,
    /// What happens where, e.g. `New public incident on the status page (page p1):`.
    pub what: String,
    pub title: String,
    pub status: Option<&'static str>,
    pub impact: Option<String>,
    pub changes: Vec<Change>,
    /// The words to post: the stage's template filled in, until the command sets the message
    /// given or edited (empty for a removal or when MESSAGE was given).
    pub message: String,
    /// The page id, when `[statuspage]` is configured.
    page: Option<String>,
    /// The open public incident: its Statuspage id and URL.
    open: Option<(String, Option<String>)>,
    next_update: Timestamp,
    every: Duration,
    /// The same update on each configured social network (set by [`settle`]).
    pub social: Vec<SocialPost>,
    /// What a retract deletes on the social networks.
    pub social_deletes: Vec<SocialDelete>,
}

/// The status page link the social posts carry: the open public incident's, one the status
/// page is about to open, or none (no status page, or no link from it).
fn link<'a>(page: &Option<String>, open: &'a Option<(String, Option<String>)>) -> Link<'a> {
    match (page, open) {
        (None, _) => Link::None,
        (Some(_), None) => Link::Pending,
        (Some(_), Some((_, Some(url)))) => Link::Url(url),
        (Some(_), Some((_, None))) => Link::None,
    }
}

/// Fits the settled message to every configured social network, before the IC's approval:
/// exit 2 when it cannot fit one even shortened, 78 when a network's secret is missing;
/// nothing is sent either way.
pub fn settle(ctx: &Ctx, d: &mut Draft) -> CliResult<()> {
    if d.stage == Stage::Retract || d.message.is_empty() {
        return Ok(());
    }
    d.social = social::plan(ctx, &d.inc, d.stage, &d.message, link(&d.page, &d.open))?;
    Ok(())
}

/// Checks a post against the incident and the config and drafts it; sends nothing.
pub fn prepare(ctx: &Ctx, req: &Request) -> CliResult<Draft> {
    let config = ctx.config()?;
    let inc = ctx.current_incident()?;
    if inc.drill && !ctx.dry_run() {
        // A drill never touches the status page or the social accounts (SPEC "Drills"): the
        // post is shown as `--dry-run` shows it, and nothing is sent or written.
        ctx.dry_run_from_here();
        ctx.warn(format!(
            "{} is a drill: the status page and the social accounts are never touched; nothing was posted or written",
            inc.id
        ));
    }
    if inc.security && !req.force {
        return Err(CliError::usage(format!(
            "{} is a security incident: nothing goes public until the facts are verified",
            inc.id
        ))
        .hint("once they are (and Marketing owns the statement), add --force"));
    }
    if !inc.is_open() && req.stage.is_open() {
        return Err(CliError::usage(format!(
            "{} is resolved: only `resolved` or `retract` can still be posted",
            inc.id
        )));
    }
    let sp = statuspage_config(ctx)?;
    let stage = req.stage;
    // One public incident per incident: once it is closed, a re-run opens no second one.
    if let Some(p) = inc.public.as_ref().filter(|p| !p.is_open()) {
        return Err(CliError::usage(format!(
            "the public incident of {} is already closed ({}): nothing more to post",
            inc.id,
            messages::public_summary(p)
        ))
        .hint("a new problem is a new incident: `inc declare`"));
    }
    let open = open_public_id(&inc);
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
    if req.long && stage == Stage::Retract {
        return Err(CliError::usage("--long does not apply to retract"));
    }
    if req.close && stage != Stage::Retract {
        return Err(CliError::usage("--close applies to retract only"));
    }
    let remove = stage == Stage::Retract && req.message.is_none() && !req.close;
    let mut changes = parse_changes(&req.components, sp)?;
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
        Timestamp::from_second(now.as_second() + every.as_secs() as i64).unwrap_or(now);
    let title = match req.title.as_deref().map(str::trim) {
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
    let message = if remove || req.message.is_some() {
        String::new()
    } else {
        let name = match stage {
            _ if req.long => "long",
            s => s.as_str(),
        };
        template(ctx, name, &fill)?
    };
    let social_deletes = if stage == Stage::Retract {
        social::plan_deletes(ctx, &inc)?
    } else {
        Vec::new()
    };
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
    Ok(Draft {
        stage,
        remove,
        what,
        title,
        status: (!remove).then(|| stage.status()),
        impact: req.impact.clone(),
        changes,
        message,
        page: sp.map(|_| page.to_string()),
        open,
        next_update,
        every,
        social: Vec::new(),
        social_deletes,
        inc,
    })
}

/// What a post did, as the IC sees it once it went public.
#[derive(Clone, Copy, Debug)]
pub enum Done {
    Removed,
    ByHand,
    Opened,
    Closed,
    Resolved,
    Updated,
}

/// The public incident in a post's outcome.
#[derive(Serialize)]
pub struct PublicRef {
    pub id: Option<String>,
    pub url: Option<String>,
    /// Did this post open it?
    pub new: bool,
}

/// The outcome of `inc comms`: its `--json` document, plus what the renderer shows.
#[derive(Serialize)]
pub struct Posted {
    pub incident: String,
    pub stage: Stage,
    pub status: Option<&'static str>,
    pub title: String,
    pub message: String,
    pub impact: Option<String>,
    pub components: BTreeMap<String, String>,
    pub posted: bool,
    pub public: PublicRef,
    pub next_update_due: Option<Timestamp>,
    /// The update on each social network, and what a retract deleted there.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub social: Vec<SocialPost>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub social_deleted: Vec<SocialDelete>,
    /// Set once the post went public (and this was no dry run).
    #[serde(skip)]
    pub done: Option<Done>,
    /// The status page's note on the post (e.g. the incident it matched).
    #[serde(skip)]
    pub note: Option<String>,
    /// The public-update cadence.
    #[serde(skip)]
    pub every: Duration,
    #[serde(skip)]
    pub messages: Vec<String>,
    #[serde(skip)]
    pub results: Vec<DeliveryResult>,
}

/// Sends an approved draft to the status page, journals it once it went public, and mirrors
/// the news to the incident room.
pub async fn post(ctx: &Ctx, d: Draft) -> CliResult<Posted> {
    let Draft {
        inc,
        stage,
        remove,
        title,
        status,
        impact,
        changes,
        message,
        page,
        open,
        next_update,
        every,
        social: mut social_posts,
        social_deletes: mut social_deleted,
        ..
    } = d;
    let key = format!("inc-{}-comms-{}", inc.id, inc.events.len());
    let mut deliveries: Vec<Delivery> = Vec::new();
    if let Some(page) = &page {
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
                impact: impact.as_deref(),
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
    // The social posts go with the status page's, unless they wait for the link of the public
    // incident the status page is opening now.
    let on_page = deliveries.len();
    let waits = matches!(link(&page, &open), Link::Pending);
    if remove || stage == Stage::Retract {
        deliveries.extend(social::delete_deliveries(ctx, &inc, &social_deleted)?);
    } else if !waits {
        let now = link(&page, &open);
        deliveries.extend(social::post_deliveries(ctx, &inc, &mut social_posts, now)?);
    }
    let mut results = ctx.deliver(deliveries).await?;
    let posted: Option<DeliveryResult> = (on_page > 0).then(|| results[0].clone());
    if waits && !social_posts.is_empty() {
        let opened = posted.as_ref().filter(|r| r.ok).and_then(|r| r.url.clone());
        let shown = match &opened {
            Some(u) => Link::Url(u),
            None if ctx.dry_run() => Link::Pending,
            None => {
                ctx.warn(
                    "the status page gave no link for the public incident: the social posts go without it",
                );
                Link::None
            }
        };
        let more = social::post_deliveries(ctx, &inc, &mut social_posts, shown)?;
        results.extend(ctx.deliver(more).await?);
    }
    social::record_posts(&mut social_posts, &results);
    social::record_deletes(&mut social_deleted, &results);
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
    if went_public {
        let event = ctx.record(
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
        msgs.push(match (remove, page.is_some()) {
            (true, _) => format!("The public post was removed (false alarm).{link}"),
            (false, true) => format!("Public update ({stage}) posted: {message}{link}"),
            (false, false) => {
                format!("Public update ({stage}), approved for posting by hand: {message}")
            }
        });
        let posted_on = networks_where(social_posts.iter().map(|p| (p.network, p.ok)));
        let deleted_on = networks_where(social_deleted.iter().map(|p| (p.network, p.ok)));
        if let Some(m) = msgs.last_mut() {
            if !posted_on.is_empty() {
                m.push_str(&format!(" (also on {posted_on})"));
            }
            if !deleted_on.is_empty() {
                m.push_str(&format!(" The posts on {deleted_on} were deleted."));
            }
        }
        let inc = if ctx.dry_run() {
            inc.clone()
        } else {
            ctx.load(&inc.id)?
        };
        let mirrors = super::mirrors(ctx, &inc, Some(&event), &msgs, true);
        results.extend(ctx.deliver(mirrors).await?);
    }
    let done =
        (went_public && !ctx.dry_run()).then(|| match (remove, open.is_some(), page.is_some()) {
            (true, _, _) => Done::Removed,
            (false, _, false) => Done::ByHand,
            (false, false, true) => Done::Opened,
            (false, true, true) if stage == Stage::Retract => Done::Closed,
            (false, true, true) if stage == Stage::Resolved => Done::Resolved,
            (false, true, true) => Done::Updated,
        });
    Ok(Posted {
        incident: inc.id.clone(),
        stage,
        status,
        title,
        message,
        impact,
        components,
        posted: went_public,
        public: PublicRef {
            id: public_id,
            url,
            new: open.is_none() && !remove,
        },
        next_update_due: stage.is_open().then_some(next_update),
        social: social_posts,
        social_deleted,
        done,
        note: posted.and_then(|r| r.note),
        every,
        messages: msgs,
        results,
    })
}

/// "X, Mastodon and Bluesky": the networks where it went through.
fn networks_where(
    items: impl Iterator<Item = (crate::providers::social::Network, Option<bool>)>,
) -> String {
    let mut names: Vec<&str> = Vec::new();
    for (n, ok) in items {
        if ok == Some(true) && !names.contains(&n.label()) {
            names.push(n.label());
        }
    }
    match names.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

// ---- The public resolution (`inc resolve`) ----

/// The open public incident `inc resolve` closes, before its message is settled.
pub struct OpenPublic {
    /// Its URL, else its Statuspage id (for the user).
    pub shown: String,
    /// The `resolved` template, filled in.
    pub drafted: String,
    inc_id: String,
    public_id: String,
    page: String,
    changes: Vec<Change>,
}

/// What `inc resolve` posts to close the open public incident.
pub struct Resolution {
    delivery: Delivery,
    message: String,
    public_id: String,
    components: BTreeMap<String, String>,
}

/// `inc resolve` and the public incident: the open one on the status page, if any, with the
/// resolution drafted. Without a status page, a post still open by hand is a warning; `given`
/// (a `--public-message`) with nothing to resolve is exit 2.
pub fn prepare_resolution(ctx: &Ctx, inc: &Incident, given: bool) -> CliResult<Option<OpenPublic>> {
    let Some(sp) = statuspage_config(ctx)? else {
        if inc.public.as_ref().is_some_and(|p| p.is_open()) {
            ctx.warn(
                "the public post is still open (posted by hand): resolve it on the status page",
            );
        }
        if given {
            return Err(CliError::usage(
                "--public-message needs a [statuspage] table in the config",
            ));
        }
        return Ok(None);
    };
    let Some((public_id, url)) = open_public_id(inc) else {
        if given {
            return Err(CliError::usage(format!(
                "--public-message: {} has no open public incident",
                inc.id
            )));
        }
        return Ok(None);
    };
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
    Ok(Some(OpenPublic {
        shown: url.as_deref().unwrap_or(&public_id).to_string(),
        drafted: template(ctx, "resolved", &fill)?,
        inc_id: inc.id.clone(),
        page: sp.page_id.clone().unwrap_or_default(),
        changes: restore(inc, Some(sp)),
        public_id,
    }))
}

impl OpenPublic {
    /// The post that resolves it with `message`.
    pub fn resolve(self, message: String) -> Resolution {
        let ids: BTreeMap<String, String> = self
            .changes
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
            &self.page,
            &self.public_id,
            &post,
            &self.inc_id,
            format!("inc-{}-public-resolve", self.inc_id),
        );
        Resolution {
            delivery,
            message,
            public_id: self.public_id,
            components: self
                .changes
                .into_iter()
                .map(|c| (c.name, c.status))
                .collect(),
        }
    }
}

impl Resolution {
    pub fn delivery(&self) -> Delivery {
        self.delivery.clone()
    }

    /// Journals the public resolution once it went out, and returns it (for the room post that
    /// publishes it to the other responders).
    pub fn record(
        &self,
        ctx: &Ctx,
        inc_id: &str,
        results: &[DeliveryResult],
    ) -> Option<crate::model::Event> {
        let r = results
            .iter()
            .find(|r| r.delivery.dedup_key == self.delivery.dedup_key)?;
        if !r.ok {
            return None;
        }
        let kind = EventKind::Comms {
            stage: Stage::Resolved,
            message: self.message.clone(),
            public_id: Some(self.public_id.clone()),
            url: r.url.clone(),
            components: self.components.clone(),
        };
        ctx.record(inc_id, kind)
            .inspect_err(|e| {
                ctx.warn(format!(
                    "could not journal the public resolution: {}",
                    e.message
                ))
            })
            .ok()
    }

    /// The message the public incident was resolved with.
    pub fn message(&self) -> &str {
        &self.message
    }
}

// ---- Doctor ----

/// `inc doctor`'s rows of public communication: the status page's, then each social
/// network's (`flows::social::doctor_rows`).
pub async fn doctor_rows(ctx: &Ctx) -> Vec<(&'static str, Option<bool>, String)> {
    let mut rows = statuspage_rows(ctx).await;
    rows.extend(social::doctor_rows(ctx).await);
    rows
}

/// The Statuspage rows: the key, the page (a read-only `GET /pages/{page_id}`), the components
/// and the templates.
async fn statuspage_rows(ctx: &Ctx) -> Vec<(&'static str, Option<bool>, String)> {
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

// ---- Cadence ----

/// What `inc status` shows about the public incident: fields compared between checks,
/// reminders (keyed, so `--watch` says each once) and the JSON part.
pub struct Cadenced {
    pub fields: Vec<(&'static str, String)>,
    pub reminders: Vec<(String, String)>,
    pub doc: Value,
}

/// After this long, suggest the long-incident message (and never within the first hour).
pub const LONG_INCIDENT: Duration = Duration::from_secs(2 * 3600);

/// The public status: its stage, when the next update is due (`[cadence] public_update` after
/// the last), a reminder when it is overdue, and after 2 hours the long-incident suggestion.
pub fn cadence(inc: &Incident, now: Timestamp, cadence: &Cadence) -> Cadenced {
    let Some(p) = &inc.public else {
        return Cadenced {
            fields: Vec::new(),
            reminders: Vec::new(),
            doc: Value::Null,
        };
    };
    let every = cadence.public_update.0.as_secs() as i64;
    let mut fields = vec![(
        "public status",
        match &p.url {
            Some(u) => format!("{} · {u}", p.stage),
            None => p.stage.to_string(),
        },
    )];
    let mut reminders = Vec::new();
    let mut due = None;
    if p.is_open() && inc.is_open() {
        let at = Timestamp::from_second(p.last_posted_at.as_second() + every)
            .unwrap_or(p.last_posted_at);
        due = Some(at);
        fields.push(("next public update", messages::time(at)));
        if now >= at {
            reminders.push((
                format!("public:{}", at.as_second()),
                format!(
                    "public update due since {} (every {}): `inc comms {} MESSAGE`",
                    messages::time(at),
                    format_duration(cadence.public_update.0),
                    p.stage
                ),
            ));
        }
        let running = now.as_second() - inc.declared_at.as_second();
        if running >= LONG_INCIDENT.as_secs() as i64 {
            reminders.push((
                "public:long".to_string(),
                format!(
                    "the incident has run {}: consider the long-incident message (`inc comms {} --long`), which may slow the cadence but always gives the next update time",
                    messages::elapsed(running),
                    p.stage
                ),
            ));
        }
    }
    let doc = json!({
        "stage": p.stage,
        "id": p.id,
        "url": p.url,
        "first_posted_at": p.first_posted_at,
        "last_posted_at": p.last_posted_at,
        "posts": p.posts,
        "next_update_due": due,
    });
    Cadenced {
        fields,
        reminders,
        doc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Event, Severity};

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

    fn at(min: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + min * 60).unwrap()
    }

    fn incident(posts: &[(i64, Stage)]) -> Incident {
        let mut events = vec![Event {
            id: None,
            at: at(0),
            by: None,
            kind: EventKind::Declared {
                id: "x".into(),
                title: "t".into(),
                severity: Severity::new(1).unwrap(),
                security: false,
                codename: None,
                drill: false,
            },
        }];
        for (m, stage) in posts {
            events.push(Event {
                id: None,
                at: at(*m),
                by: None,
                kind: EventKind::Comms {
                    stage: *stage,
                    message: "m".into(),
                    public_id: Some("sp1".into()),
                    url: None,
                    components: BTreeMap::new(),
                },
            });
        }
        Incident::from_events(events).unwrap()
    }

    #[test]
    fn the_next_update_is_due_after_the_cadence_and_reminded_once_overdue() {
        let c = Cadence::default();
        let inc = incident(&[(3, Stage::Investigating), (8, Stage::Identified)]);
        let p = inc.public.as_ref().unwrap();
        assert_eq!(
            (p.posts, p.stage, p.first_posted_at),
            (2, Stage::Identified, at(3))
        );
        let s = cadence(&inc, at(20), &c);
        assert!(s.reminders.is_empty());
        assert_eq!(s.doc["next_update_due"], json!(at(28)));
        let s = cadence(&inc, at(29), &c);
        assert_eq!(s.reminders.len(), 1);
        assert!(s.reminders[0].1.contains("public update due"));
        let s = cadence(&inc, at(125), &c);
        assert!(s.reminders.iter().any(|(k, _)| k == "public:long"));
        // Resolved: nothing is due.
        let inc = incident(&[(3, Stage::Investigating), (30, Stage::Resolved)]);
        assert!(cadence(&inc, at(200), &c).reminders.is_empty());
        assert_eq!(open_public_id(&inc), None);
        // A new flare-up after the resolution opens a new public incident.
        let inc = incident(&[
            (3, Stage::Investigating),
            (30, Stage::Resolved),
            (40, Stage::Investigating),
        ]);
        assert_eq!(inc.public.as_ref().unwrap().posts, 1);
    }

    #[test]
    fn templates_are_checked_and_filled() {
        let ok = BTreeMap::from([(
            "investigating".to_string(),
            "Hi {components} by {next_update}".to_string(),
        )]);
        assert!(check_templates(&ok).is_ok());
        let bad = BTreeMap::from([("investigatng".to_string(), "x".to_string())]);
        assert!(
            check_templates(&bad)
                .unwrap_err()
                .contains("statuspage.templates.investigatng")
        );
        let bad = BTreeMap::from([("resolved".to_string(), "x {nxt}".to_string())]);
        assert!(check_templates(&bad).unwrap_err().contains("{nxt}"));
        for name in TEMPLATE_NAMES {
            for p in placeholders(builtin_template(name)) {
                assert!(PLACEHOLDERS.contains(&p), "{name}: {p}");
            }
        }
        let names = vec!["API".to_string(), "Web".to_string(), "Mobile".to_string()];
        let s = render(
            "{title}: {components} by {next_update}",
            &Fill {
                title: "Checkout",
                components: &names,
                next_update: at(20),
            },
        );
        assert!(s.starts_with("Checkout: API, Web and Mobile by "), "{s}");
        assert!(s.ends_with(" UTC"), "{s}");
    }
}
