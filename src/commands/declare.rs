//! `inc declare`: start a major incident.

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::flows::declare::{self, Declaration};
use crate::model::{Role, Severity};

/// Declare a major incident: journal, severity, roles and the contact summary
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  inc declare \"Checkout returns 500s\" --sev 1 --ic me\n  ID=$(inc declare \"API latency\" --sev 2 -q)\n  inc declare \"Checkout returns 500s\" --service checkout --service payments\n  inc declare --drill \"Game day: the database fails over\"\n\n\
A drill (--drill, or INC_DRILL=1) is a practice incident: everything inc sends about it starts \
with [DRILL], nobody outside the drill is paged or notified (see [drill] in the config), the \
status page and the social accounts are never touched, and `inc list` hides it unless --all.\n\n\
When another responder's `inc page-ic` opened an IC page in the last hour, declare adopts it \
(asking on a terminal when there are several): its acknowledgements are in this incident's \
timeline and `inc resolve` resolves it. --no-adopt opens fresh."
)]
pub struct Args {
    /// What is wrong, in a few words [asked on a terminal when omitted]
    pub title: Option<String>,
    /// Severity, 1..5 or SEV-1..SEV-5 [default: asked on a terminal; SEV-2 in scripts: if unsure, pick the higher]
    #[arg(long, value_name = "N")]
    pub sev: Option<Severity>,
    /// Follow the security process: codename instead of the title, no public comms
    #[arg(long)]
    pub security: bool,
    /// A practice incident (or INC_DRILL=1): [DRILL] on everything sent, nobody outside it paged
    #[arg(long)]
    pub drill: bool,
    /// Incident Commander (`me` for yourself)
    #[arg(long, value_name = "USER")]
    pub ic: Option<String>,
    /// Deputy
    #[arg(long, value_name = "USER")]
    pub deputy: Option<String>,
    /// Scribe
    #[arg(long, value_name = "USER")]
    pub scribe: Option<String>,
    /// Open fresh: do not adopt an open IC page another responder's `inc page-ic` opened
    #[arg(long)]
    pub no_adopt: bool,
    /// An affected service (a name of [changes.services]; repeatable): `inc changes` and `inc status` show what changed on it
    #[arg(long = "service", value_name = "NAME")]
    pub services: Vec<String>,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let services =
        crate::flows::changes::check_services(ctx.config()?, &args.services, "--service")?;
    let mut roles = Vec::new();
    for (role, given, flag) in [
        (Role::Ic, &args.ic, "--ic"),
        (Role::Deputy, &args.deputy, "--deputy"),
        (Role::Scribe, &args.scribe, "--scribe"),
    ] {
        if let Some(g) = given {
            roles.push((role, super::person(ctx, g, flag)?));
        }
    }
    declare::check_roles(&roles)?;
    let title = match args.title.as_deref().map(str::trim) {
        Some("") => return Err(CliError::usage("TITLE is empty")),
        Some(t) => t.to_string(),
        None => match ctx.prompter() {
            Some(p) => p.input("Title (what is wrong?)", None)?,
            None => {
                return Err(CliError::usage(
                    "missing TITLE: inc declare \"what is wrong\"",
                ));
            }
        },
    };
    if title.chars().count() > 200 {
        return Err(CliError::usage("TITLE is longer than 200 characters"));
    }
    let severity = match args.sev {
        Some(s) => s,
        None => match ctx.prompter() {
            Some(p) => {
                let items: Vec<String> = Severity::all()
                    .map(|s| format!("{s}  {}", s.describe()))
                    .collect();
                let i = p.select("Severity (if unsure, pick the higher)", &items, 0)?;
                Severity::all().nth(i).expect("index from the list")
            }
            None => {
                ctx.io.status("--sev not given: SEV-2 (if unsure, pick the higher; raise it with `inc sev 1`)");
                Severity::DEFAULT_UNSURE
            }
        },
    };
    let inc = declare::prepare(
        ctx,
        Declaration {
            title,
            severity,
            security: args.security,
            drill: args.drill || crate::flows::drill::requested(ctx),
            roles,
            services,
        },
    );
    // Every secret the declaration needs, before anything is written.
    ctx.gate(&crate::flows::reach::declare(ctx, &inc))?;
    super::dry_run_note(ctx, &format!("declare {}", inc.id));
    let mut declared = declare::declare_adopting(ctx, inc, !args.no_adopt).await?;
    // Several open IC pages: on a terminal, the user says which one is this incident's.
    if !declared.ic_pages.is_empty() {
        let mut items: Vec<String> = declared
            .ic_pages
            .iter()
            .map(declare::describe_page)
            .collect();
        match ctx.prompter() {
            Some(p) => {
                items.push("none of them".into());
                let i = p.select("Which open IC page is this incident's?", &items, items.len() - 1)?;
                if let Some(page) = declared.ic_pages.get(i).cloned() {
                    let results = declare::adopt_page(ctx, &declared.incident.id, &page).await?;
                    declared.results.extend(results);
                    declared.adopted_page = Some(page);
                }
            }
            None => ctx.warn(format!(
                "{} open IC pages from the last hour, none adopted (on a terminal inc asks which): {}",
                items.len(),
                items.join("; ")
            )),
        }
    }
    crate::render::declare::declared(ctx, &declared)
}
