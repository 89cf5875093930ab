//! `inc note` and `inc todo`: the scribe's timeline.

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::{reach, timeline};
use crate::model::NoteType;

/// Add a note to the timeline (`-` reads it from stdin)
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  inc note \"Rolled back deploy 4411\" --type action\n  kubectl get pods | inc note -"
)]
pub struct Args {
    /// The note, at most 10,000 characters; `-` reads stdin
    pub text: String,
    /// Kind of note
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub note_type: Option<NoteType>,
}

/// Add a follow-up TODO (it becomes a post-mortem action item)
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  inc todo \"Alert on queue depth before it saturates\"")]
pub struct TodoArgs {
    /// The TODO, at most 10,000 characters; `-` reads stdin
    pub text: String,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let inc = ctx.current_incident()?;
    let text = super::text_arg(ctx, &args.text, "the note")?;
    ctx.gate(&reach::timeline(ctx, &inc))?;
    let noted = timeline::note(ctx, &inc, text, args.note_type).await?;
    crate::render::emit(ctx, &noted)
}

pub async fn todo(ctx: &Ctx, args: TodoArgs) -> CliResult {
    let inc = ctx.current_incident()?;
    let text = super::text_arg(ctx, &args.text, "the TODO")?;
    ctx.gate(&reach::timeline(ctx, &inc))?;
    crate::render::emit(ctx, &timeline::todo(ctx, &inc, text).await?)
}
