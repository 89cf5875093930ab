//! `inc note` and `inc todo`: the scribe's timeline.

use serde_json::json;

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::messages;
use crate::model::{EventKind, NoteType};

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
    ctx.record(
        &inc.id,
        EventKind::Note {
            text: text.clone(),
            note_type: args.note_type,
        },
    )?;
    let msgs = vec![messages::note(args.note_type, &text)];
    let results = ctx
        .deliver(crate::flows::mirrors(ctx, &inc, &msgs, true))
        .await?;
    let doc = json!({ "incident": inc.id, "note": { "text": text, "type": args.note_type } });
    crate::render::finish(ctx, &[], doc, &msgs, results)
}

pub async fn todo(ctx: &Ctx, args: TodoArgs) -> CliResult {
    let inc = ctx.current_incident()?;
    let text = super::text_arg(ctx, &args.text, "the TODO")?;
    ctx.record(&inc.id, EventKind::Todo { text: text.clone() })?;
    let number = inc.todos.len() + 1;
    let msgs = vec![messages::todo(&text)];
    let results = ctx
        .deliver(crate::flows::mirrors(ctx, &inc, &msgs, true))
        .await?;
    let doc = json!({ "incident": inc.id, "todo": { "number": number, "text": text } });
    crate::render::finish(ctx, &[], doc, &msgs, results)
}
