//! `inc doctor`: is everything in place before 3 a.m.?

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::doctor::{self, Request};

/// Check the config, the state dir and every configured provider's credentials
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Also post one short test message through each chat webhook (otherwise nothing is sent to them)
    #[arg(long)]
    pub send_test: bool,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let req = Request {
        send_test: args.send_test,
    };
    let outcome = doctor::run(ctx, req).await?;
    crate::render::doctor::show(ctx, &outcome)
}
