//! The post-mortem: the document built from the incident's journal with a template (the pure
//! `crate::postmortem`), written as a file or published to Confluence or GitHub, and its link
//! journaled and announced. Three steps, so that the command can ask for the owner after the
//! checks and show a `--dry-run` file before anything is announced: [`Request::check`] (before
//! anything leaves the machine), [`prepare`], [`write`], [`announce`].

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::{CliError, CliResult};
use crate::model::{EventKind, Incident};
use crate::postmortem::{self, Settings};
use crate::providers::{confluence, github};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Publish {
    /// A Markdown file under [postmortem] dir (relative to the current directory)
    File,
    /// A page in the [confluence] space
    Confluence,
    /// An issue in the [github] repo
    Github,
}

impl Publish {
    pub fn name(self) -> &'static str {
        match self {
            Publish::File => "file",
            Publish::Confluence => "confluence",
            Publish::Github => "github",
        }
    }
}

pub struct Request {
    /// A template file instead of `[postmortem] template` or the built-in one.
    pub template: Option<PathBuf>,
    /// Where it goes [default: `[postmortem] publish`, else a file].
    pub publish: Option<Publish>,
    /// The file to write, `-` for stdout.
    pub out: Option<PathBuf>,
    /// Overwrite an edited file; publish a security incident's anyway.
    pub force: bool,
    /// The owner as given (`me` already resolved); checked to be one person.
    pub owner: Option<String>,
}

/// The input checked ([`Request::check`]) before any sync: where it goes, the template read
/// and compiled, the owner given.
pub struct Checked {
    publish: Publish,
    out: Option<PathBuf>,
    force: bool,
    template_name: String,
    template_src: String,
    owner: Option<String>,
}

/// The checks passed and the incident pulled: where it goes and with which template. The owner
/// comes next.
pub struct Prepared {
    pub inc: Incident,
    /// The owner given (else the command asks, or takes the recorded one).
    pub owner: Option<String>,
    publish: Publish,
    out: Option<PathBuf>,
    force: bool,
    template_name: String,
    template_src: String,
}

/// The document, written to its file (unless `--dry-run`); published and announced next.
pub struct Draft {
    inc: Incident,
    publish: Publish,
    document: String,
    /// The `--out -` document: shown, and nothing else happens.
    pub to_stdout: bool,
    /// The file, when it goes to one.
    pub file: Option<Written>,
    /// The `--json` document so far, and the human lines' parts.
    pub outcome: Postmortem,
}

/// What happened to the file.
pub struct Written {
    /// As given (or `[postmortem] dir/ID.md`).
    pub path: PathBuf,
    /// `written`, `unchanged`, `regenerated` or `overwritten`.
    pub status: &'static str,
    absolute: String,
    digest: String,
}

/// The post-mortem as `--json` shows it (with the messages and deliveries).
#[derive(Serialize)]
pub struct Postmortem {
    pub incident: String,
    pub postmortem: Summary,
    /// The document itself: for `--out -` and a `--dry-run` file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// Where people find it (the file as given, or the URL); unset when publishing failed.
    #[serde(skip)]
    pub shown: Option<String>,
    /// `meeting due by WEEKDAY DATE (RULE)`.
    #[serde(skip)]
    pub due: String,
    #[serde(skip)]
    pub messages: Vec<String>,
    #[serde(skip)]
    pub deliveries: Vec<DeliveryResult>,
}

#[derive(Serialize)]
pub struct Summary {
    pub owner: String,
    pub publish: &'static str,
    pub meeting_due: String,
    pub meeting_rule: String,
    pub tags: Vec<String>,
    pub action_items: usize,
    pub template: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
}

impl Request {
    /// Checks where it goes (`--publish`, else `[postmortem] publish`), that the target is
    /// configured, the `--out` path, the owner given, and reads and compiles the template: all
    /// before anything leaves the machine (bad input exit 2, a bad config value 78).
    pub fn check(self, ctx: &Ctx) -> CliResult<Checked> {
        let config = ctx.config()?;
        let publish = match (self.publish, config.values.postmortem.publish.as_deref()) {
            (Some(p), _) => p,
            (None, None) => Publish::File,
            (None, Some(s)) => {
                <Publish as clap::ValueEnum>::from_str(s.trim(), true).map_err(|_| {
                    CliError::config(format!(
                        "postmortem.publish = \"{s}\": use file, confluence or github"
                    ))
                })?
            }
        };
        if self.out.is_some() && publish != Publish::File {
            return Err(CliError::usage(format!(
                "--out writes a file; it does not go with --publish {}",
                publish.name()
            )));
        }
        if let Some(out) = &self.out
            && out.is_dir()
        {
            return Err(CliError::usage(format!(
                "--out {}: is a directory; name the file to write",
                out.display()
            )));
        }
        check_target(ctx, publish)?;
        let owner = self.owner.map(one_owner).transpose()?;
        let (template_name, template_src) = template(ctx, self.template.as_deref())?;
        // A trial run on the local journal: a syntax error, an unknown variable or filter is
        // reported now, not after the sync.
        let inc = ctx.current_incident()?;
        let owner_shown = owner.clone().unwrap_or_else(|| "owner".into());
        let context = postmortem::context(&inc, &settings(ctx, owner_shown)?);
        render(&template_name, &template_src, &context)?;
        Ok(Checked {
            publish,
            out: self.out,
            force: self.force,
            template_name,
            template_src,
            owner,
        })
    }
}

impl Checked {
    /// The provider publishing needs (its secret is checked before anything is written).
    pub fn needs(&self) -> Vec<String> {
        match self.publish {
            Publish::File => Vec::new(),
            Publish::Confluence => vec![confluence::PROVIDER.to_string()],
            Publish::Github => vec![github::PROVIDER.to_string()],
        }
    }
}

/// Pulls what other responders added, then checks that a security incident's post-mortem stays
/// a file (unless `force`).
pub async fn prepare(ctx: &Ctx, c: Checked) -> CliResult<Prepared> {
    // A reading command: pull what other responders added first.
    let (inc, _) = super::sync::refresh(ctx, ctx.current_incident()?).await?;
    if inc.security && c.publish != Publish::File && !c.force {
        return Err(CliError::usage(format!(
            "{} is a security incident: its post-mortem stays a local file until forensics rule out an insider; not publishing it to {}",
            inc.id,
            c.publish.name()
        ))
        .hint("--force publishes it anyway"));
    }
    Ok(Prepared {
        inc,
        owner: c.owner,
        publish: c.publish,
        out: c.out,
        force: c.force,
        template_name: c.template_name,
        template_src: c.template_src,
    })
}

/// The owner as given must be one person.
pub fn one_owner(owner: String) -> CliResult<String> {
    if owner.contains([',', ';']) || owner.to_ascii_lowercase().contains(" and ") {
        return Err(CliError::usage(format!(
            "--owner '{owner}': a post-mortem has one owner; name one person"
        )));
    }
    Ok(owner)
}

/// Where the template comes from: `--template`, `[postmortem] template` (relative to the config
/// file), or the built-in one.
fn template(ctx: &Ctx, given: Option<&Path>) -> CliResult<(String, String)> {
    let config = ctx.config()?;
    if let Some(p) = given {
        let text = std::fs::read_to_string(p)
            .map_err(|e| CliError::usage(format!("--template {}: {e}", p.display())))?;
        return Ok((p.display().to_string(), text));
    }
    if let Some(p) = &config.values.postmortem.template {
        let path = match (&config.file, Path::new(p).is_relative()) {
            (Some(f), true) => f.parent().unwrap_or(Path::new(".")).join(p),
            _ => PathBuf::from(p),
        };
        let text = std::fs::read_to_string(&path).map_err(|e| {
            CliError::config(format!("postmortem.template: {}: {e}", path.display()))
        })?;
        return Ok((path.display().to_string(), text));
    }
    Ok((
        postmortem::BUILTIN_NAME.to_string(),
        postmortem::BUILTIN.to_string(),
    ))
}

fn check_target(ctx: &Ctx, publish: Publish) -> CliResult {
    let v = &ctx.config()?.values;
    let hint = "`inc doctor` shows what is configured";
    match publish {
        Publish::File => {}
        Publish::Confluence => {
            let Some(c) = &v.confluence else {
                return Err(CliError::config(
                    "--publish confluence: add a [confluence] table (base_url, space_key, email) to the config",
                )
                .hint(hint));
            };
            for (key, missing) in [
                ("confluence.base_url", c.base_url.is_none()),
                (
                    "confluence.space_key (or space_id)",
                    c.space_key.is_none() && c.space_id.is_none(),
                ),
                ("confluence.email", c.email.is_none()),
            ] {
                if missing {
                    return Err(CliError::config(format!("{key} is not set")).hint(hint));
                }
            }
        }
        Publish::Github => {
            let Some(g) = &v.github else {
                return Err(CliError::config(
                    "--publish github: add a [github] table (repo = \"owner/name\") to the config",
                )
                .hint(hint));
            };
            let repo = g
                .repo
                .as_deref()
                .ok_or_else(|| CliError::config("github.repo is not set").hint(hint))?;
            github::check_repo(repo).map_err(|m| CliError::config(format!("github.repo: {m}")))?;
        }
    }
    Ok(())
}

/// The document's settings from `[postmortem]`, for `owner`.
fn settings(ctx: &Ctx, owner: String) -> CliResult<Settings> {
    let pmc = &ctx.config()?.values.postmortem;
    Ok(Settings {
        owner,
        recording_url: pmc.recording_url.clone(),
        sev1_meeting_days: pmc.sev1_meeting_days.unwrap_or(3),
        sev2_meeting_business_days: pmc.sev2_meeting_business_days.unwrap_or(5),
        now: ctx.now(),
    })
}

/// The template rendered: a template error is exit 2 naming the file and the line.
fn render(name: &str, source: &str, context: &postmortem::Context) -> CliResult<String> {
    postmortem::render(name, source, context).map_err(|e| {
        CliError::usage(e.to_string())
            .hint("the template language is minijinja (Jinja2); README.md lists the variables")
    })
}

/// Builds the document for `owner` and, for a file, writes it (unless it was edited since inc
/// wrote it; nothing is written under `--dry-run`).
pub fn write(ctx: &Ctx, p: Prepared, owner: String) -> CliResult<Draft> {
    let pmc = &ctx.config()?.values.postmortem;
    let context = postmortem::context(&p.inc, &settings(ctx, owner.clone())?);
    let document = render(&p.template_name, &p.template_src, &context)?;
    let meeting = context.postmortem;
    let outcome = Postmortem {
        incident: p.inc.id.clone(),
        postmortem: Summary {
            owner,
            publish: p.publish.name(),
            meeting_due: meeting.meeting_due.clone(),
            meeting_rule: meeting.meeting_rule.clone(),
            tags: context.tags,
            action_items: context.action_items.len(),
            template: p.template_name,
            path: None,
            title: None,
            url: None,
            status: None,
        },
        document: None,
        shown: None,
        due: format!(
            "meeting due by {} {} ({})",
            meeting.meeting_due_weekday, meeting.meeting_due, meeting.meeting_rule
        ),
        messages: Vec::new(),
        deliveries: Vec::new(),
    };
    let mut draft = Draft {
        inc: p.inc,
        publish: p.publish,
        document,
        to_stdout: false,
        file: None,
        outcome,
    };
    if p.publish != Publish::File {
        return Ok(draft);
    }
    let out = p.out.unwrap_or_else(|| {
        Path::new(pmc.dir.as_deref().unwrap_or("postmortems")).join(format!("{}.md", draft.inc.id))
    });
    if out == Path::new("-") {
        draft.to_stdout = true;
        draft.outcome.document = Some(draft.document.clone());
        return Ok(draft);
    }
    let (status, digest) = write_file(ctx, &draft.inc, &out, &draft.document, p.force)?;
    if ctx.dry_run() {
        draft.outcome.document = Some(draft.document.clone());
    }
    draft.outcome.postmortem.path = Some(out.display().to_string());
    draft.file = Some(Written {
        absolute: std::path::absolute(&out)?.display().to_string(),
        path: out,
        status,
        digest,
    });
    Ok(draft)
}

/// Publishes the draft (Confluence, GitHub), journals its link, and announces it when it is new
/// (or has a new owner). A publish that failed or was a dry run ends there.
pub async fn announce(ctx: &Ctx, draft: Draft) -> CliResult<Postmortem> {
    let Draft {
        inc,
        publish,
        document,
        file,
        mut outcome,
        ..
    } = draft;
    // `link` is what gets journaled, `shown` what people read.
    let (link, shown, status, digest) = match file {
        Some(f) => (
            f.absolute,
            f.path.display().to_string(),
            f.status,
            Some(f.digest),
        ),
        None => {
            let title = publish_title(&inc);
            // Published where many read it, a security incident goes by its codename only
            // (the file on disk keeps the real title).
            let document = match &inc.codename {
                Some(codename) if inc.security => document.replace(&inc.title, codename),
                _ => document,
            };
            let key = format!("inc-{}-postmortem-{}", inc.id, publish.name());
            let v = &ctx.config()?.values;
            let d = if publish == Publish::Confluence {
                let c = v.confluence.as_ref().expect("checked");
                confluence::publish_page(
                    c,
                    &title,
                    postmortem::to_storage(&document),
                    key,
                    Some(&inc.id),
                )
            } else {
                let g = v.github.as_ref().expect("checked");
                let mut labels = g.labels.clone();
                for t in &outcome.postmortem.tags {
                    if !labels.contains(t) {
                        labels.push(t.clone());
                    }
                }
                github::publish_issue(
                    g.repo.as_deref().expect("checked"),
                    &title,
                    issue_body(&document),
                    labels,
                    key,
                    Some(&inc.id),
                )
            };
            outcome.deliveries = ctx.deliver(vec![d]).await?;
            let r = &outcome.deliveries[0];
            outcome.postmortem.title = Some(title.clone());
            if !r.ok || r.dry_run {
                let status = if r.dry_run { "dry run" } else { "failed" };
                outcome.postmortem.status = Some(status);
                return Ok(outcome);
            }
            let url = r.url.clone().or_else(|| r.id.clone()).unwrap_or(title);
            let status = if r.note.is_some() {
                "already published"
            } else {
                "published"
            };
            outcome.postmortem.url = Some(url.clone());
            (url.clone(), url, status, None)
        }
    };
    outcome.postmortem.status = Some(status);
    let owner = outcome.postmortem.owner.clone();
    let known = inc
        .postmortem
        .as_ref()
        .is_some_and(|p| p.path_or_url == link && p.owner.as_deref() == Some(owner.as_str()));
    let rewritten = matches!(status, "written" | "regenerated" | "overwritten");
    let mut event = None;
    if !known || rewritten {
        event = Some(ctx.record(
            &inc.id,
            EventKind::Postmortem {
                path_or_url: link,
                owner: Some(owner.clone()),
                via: Some(publish.name().into()),
                digest,
            },
        )?);
    }
    if !known {
        outcome.messages.push(format!(
            "Post-mortem for {} \"{}\": {shown} · owner {owner} · {}",
            inc.worst_severity,
            inc.public_name(),
            outcome.due,
        ));
        let fresh = if ctx.dry_run() {
            inc.clone()
        } else {
            ctx.load(&inc.id)?
        };
        let mirrors = super::mirrors(ctx, &fresh, event.as_ref(), &outcome.messages, true);
        outcome.deliveries.extend(ctx.deliver(mirrors).await?);
    }
    outcome.shown = Some(shown);
    Ok(outcome)
}

/// Writes the file unless it was edited since inc wrote it; returns what happened and the
/// document's digest. Under `--dry-run` nothing is written.
fn write_file(
    ctx: &Ctx,
    inc: &Incident,
    out: &Path,
    document: &str,
    force: bool,
) -> CliResult<(&'static str, String)> {
    let digest = postmortem::digest(document);
    let abs = std::path::absolute(out)?;
    let existing = match std::fs::read_to_string(out) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(CliError::failed(format!("{}: {e}", out.display()))),
    };
    let status = match &existing {
        None => "written",
        Some(t) if t == document => "unchanged",
        Some(t) if last_digest(inc, &abs.display().to_string()) == Some(&postmortem::digest(t)) => {
            "regenerated"
        }
        Some(_) if force => "overwritten",
        Some(_) => {
            return Err(CliError::usage(format!(
                "{} was edited since inc wrote it (or inc did not write it); not overwriting it",
                out.display()
            ))
            .hint("--force overwrites it; --out PATH writes somewhere else"));
        }
    };
    if ctx.dry_run() || status == "unchanged" {
        return Ok((status, digest));
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::failed(format!("{}: {e}", dir.display())))?;
    }
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "postmortem.md".into());
    let tmp = out.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, document)
        .and_then(|_| std::fs::rename(&tmp, out))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            CliError::failed(format!("{}: {e}", out.display()))
        })?;
    Ok((status, digest))
}

/// The digest inc recorded the last time it wrote `path`.
fn last_digest<'a>(inc: &'a Incident, path: &str) -> Option<&'a str> {
    inc.events.iter().rev().find_map(|e| match &e.kind {
        EventKind::Postmortem {
            path_or_url,
            digest: Some(d),
            ..
        } if path_or_url == path => Some(d.as_str()),
        _ => None,
    })
}

/// The page or issue title: stable for the incident, so a re-run finds it.
pub fn publish_title(inc: &Incident) -> String {
    crate::messages::tagged(
        inc,
        &format!("Post-mortem {}: {}", inc.id, inc.public_name()),
    )
}

/// GitHub takes at most 65,536 characters in an issue body.
fn issue_body(document: &str) -> String {
    const MAX: usize = 65_536;
    const NOTE: &str = "\n\n_(cut short: GitHub issues hold at most 65,536 characters; write the post-mortem to a file or Confluence for all of it)_\n";
    if document.chars().count() <= MAX {
        return document.to_string();
    }
    let keep = MAX - NOTE.chars().count();
    let mut body: String = document.chars().take(keep).collect();
    body.push_str(NOTE);
    body
}

/// The post-mortem link, if any (for `inc email`).
pub fn link(inc: &Incident) -> Option<&str> {
    inc.postmortem.as_ref().map(|p| p.path_or_url.as_str())
}
