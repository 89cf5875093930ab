//! `inc notify-exec`: the executive summary, with `@here`, and a PagerDuty status update.

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::flows::exec::{self, ExecUpdate};

/// Brief executives: summary, actions, impact and ETA to the exec channel with @here
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Fields come from the flags, from --file (lines `Summary: ...`, `Actions: ...`, \
`Impact: ...`, `ETA: ...`; `-` reads stdin), or are asked one by one on a terminal, with a preview to confirm. \
In a script every field must be given (\"unknown\" is an answer): a missing one is exit 2 naming its flag, and nothing is sent.\n\n\
Examples:\n  inc notify-exec --summary \"SEV-1: checkout down, bad deploy\" --actions \"rolling back\" --impact \"EU customers cannot pay\" --eta \"20 min\"\n  inc notify-exec --file update.txt --yes"
)]
pub struct Args {
    /// Current state: severity and suspected cause
    #[arg(long)]
    pub summary: Option<String>,
    /// Actions in progress
    #[arg(long)]
    pub actions: Option<String>,
    /// Customer impact
    #[arg(long)]
    pub impact: Option<String>,
    /// Expected time to recovery
    #[arg(long)]
    pub eta: Option<String>,
    /// Read the fields from a file (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub file: Option<String>,
    /// Post even when the incident is a security incident and the exec channel is not private
    #[arg(long)]
    pub force: bool,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let inc = ctx.current_incident()?;
    let mut u = match &args.file {
        Some(f) if f == "-" => exec::parse_file(&ctx.io.read_stdin()?),
        Some(f) => {
            let bytes =
                std::fs::read(f).map_err(|e| CliError::usage(format!("--file {f}: {e}")))?;
            exec::parse_file(&crate::io::input_text(bytes, &format!("--file {f}"))?.0)
        }
        None => ExecUpdate::default(),
    };
    for (slot, flag) in [
        (&mut u.summary, &args.summary),
        (&mut u.actions, &args.actions),
        (&mut u.impact, &args.impact),
        (&mut u.eta, &args.eta),
    ] {
        if let Some(v) = flag {
            *slot = v.trim().to_string();
        }
    }
    let prompter = ctx.prompter();
    if let Some(p) = &prompter {
        let labels = [
            "Current state (SEV and cause)",
            "Actions in progress",
            "Customer impact",
            "Expected time to recovery",
        ];
        let slots = [&mut u.summary, &mut u.actions, &mut u.impact, &mut u.eta];
        for (slot, label) in slots.into_iter().zip(labels) {
            if slot.is_empty() {
                *slot = p.input(label, Some(""))?.trim().to_string();
            }
        }
    }
    // The whole update is checked before the sync: a bad or missing field sends nothing.
    exec::check(&u, prompter.is_none())?;
    ctx.gate(&crate::flows::reach::exec(ctx, &inc))?;
    let (inc, _) = crate::flows::sync::refresh(ctx, inc).await?;
    if let Some(p) = &prompter
        && !ctx.global.yes
    {
        ctx.io.say(&u.text(&inc));
        if !p.confirm("Send this executive update?", true)? {
            return Err(CliError::cancelled());
        }
    }
    let req = exec::Request {
        update: u,
        force: args.force,
    };
    let notified = exec::notify(ctx, &inc, req).await?;
    // The flow's warnings (a security update kept off the webhooks) come before the deliveries.
    crate::render::warnings(ctx);
    crate::render::emit(ctx, &notified)
}
