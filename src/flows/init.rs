//! `inc init`'s config file: built from the answers, checked by the same parser that loads
//! it, then written (never a secret: tokens stay in the environment or `token_cmd`).

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::{Config, check_http_url};
use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};

/// The values of a new config file; each `None` is left out.
#[derive(Debug, Default)]
pub struct Answers {
    pub email: Option<String>,
    pub name: Option<String>,
    pub chat: Option<String>,
    pub bridge_url: Option<String>,
    pub phone: Option<String>,
    pub pin: Option<String>,
    pub pagerduty_from: Option<String>,
    pub pagerduty_api_url: Option<String>,
    pub ic_schedules: Vec<String>,
    pub ic_service: Option<String>,
    pub incident_service: Option<String>,
    pub slack_channel: Option<String>,
    pub slack_per_incident_channel: bool,
    pub slack_exec_channel: Option<String>,
}

/// The config file written (under --dry-run: the text it would hold).
#[derive(Debug, Serialize)]
pub struct Written {
    pub config: PathBuf,
    /// The tables it has (`user`, `call`, `pagerduty`, `slack`).
    pub sections: Vec<String>,
    #[serde(skip)]
    pub text: String,
    #[serde(skip)]
    pub dry_run: bool,
}

/// Where the config file goes; an existing one is replaced only with `force`.
pub fn target(ctx: &Ctx, force: bool) -> CliResult<PathBuf> {
    let (path, _) = Config::location(ctx.global.config.as_deref(), &ctx.env);
    if path.exists() && !force {
        return Err(CliError::usage(format!(
            "{} exists; --force replaces it",
            path.display()
        )));
    }
    Ok(path)
}

fn set(table: &mut toml::Table, section: &str, key: &str, value: toml::Value) {
    let t = table
        .entry(section)
        .or_insert_with(|| toml::Value::Table(Default::default()));
    if let Some(t) = t.as_table_mut() {
        t.insert(key.into(), value);
    }
}

/// Builds the config file from the answers, checks it loads, and writes it to `path`
/// (nothing under --dry-run).
pub fn write(ctx: &Ctx, path: &Path, a: &Answers) -> CliResult<Written> {
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
    if !ctx.dry_run() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::failed(format!("{}: {e}", dir.display())))?;
        }
        std::fs::write(path, &text)
            .map_err(|e| CliError::failed(format!("{}: {e}", path.display())))?;
    }
    Ok(Written {
        config: path.to_path_buf(),
        sections: table.keys().cloned().collect(),
        text,
        dry_run: ctx.dry_run(),
    })
}
