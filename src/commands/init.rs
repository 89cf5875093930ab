//! `inc init`: write the config file, interactively or from flags.

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::flows::init::{self, Answers};

/// Write the config file: asked on a terminal, or from flags with --non-interactive
#[derive(clap::Args, Debug, Default)]
#[command(
    after_help = "Secrets are never written: each provider reads its token from an environment \
variable (PAGERDUTY_TOKEN, SLACK_BOT_TOKEN, ...) or from `token_cmd`.\n\n\
Examples:\n  inc init\n  inc init --non-interactive --email ann@example.com --bridge-url https://meet.example.com/incident \\\n    \
--pagerduty-from ic-bot@example.com --ic-schedule PPRIMRY --ic-schedule PBACKUP --ic-service PICSRVC"
)]
pub struct Args {
    /// Take every value from the flags; never prompt
    #[arg(long)]
    pub non_interactive: bool,
    /// Replace an existing config file
    #[arg(long)]
    pub force: bool,
    /// [user] your email: the author of your events and `me` in `--ic me`
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,
    /// [user] your name
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// [call] chat room people join
    #[arg(long, value_name = "ROOM")]
    pub chat: Option<String>,
    /// [call] bridge URL
    #[arg(long, value_name = "URL")]
    pub bridge_url: Option<String>,
    /// [call] dial-in phone number
    #[arg(long, value_name = "NUMBER")]
    pub phone: Option<String>,
    /// [call] dial-in PIN
    #[arg(long, value_name = "PIN")]
    pub pin: Option<String>,
    /// [pagerduty] the PagerDuty user email sent as `From:` on writes (enables PagerDuty)
    #[arg(long, value_name = "EMAIL")]
    pub pagerduty_from: Option<String>,
    /// [pagerduty] API URL (EU accounts: https://api.eu.pagerduty.com)
    #[arg(long, value_name = "URL")]
    pub pagerduty_api_url: Option<String>,
    /// [pagerduty] an IC schedule id, primary first (repeat)
    #[arg(long = "ic-schedule", value_name = "ID")]
    pub ic_schedules: Vec<String>,
    /// [pagerduty] the service IC pages are opened on
    #[arg(long, value_name = "ID")]
    pub ic_service: Option<String>,
    /// [pagerduty] the service major incidents are declared on
    #[arg(long, value_name = "ID")]
    pub incident_service: Option<String>,
    /// [slack] the incident channel (enables Slack)
    #[arg(long, value_name = "CHANNEL")]
    pub slack_channel: Option<String>,
    /// [slack] open one channel per incident
    #[arg(long)]
    pub slack_per_incident_channel: bool,
    /// [slack] the executive updates channel
    #[arg(long, value_name = "CHANNEL")]
    pub slack_exec_channel: Option<String>,
}

/// Asks for `value` on a terminal when it was not given (empty answer: left out).
fn ask(p: Option<&crate::prompt::Prompter>, value: &mut Option<String>, label: &str) -> CliResult {
    if let (Some(p), None) = (p, value.as_ref()) {
        let answer = p.input(&format!("{label} (empty to skip)"), Some(""))?;
        *value = Some(answer.trim().to_string()).filter(|a| !a.is_empty());
    }
    Ok(())
}

pub fn run(ctx: &Ctx, mut a: Args) -> CliResult {
    let path = init::target(ctx, a.force)?;
    let prompter = (!a.non_interactive).then(|| ctx.prompter()).flatten();
    if prompter.is_none() && !a.non_interactive {
        return Err(CliError::usage(
            "not a terminal: pass --non-interactive with the values as flags",
        ));
    }
    let p = prompter.as_ref();
    for (value, label) in [
        (
            &mut a.email,
            "Your email (the author of your events, `me` in --ic me)",
        ),
        (&mut a.name, "Your name"),
        (
            &mut a.chat,
            "Chat room for the incident call (e.g. #incident-chat)",
        ),
        (&mut a.bridge_url, "Bridge URL"),
        (&mut a.phone, "Dial-in phone number"),
        (&mut a.pin, "Dial-in PIN"),
        (
            &mut a.pagerduty_from,
            "PagerDuty: your bot user's email (enables PagerDuty)",
        ),
    ] {
        ask(p, value, label)?;
    }
    if a.pagerduty_from.is_some() {
        if a.ic_schedules.is_empty()
            && let Some(p) = p
        {
            let ids = p.input(
                "PagerDuty: IC schedule ids, primary first, separated by spaces",
                Some(""),
            )?;
            a.ic_schedules = ids
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
        }
        ask(p, &mut a.ic_service, "PagerDuty: service id for IC pages")?;
        ask(
            p,
            &mut a.incident_service,
            "PagerDuty: service id for major incidents",
        )?;
    }
    ask(
        p,
        &mut a.slack_channel,
        "Slack: incident channel (enables Slack)",
    )?;
    if a.slack_channel.is_some() {
        ask(
            p,
            &mut a.slack_exec_channel,
            "Slack: executive updates channel",
        )?;
        if let Some(p) = p
            && !a.slack_per_incident_channel
        {
            a.slack_per_incident_channel =
                p.confirm("Slack: open a channel per incident?", true)?;
        }
    }
    let answers = Answers {
        email: a.email,
        name: a.name,
        chat: a.chat,
        bridge_url: a.bridge_url,
        phone: a.phone,
        pin: a.pin,
        pagerduty_from: a.pagerduty_from,
        pagerduty_api_url: a.pagerduty_api_url,
        ic_schedules: a.ic_schedules,
        ic_service: a.ic_service,
        incident_service: a.incident_service,
        slack_channel: a.slack_channel,
        slack_per_incident_channel: a.slack_per_incident_channel,
        slack_exec_channel: a.slack_exec_channel,
    };
    crate::render::init::written(ctx, &init::write(ctx, &path, &answers)?);
    Ok(())
}
