//! The command tree: global flags, one variant per subcommand, and `dispatch`, which sends each
//! to its module in `commands/`. Start here to find any behaviour.

use clap::{Parser, Subcommand};

use crate::commands;
use crate::ctx::{Ctx, GlobalArgs};
use crate::error::CliResult;

const EXIT_CODES: &str = "\
Exit codes:
  0    done
  1    failed (nothing delivered, or an internal error)
  2    bad usage or bad input (nothing sent)
  3    partly delivered (what failed is in the outbox and on stderr)
  4    no incident to act on
  78   configuration error
  130  cancelled by the user

Environment:
  INC_CONFIG       config file (overridden by --config)
  INC_STATE_DIR    journal, outbox and caches [default: $XDG_STATE_HOME/inc]
  INC_<SECTION>_<KEY>  overrides one config key, e.g. INC_CADENCE_STATUS_INTERVAL=10s
  NO_COLOR         disables colour in --color auto";

/// Run your team's major-incident process from the shell: page the IC, declare the incident,
/// keep the timeline, watch status, and end the call.
///
/// `inc` alone shows the open incident (as `inc status` does) on a terminal, else the short help.
#[derive(Parser, Debug)]
#[command(name = "inc", version, propagate_version = true, max_term_width = 100, after_long_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// None: `inc` alone (the open incident on a terminal, else the short help).
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    Init(commands::init::Args),
    PageIc(commands::page_ic::Args),
    Page(commands::page::Args),
    Attach(commands::attach::Args),
    Sync(commands::sync::Args),
    Oncall(commands::oncall::Args),
    Declare(commands::declare::Args),
    Role(commands::role::Args),
    Handover(commands::role::HandoverArgs),
    Sev(commands::sev::Args),
    Note(commands::note::Args),
    Todo(commands::note::TodoArgs),
    Status(commands::status::Args),
    Changes(commands::changes::Args),
    #[command(subcommand)]
    Service(commands::service::Command),
    Comms(commands::comms::Args),
    NotifyExec(commands::notify_exec::Args),
    Resolve(commands::resolve::Args),
    #[command(subcommand)]
    Postmortem(commands::postmortem::Command),
    Email(commands::email::Args),
    List(commands::list::Args),
    Show(commands::show::Args),
    Timeline(commands::show::TimelineArgs),
    #[command(subcommand)]
    Outbox(commands::outbox::Command),
    Doctor(commands::doctor::Args),
    Bot(commands::bot::Args),
    Completions(commands::completions::Args),
    Man(commands::man::Args),
}

/// Runs the commands that need no async runtime; hands any other back.
pub fn dispatch_local(ctx: &Ctx, command: Command) -> Result<CliResult, Box<Command>> {
    Ok(match command {
        Command::Init(a) => commands::init::run(ctx, a),
        Command::List(a) if !commands::list::may_refresh(ctx) => commands::list::run_local(ctx, a),
        Command::Completions(a) => commands::completions::run(ctx, a),
        Command::Man(a) => commands::man::run(ctx, a),
        other => return Err(Box::new(other)),
    })
}

pub async fn dispatch(ctx: &Ctx, command: Option<Command>) -> CliResult {
    let Some(command) = command else {
        return commands::status::bare(ctx).await;
    };
    match command {
        Command::Init(a) => commands::init::run(ctx, a),
        Command::PageIc(a) => commands::page_ic::run(ctx, a).await,
        Command::Page(a) => commands::page::run(ctx, a).await,
        Command::Attach(a) => commands::attach::run(ctx, a).await,
        Command::Sync(a) => commands::sync::run(ctx, a).await,
        Command::Oncall(a) => commands::oncall::run(ctx, a).await,
        Command::Declare(a) => commands::declare::run(ctx, a).await,
        Command::Role(a) => commands::role::run(ctx, a).await,
        Command::Handover(a) => commands::role::handover(ctx, a).await,
        Command::Sev(a) => commands::sev::run(ctx, a).await,
        Command::Note(a) => commands::note::run(ctx, a).await,
        Command::Todo(a) => commands::note::todo(ctx, a).await,
        Command::Status(a) => commands::status::run(ctx, a).await,
        Command::Changes(a) => commands::changes::run(ctx, a).await,
        Command::Service(c) => commands::service::run(ctx, c).await,
        Command::Comms(a) => commands::comms::run(ctx, a).await,
        Command::NotifyExec(a) => commands::notify_exec::run(ctx, a).await,
        Command::Resolve(a) => commands::resolve::run(ctx, a).await,
        Command::Postmortem(c) => commands::postmortem::run(ctx, c).await,
        Command::Email(a) => commands::email::run(ctx, a).await,
        Command::List(a) => commands::list::run(ctx, a).await,
        Command::Show(a) => commands::show::run(ctx, a).await,
        Command::Timeline(a) => commands::show::timeline(ctx, a).await,
        Command::Outbox(c) => commands::outbox::run(ctx, c).await,
        Command::Doctor(a) => commands::doctor::run(ctx, a).await,
        Command::Bot(a) => commands::bot::run(ctx, a).await,
        Command::Completions(a) => commands::completions::run(ctx, a),
        Command::Man(a) => commands::man::run(ctx, a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_go_anywhere() {
        let cli = Cli::try_parse_from(["inc", "note", "hello", "--json", "-q", "--incident", "x"])
            .unwrap();
        assert!(cli.global.json && cli.global.quiet);
        assert_eq!(cli.global.incident.as_deref(), Some("x"));
    }

    #[test]
    fn severity_flag_takes_both_spellings() {
        for s in ["1", "SEV-1"] {
            let cli = Cli::try_parse_from(["inc", "declare", "t", "--sev", s]).unwrap();
            let Some(Command::Declare(a)) = cli.command else {
                panic!()
            };
            assert_eq!(a.sev.unwrap().number(), 1);
        }
        assert!(Cli::try_parse_from(["inc", "declare", "t", "--sev", "9"]).is_err());
    }
}
