//! `inc completions SHELL`.

use crate::ctx::Ctx;
use crate::error::CliResult;

/// Print the shell completion script (bash, zsh, fish, powershell, elvish)
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  inc completions bash > ~/.local/share/bash-completion/completions/inc"
)]
pub struct Args {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn run(ctx: &Ctx, args: Args) -> CliResult {
    let script = crate::generate::completion(args.shell);
    ctx.io.out(String::from_utf8_lossy(&script).trim_end());
    Ok(())
}
