//! `inc init`: write the config file, interactively or from flags.

use serde_json::json;

use crate::config::{Config, check_http_url};
use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};

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

fn set(table: &mut toml::Table, section: &str, key: &str, value: toml::Value) {
    let t = table
        .entry(section)
        .or_insert_with(|| toml::Value::Table(Default::default()));
    if let Some(t) = t.as_table_mut() {
        t.insert(key.into(), value);
    }
}

pub fn run(ctx: &Ctx, mut a: Args) -> CliResult {
    let (path, _) = Config::location(ctx.global.config.as_deref(), &ctx.env);
    if path.exists() && !a.force {
        return Err(CliError::usage(format!(
            "{} exists; --force replaces it",
            path.display()
        )));
    }
    let prompter = if a.non_interactive {
        None
    } else {
        ctx.prompter()
    };
    if prompter.is_none() && !a.non_interactive {
        return Err(CliError::usage(
            "not a terminal: pass --non-interactive with the values as flags",
        ));
    }
    let p = prompter.as_ref();
    ask(
        p,
        &mut a.email,
        "Your email (the author of your events, `me` in --ic me)",
    )?;
    ask(p, &mut a.name, "Your name")?;
    ask(
        p,
        &mut a.chat,
        "Chat room for the incident call (e.g. #incident-chat)",
    )?;
    ask(p, &mut a.bridge_url, "Bridge URL")?;
    ask(p, &mut a.phone, "Dial-in phone number")?;
    ask(p, &mut a.pin, "Dial-in PIN")?;
    ask(
        p,
        &mut a.pagerduty_from,
        "PagerDuty: your bot user's email (enables PagerDuty)",
    )?;
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
    if let Some(u) = &a.pagerduty_api_url {
        check_http_url(u).map_err(|e| CliError::usage(format!("--pagerduty-api-url: {e}")))?;
    }
    let s = |v: &String| toml::Value::String(v.clone());
    let mut table = toml::Table::new();
    for (key, v) in [("email", &a.email), ("name", &a.name)] {
        if let Some(v) = v {
            set(&mut table, "user", key, s(v));
        }
    }
    for (key, v) in [
        ("chat", &a.chat),
        ("bridge_url", &a.bridge_url),
        ("phone", &a.phone),
        ("pin", &a.pin),
    ] {
        if let Some(v) = v {
            set(&mut table, "call", key, s(v));
        }
    }
    if let Some(from) = &a.pagerduty_from {
        set(&mut table, "pagerduty", "from", s(from));
        if let Some(u) = &a.pagerduty_api_url {
            set(&mut table, "pagerduty", "api_url", s(u));
        }
        set(
            &mut table,
            "pagerduty",
            "ic_schedules",
            toml::Value::Array(a.ic_schedules.iter().map(s).collect()),
        );
        for (key, v) in [
            ("ic_service", &a.ic_service),
            ("incident_service", &a.incident_service),
        ] {
            if let Some(v) = v {
                set(&mut table, "pagerduty", key, s(v));
            }
        }
    }
    if let Some(ch) = &a.slack_channel {
        set(&mut table, "slack", "channel", s(ch));
        set(
            &mut table,
            "slack",
            "per_incident_channel",
            toml::Value::Boolean(a.slack_per_incident_channel),
        );
        if let Some(e) = &a.slack_exec_channel {
            set(&mut table, "slack", "exec_channel", s(e));
        }
    }
    let text = format!(
        "# inc configuration (inc init). Every key is optional; see `inc help` and the README.\n\
         # Tokens are read from the environment: PAGERDUTY_TOKEN, SLACK_BOT_TOKEN, ...\n\n{}",
        toml::to_string(&table).map_err(|e| CliError::failed(e.to_string()))?
    );
    // What we write must load: the same parser checks it before it reaches the disk.
    toml::from_str::<crate::config::FileConfig>(&text)
        .map_err(|e| CliError::usage(format!("the values do not make a valid config: {e}")))?;
    if ctx.dry_run() {
        ctx.io.out(&text);
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::failed(format!("{}: {e}", dir.display())))?;
    }
    std::fs::write(&path, &text)
        .map_err(|e| CliError::failed(format!("{}: {e}", path.display())))?;
    if ctx.io.json {
        ctx.io
            .json_doc(&json!({ "config": path, "sections": table.keys().collect::<Vec<_>>() }));
    } else {
        ctx.io
            .out(&format!("{} wrote {}", ctx.io.tick(true), path.display()));
        if table.contains_key("pagerduty") {
            ctx.io
                .status("next: export PAGERDUTY_TOKEN=... (or set token_cmd), then `inc doctor`");
        } else {
            ctx.io.status("next: `inc doctor`");
        }
    }
    Ok(())
}
