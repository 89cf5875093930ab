//! `inc postmortem new`: the post-mortem, written from the incident's journal with a template,
//! as a file or published to Confluence or GitHub; the link is journaled and announced.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::model::{EventKind, Incident};
use crate::postmortem::{self, Settings};
use crate::providers::{confluence, github};

/// The post-mortem of an incident
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    New(NewArgs),
}

/// Write the post-mortem from the journal: owner, meeting deadline, impact, timeline, action items
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  inc postmortem new --owner ann@example.com\n  inc postmortem new --owner me --publish confluence\n  inc postmortem new --owner ann --template team.md.j2 --out pm.md\n  inc postmortem new --owner ann --out - | less\n\nA re-run regenerates the file unless it was edited since inc wrote it (--force overwrites);\na page or issue that already exists is left as it is."
)]
pub struct NewArgs {
    /// The one person who owns it [default: the recorded owner; asked on a terminal]
    #[arg(long, value_name = "USER")]
    pub owner: Option<String>,
    /// A minijinja template to use instead of the built-in one [default: [postmortem] template]
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,
    /// Where it goes [default: [postmortem] publish, else file]
    #[arg(long, value_enum, value_name = "WHERE")]
    pub publish: Option<Publish>,
    /// The file to write, `-` for stdout [default: [postmortem] dir/ID.md]
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Overwrite a file that was edited since inc wrote it; publish a security incident's anyway
    #[arg(long)]
    pub force: bool,
}

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
    fn name(self) -> &'static str {
        match self {
            Publish::File => "file",
            Publish::Confluence => "confluence",
            Publish::Github => "github",
        }
    }
}

pub async fn run(ctx: &Ctx, cmd: Command) -> CliResult {
    match cmd {
        Command::New(args) => new(ctx, args).await,
    }
}

/// Where the template comes from: `--template`, `[postmortem] template` (relative to the config
/// file), or the built-in one.
fn template(ctx: &Ctx, args: &NewArgs) -> CliResult<(String, String)> {
    let config = ctx.config()?;
    if let Some(p) = &args.template {
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

/// The one owner: `--owner`, else the one already recorded, else asked; required in scripts.
fn owner(ctx: &Ctx, args: &NewArgs, inc: &Incident) -> CliResult<String> {
    let given = match &args.owner {
        Some(o) => o.clone(),
        None => {
            if let Some(o) = inc.postmortem.as_ref().and_then(|p| p.owner.clone()) {
                return Ok(o);
            }
            match ctx.prompter() {
                Some(p) => p.input("Post-mortem owner (one person, name or email)", None)?,
                None => {
                    return Err(CliError::usage(
                        "--owner is required: name the one person who owns the post-mortem",
                    )
                    .hint("e.g. inc postmortem new --owner ann@example.com"));
                }
            }
        }
    };
    let owner = super::person(ctx, &given, "--owner")?;
    if owner.contains([',', ';']) || owner.to_ascii_lowercase().contains(" and ") {
        return Err(CliError::usage(format!(
            "--owner '{owner}': a post-mortem has one owner; name one person"
        )));
    }
    Ok(owner)
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
    format!("Post-mortem {}: {}", inc.id, inc.public_name())
}

async fn new(ctx: &Ctx, args: NewArgs) -> CliResult {
    let inc = ctx.current_incident()?;
    let config = ctx.config()?;
    let pmc = &config.values.postmortem;
    let publish = match (args.publish, pmc.publish.as_deref()) {
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
    if args.out.is_some() && publish != Publish::File {
        return Err(CliError::usage(format!(
            "--out writes a file; it does not go with --publish {}",
            publish.name()
        )));
    }
    check_target(ctx, publish)?;
    if inc.security && publish != Publish::File && !args.force {
        return Err(CliError::usage(format!(
            "{} is a security incident: its post-mortem stays a local file until forensics rule out an insider; not publishing it to {}",
            inc.id,
            publish.name()
        ))
        .hint("--force publishes it anyway"));
    }
    let (template_name, template_src) = template(ctx, &args)?;
    let owner = owner(ctx, &args, &inc)?;
    let settings = Settings {
        owner: owner.clone(),
        recording_url: pmc.recording_url.clone(),
        sev1_meeting_days: pmc.sev1_meeting_days.unwrap_or(3),
        sev2_meeting_business_days: pmc.sev2_meeting_business_days.unwrap_or(5),
        now: ctx.now(),
    };
    let context = postmortem::context(&inc, &settings);
    let document = postmortem::render(&template_name, &template_src, &context).map_err(|e| {
        CliError::usage(e.to_string())
            .hint("the template language is minijinja (Jinja2); README.md lists the variables")
    })?;
    let mut doc = json!({
        "incident": inc.id,
        "postmortem": {
            "owner": owner,
            "publish": publish.name(),
            "meeting_due": context.postmortem.meeting_due,
            "meeting_rule": context.postmortem.meeting_rule,
            "tags": context.tags,
            "action_items": context.action_items.len(),
            "template": template_name,
        },
    });
    let due = format!(
        "meeting due by {} {} ({})",
        context.postmortem.meeting_due_weekday,
        context.postmortem.meeting_due,
        context.postmortem.meeting_rule
    );

    // Write or publish; `link` is what gets journaled, `shown` what people read.
    let mut results = Vec::new();
    let (link, shown, status, digest) = match publish {
        Publish::File => {
            let out = args.out.clone().unwrap_or_else(|| {
                Path::new(pmc.dir.as_deref().unwrap_or("postmortems"))
                    .join(format!("{}.md", inc.id))
            });
            if out == Path::new("-") {
                if ctx.io.json {
                    doc["document"] = json!(document);
                    ctx.io.json_doc(&doc);
                } else {
                    print!("{document}");
                }
                return Ok(());
            }
            let (status, digest) = write_file(ctx, &inc, &out, &document, args.force)?;
            if ctx.dry_run() {
                doc["document"] = json!(document);
                if !ctx.io.json {
                    print!("{document}");
                }
            }
            let abs = std::path::absolute(&out)?;
            doc["postmortem"]["path"] = json!(out.display().to_string());
            (
                abs.display().to_string(),
                out.display().to_string(),
                status,
                Some(digest),
            )
        }
        Publish::Confluence | Publish::Github => {
            let title = publish_title(&inc);
            let key = format!("inc-{}-postmortem-{}", inc.id, publish.name());
            let d = if publish == Publish::Confluence {
                let c = config.values.confluence.as_ref().expect("checked");
                confluence::publish_page(
                    c,
                    &title,
                    postmortem::to_storage(&document),
                    key,
                    Some(&inc.id),
                )
            } else {
                let g = config.values.github.as_ref().expect("checked");
                let mut labels = g.labels.clone();
                for t in &context.tags {
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
            results = ctx.deliver(vec![d]).await?;
            let r = &results[0];
            doc["postmortem"]["title"] = json!(title);
            if !r.ok || r.dry_run {
                let status = if r.dry_run { "dry run" } else { "failed" };
                doc["postmortem"]["status"] = json!(status);
                return crate::render::finish(ctx, &[], doc, &[], results);
            }
            let url = r
                .url
                .clone()
                .or_else(|| r.id.clone())
                .unwrap_or_else(|| title.clone());
            doc["postmortem"]["url"] = json!(url);
            let status = if r.note.is_some() {
                "already published"
            } else {
                "published"
            };
            (url.clone(), url, status, None)
        }
    };
    doc["postmortem"]["status"] = json!(status);

    // Journal the link, and announce it when it is new (or has a new owner).
    let known = inc
        .postmortem
        .as_ref()
        .is_some_and(|p| p.path_or_url == link && p.owner.as_deref() == Some(owner.as_str()));
    let rewritten = matches!(status, "written" | "regenerated" | "overwritten");
    let mut msgs = Vec::new();
    if !known || rewritten {
        ctx.record(
            &inc.id,
            EventKind::Postmortem {
                path_or_url: link.clone(),
                owner: Some(owner.clone()),
                via: Some(publish.name().into()),
                digest,
            },
        )?;
    }
    if !known {
        msgs.push(format!(
            "Post-mortem for {} \"{}\": {shown} · owner {owner} · {due}",
            inc.worst_severity,
            inc.public_name(),
        ));
        let fresh = if ctx.dry_run() {
            inc.clone()
        } else {
            ctx.load(&inc.id)?
        };
        results.extend(
            ctx.deliver(crate::flows::mirrors(ctx, &fresh, &msgs, true))
                .await?,
        );
    }
    let human = vec![
        format!("{} Post-mortem {status}: {shown}", ctx.io.tick(true)),
        format!("  owner {owner} · {due}"),
        format!(
            "  {} action item{} tagged {}",
            context.action_items.len(),
            if context.action_items.len() == 1 {
                ""
            } else {
                "s"
            },
            context.tags.join(" ")
        ),
    ];
    crate::render::finish(ctx, &human, doc, &msgs, results)
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
    if ctx.dry_run() {
        super::dry_run_note(ctx, &format!("write {} ({status})", out.display()));
        return Ok((status, digest));
    }
    if status != "unchanged" {
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
    }
    Ok((status, digest))
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

/// For `inc email`: the post-mortem link, if any.
pub fn link(inc: &Incident) -> Option<&str> {
    inc.postmortem.as_ref().map(|p| p.path_or_url.as_str())
}
