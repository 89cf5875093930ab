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

/// The root command's attributes, written once for [`Cli`] (the whole tree) and for the root
/// alone (`root_only::Cli`), which start-up completes with the one subcommand a line names.
macro_rules! root {
    ($(#[$doc:meta])* $name:ident { $($field:tt)* }) => {
        /// Run your team's major-incident process from the shell: page the IC, declare the incident,
        /// keep the timeline, watch status, and end the call.
        ///
        /// `inc` alone shows the open incident (as `inc status` does) on a terminal, else the short help.
        #[derive(Parser, Debug)]
        #[command(name = "inc", version, propagate_version = true, max_term_width = 100, after_long_help = EXIT_CODES)]
        $(#[$doc])*
        pub struct $name {
            #[command(flatten)]
            pub global: GlobalArgs,
            $($field)*
        }
    };
}

root!(Cli {
    /// None: `inc` alone (the open incident on a terminal, else the short help).
    #[command(subcommand)]
    pub command: Option<Command>,
});

/// The root alone: the same derive under the same name, so that it is, argument for argument
/// and group for group, the root of [`Cli`] without its subcommands.
mod root_only {
    use super::{EXIT_CODES, GlobalArgs, Parser};
    root!(Cli {});
}

/// Builds one subcommand on its own, exactly as the derive builds it inside the whole tree.
type Build = fn(clap::Command) -> clap::Command;

/// Every subcommand by name, for start-up: building the whole tree costs more than everything
/// else `inc --version` or a local `inc status` does, so [`narrow`] builds the root and the one
/// subcommand named. `tests::every_subcommand_builds_alone_as_in_the_tree` holds this list to
/// the [`Command`] enum; a subcommand missing here is still parsed, through the whole tree.
const ALONE: &[(&str, Build)] = &[
    ("init", <commands::init::Args as clap::Args>::augment_args),
    (
        "page-ic",
        <commands::page_ic::Args as clap::Args>::augment_args,
    ),
    ("page", <commands::page::Args as clap::Args>::augment_args),
    (
        "attach",
        <commands::attach::Args as clap::Args>::augment_args,
    ),
    ("sync", <commands::sync::Args as clap::Args>::augment_args),
    (
        "oncall",
        <commands::oncall::Args as clap::Args>::augment_args,
    ),
    (
        "declare",
        <commands::declare::Args as clap::Args>::augment_args,
    ),
    ("role", <commands::role::Args as clap::Args>::augment_args),
    (
        "handover",
        <commands::role::HandoverArgs as clap::Args>::augment_args,
    ),
    ("sev", <commands::sev::Args as clap::Args>::augment_args),
    ("note", <commands::note::Args as clap::Args>::augment_args),
    (
        "todo",
        <commands::note::TodoArgs as clap::Args>::augment_args,
    ),
    (
        "status",
        <commands::status::Args as clap::Args>::augment_args,
    ),
    (
        "changes",
        <commands::changes::Args as clap::Args>::augment_args,
    ),
    ("service", |c| {
        <commands::service::Command as clap::Subcommand>::augment_subcommands(
            c.subcommand_required(true).arg_required_else_help(true),
        )
    }),
    ("comms", <commands::comms::Args as clap::Args>::augment_args),
    (
        "notify-exec",
        <commands::notify_exec::Args as clap::Args>::augment_args,
    ),
    (
        "resolve",
        <commands::resolve::Args as clap::Args>::augment_args,
    ),
    ("postmortem", |c| {
        <commands::postmortem::Command as clap::Subcommand>::augment_subcommands(
            c.subcommand_required(true).arg_required_else_help(true),
        )
    }),
    ("email", <commands::email::Args as clap::Args>::augment_args),
    ("list", <commands::list::Args as clap::Args>::augment_args),
    ("show", <commands::show::Args as clap::Args>::augment_args),
    (
        "timeline",
        <commands::show::TimelineArgs as clap::Args>::augment_args,
    ),
    ("outbox", |c| {
        <commands::outbox::Command as clap::Subcommand>::augment_subcommands(
            c.subcommand_required(true).arg_required_else_help(true),
        )
    }),
    (
        "doctor",
        <commands::doctor::Args as clap::Args>::augment_args,
    ),
    ("bot", <commands::bot::Args as clap::Args>::augment_args),
    (
        "completions",
        <commands::completions::Args as clap::Args>::augment_args,
    ),
    ("man", <commands::man::Args as clap::Args>::augment_args),
];

/// The global options that take a value (`--config FILE`): the word after them is no
/// subcommand.
const GLOBAL_VALUES: &[&str] = &["--config", "--incident", "--color"];

/// The subcommand a command line names: its first word that is no option and no value of a
/// global option. `None` when there is none, or when it is not plain text.
pub fn named(args: &[std::ffi::OsString]) -> Option<&str> {
    let mut words = args.iter().skip(1);
    while let Some(w) = words.next() {
        let w = w.to_str()?;
        if w == "--" {
            return None;
        }
        if GLOBAL_VALUES.contains(&w) {
            words.next();
        } else if !w.starts_with('-') || w == "-" {
            return Some(w);
        }
    }
    None
}

/// The part of the command tree a command line needs: the root with its global flags and the
/// one subcommand it names (the root alone when it names none). `None` when the name is no
/// subcommand this list knows: the whole tree parses it (and says what is wrong).
pub fn narrow(args: &[std::ffi::OsString]) -> Option<clap::Command> {
    use clap::CommandFactory;
    let root = root_only::Cli::command();
    match named(args) {
        None => Some(root),
        Some(name) => {
            let (name, build) = ALONE.iter().find(|(n, _)| *n == name)?;
            Some(root.subcommand(build(clap::Command::new(*name))))
        }
    }
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

    /// The narrow tree is the whole tree, one subcommand at a time: the root and each
    /// subcommand of `ALONE` built on their own give, together, exactly `Cli::command()`
    /// (every argument, setting, help text), so a command parses the same either way.
    #[test]
    fn every_subcommand_builds_alone_as_in_the_tree() {
        let whole = Cli::command();
        let names: Vec<&str> = whole.get_subcommands().map(|c| c.get_name()).collect();
        let alone: Vec<&str> = ALONE.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            alone, names,
            "ALONE lists every subcommand, in the tree's order"
        );
        let mut rebuilt = root_only::Cli::command();
        for (name, build) in ALONE {
            rebuilt = rebuilt.subcommand(build(clap::Command::new(*name)));
        }
        assert_eq!(format!("{rebuilt:#?}"), format!("{whole:#?}"));
    }

    /// A command line parses to the same `Cli` through the narrow tree as through the whole.
    #[test]
    fn narrow_parses_as_the_whole_tree() {
        use clap::FromArgMatches;
        for line in [
            "inc --version",
            "inc note --version",
            "inc",
            "inc --json",
            "inc status --json",
            "inc --config c.toml --incident x note hello -q",
            "inc --color never declare t --sev 1 --ic me",
            "inc postmortem new --owner ann",
            "inc outbox retry a b",
            "inc notify-exec --summary s --actions a --impact i --eta e",
            "inc page-ic -m hi",
        ] {
            let args: Vec<std::ffi::OsString> = line.split(' ').map(Into::into).collect();
            let whole = Cli::command().try_get_matches_from(&args);
            let narrow = narrow(&args).expect("known").try_get_matches_from(&args);
            match (whole, narrow) {
                (Ok(w), Ok(n)) => assert_eq!(
                    format!("{:?}", Cli::from_arg_matches(&w).unwrap()),
                    format!("{:?}", Cli::from_arg_matches(&n).unwrap()),
                    "{line}"
                ),
                (Err(w), Err(n)) => {
                    assert_eq!(w.kind(), n.kind(), "{line}");
                    assert_eq!(w.render().to_string(), n.render().to_string(), "{line}");
                }
                (w, n) => panic!("{line}: whole {:?}, narrow {:?}", w.is_ok(), n.is_ok()),
            }
        }
        let args = |l: &str| -> Vec<std::ffi::OsString> { l.split(' ').map(Into::into).collect() };
        assert_eq!(named(&args("inc --config note status")), Some("status"));
        assert_eq!(named(&args("inc -- note")), None);
        assert!(narrow(&args("inc nosuch")).is_none());
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
