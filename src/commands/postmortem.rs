//! `inc postmortem new`: the post-mortem, written from the incident's journal with a template,
//! as a file or published to Confluence or GitHub; the link is journaled and announced.

use std::path::PathBuf;

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::flows::postmortem::Publish;
use crate::flows::postmortem::{self as flow, Request};
use crate::model::Incident;
use crate::render::{self, postmortem as show};

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

pub async fn run(ctx: &Ctx, cmd: Command) -> CliResult {
    match cmd {
        Command::New(args) => new(ctx, args).await,
    }
}

async fn new(ctx: &Ctx, args: NewArgs) -> CliResult {
    let given = match &args.owner {
        Some(o) => Some(super::person(ctx, o, "--owner")?),
        None => None,
    };
    let req = Request {
        template: args.template,
        publish: args.publish,
        out: args.out,
        force: args.force,
        owner: given,
    };
    // The flags, the template and the owner first: bad input never waits for a sync.
    let checked = req.check(ctx)?;
    // Publishing needs its target's secret; the announcement is beside the document.
    ctx.gate(&checked.needs())?;
    ctx.gate_beside(&crate::flows::reach::timeline(
        ctx,
        &ctx.current_incident()?,
    ))?;
    let prepared = flow::prepare(ctx, checked).await?;
    let owner = owner(ctx, prepared.owner.clone(), &prepared.inc)?;
    let draft = flow::write(ctx, prepared, owner)?;
    if draft.to_stdout {
        return show::to_stdout(ctx, &draft.outcome);
    }
    if let (true, Some(f)) = (ctx.dry_run(), &draft.file) {
        super::dry_run_note(ctx, &format!("write {} ({})", f.path.display(), f.status));
        show::dry_run_document(ctx, &draft.outcome);
    }
    render::emit(ctx, &flow::announce(ctx, draft).await?)
}

/// The one owner: `--owner` (checked), else the one already recorded, else asked; required
/// in scripts.
fn owner(ctx: &Ctx, given: Option<String>, inc: &Incident) -> CliResult<String> {
    if let Some(o) = given {
        return Ok(o);
    }
    if let Some(o) = inc.postmortem.as_ref().and_then(|p| p.owner.clone()) {
        return Ok(o);
    }
    let Some(p) = ctx.prompter() else {
        return Err(CliError::usage(
            "--owner is required: name the one person who owns the post-mortem",
        )
        .hint("e.g. inc postmortem new --owner ann@example.com"));
    };
    let given = p.input("Post-mortem owner (one person, name or email)", None)?;
    flow::one_owner(super::person(ctx, &given, "the owner")?)
}
