//! `inc service add NAME`: name an affected service of the current incident.

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::changes;
use crate::render;

/// The incident's affected services (whose changes `inc changes` and `inc status` show)
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Name an affected service (a name of [changes.services]); told in the incident room
    #[command(after_help = "Examples:\n  inc service add checkout\n  inc service add web payments")]
    Add(AddArgs),
}

#[derive(clap::Args, Debug)]
pub struct AddArgs {
    /// Names of [changes.services]
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
}

pub async fn run(ctx: &Ctx, command: Command) -> CliResult {
    match command {
        Command::Add(a) => render::emit(ctx, &changes::add_services(ctx, &a.names).await?),
    }
}
