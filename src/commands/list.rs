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

pub fn run(ctx: &Ctx, args: Args) -> CliResult {
    render::status::list(ctx, &status::list(ctx, args.open, args.all)?)
}
