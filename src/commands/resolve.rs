//! `inc resolve`: end the call.

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::resolve;
use crate::model::Severity;

/// End the call: resolve the incident, set the final severity, list open TODOs and the after-call checklist
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  inc resolve\n  inc resolve --final-sev 2")]
pub struct Args {
    /// Final severity [default: asked on a terminal, else the current one]
    #[arg(long, value_name = "N")]
    pub final_sev: Option<Severity>,
    /// The message that resolves the open public status-page incident [default: asked on a
    /// terminal; with --yes, the `resolved` template]
    #[arg(long, value_name = "MSG")]
    pub public_message: Option<String>,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let inc = ctx.current_incident()?;
    // The public message is input: checked (and stdin read) before the sync.
    let public_message = match args.public_message.as_deref() {
        Some("-") => Some(ctx.io.read_stdin()?),
        other => other.map(str::to_string),
    }
    .map(|m| crate::flows::comms::check_resolution_message(ctx, &m))
    .transpose()?;
    ctx.gate(&crate::flows::reach::resolve(ctx, &inc))?;
    let (inc, _) = crate::flows::sync::refresh(ctx, inc).await?;
    if let Some(already) = resolve::already(&inc) {
        return crate::render::resolve::already(ctx, &already);
    }
    let severity = match args.final_sev {
        Some(s) => s,
        None => match ctx.prompter().filter(|_| !ctx.global.yes) {
            Some(p) => {
                let items: Vec<String> = Severity::all().map(|s| s.to_string()).collect();
                let current = usize::from(inc.severity.number() - 1);
                let i = p.select("Final severity", &items, current)?;
                Severity::all().nth(i).expect("index from the list")
            }
            None => inc.severity,
        },
    };
    let public = crate::render::comms::ask_resolution(ctx, &inc, public_message.as_deref())?;
    super::dry_run_note(ctx, &format!("resolve {}", inc.id));
    let resolved = resolve::resolve(ctx, inc, severity, public.as_ref()).await?;
    crate::render::emit(ctx, &resolved)
}
