//! `inc list`: the incidents in the local journal.

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::status;
use crate::render;

/// List the incidents in the local journal, newest first (drills only with --all)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only incidents that are not resolved
    #[arg(long)]
    pub open: bool,
    /// Also the drills (practice incidents, `inc declare --drill`)
    #[arg(long)]
    pub all: bool,
}

/// `inc list` with the states refreshed from the shared record (see `may_refresh`).
pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    render::status::list(ctx, &status::list_fresh(ctx, args.open, args.all).await?)
}

/// `inc list` from this machine's journal alone, without an async runtime: when no provider
/// that carries incidents is configured (or under `--dry-run`), there is nothing to refresh.
pub fn run_local(ctx: &Ctx, args: Args) -> CliResult {
    render::status::list(ctx, &status::list(ctx, args.open, args.all)?)
}

/// Whether `inc list` may refresh states: a provider that carries incidents is configured.
pub fn may_refresh(ctx: &Ctx) -> bool {
    !ctx.dry_run() && crate::flows::people::shared(ctx)
}
