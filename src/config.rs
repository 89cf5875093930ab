//! The TOML config of SPEC "Config": location order, every key optional, precedence
//! built-in defaults < file < environment (`INC_<SECTION>_<KEY>`) < flags, and secrets that
//! come only from environment variables or a `token_cmd`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Where a setting's value came from (shown by `inc doctor`, used in error messages).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "name")]
pub enum Source {
    Default,
    File(String),
    Env(String),
    Flag(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(p) => write!(f, "file {p}"),
            Source::Env(v) => write!(f, "${v}"),
            Source::Flag(n) => write!(f, "flag {n}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {0} does not exist")]
    Missing(String),
    #[error("cannot read config file {path}: {err}")]
    Read { path: String, err: std::io::Error },
    #[error("malformed config file {path}: {message}")]
    Malformed { path: String, message: String },
    #[error("{var}: {message}")]
    Env { var: String, message: String },
    #[error("{key}: {message}")]
    Invalid { key: String, message: String },
    #[error("{0}")]
    Secret(String),
}

/// A secret value. It never prints: `Debug` and `Display` show `***`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How a provider finds its secret: `token_cmd` wins, else `token_env`, else the default variable.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    pub token_env: Option<String>,
    pub token_cmd: Option<String>,
}

impl SecretSpec {
    /// A human description of where the secret comes from, without its value.
    pub fn describe(&self, default_env: &str) -> String {
        match &self.token_cmd {
            Some(cmd) => format!(
                "token_cmd `{}`",
                cmd.split_whitespace().next().unwrap_or("")
            ),
            None => format!("${}", self.env_name(default_env)),
        }
    }
    pub fn env_name<'a>(&'a self, default_env: &'a str) -> &'a str {
        self.token_env.as_deref().unwrap_or(default_env)
    }
    /// Reads the secret now (env lookup or runs the command).
    pub fn resolve(&self, default_env: &str, env: &Env) -> Result<Secret, ConfigError> {
        if let Some(cmd) = &self.token_cmd {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(cmd)
                .stdin(std::process::Stdio::null())
                .stderr(std::process::Stdio::inherit())
                .output()
                .map_err(|e| ConfigError::Secret(format!("token_cmd could not run: {e}")))?;
            if !out.status.success() {
                return Err(ConfigError::Secret(format!(
                    "token_cmd exited with {}",
                    out.status
                )));
            }
            let value = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if value.is_empty() {
                return Err(ConfigError::Secret("token_cmd printed nothing".into()));
            }
            return Ok(Secret(value));
        }
        let var = self.env_name(default_env);
        match env.get(var) {
            Some(v) if !v.trim().is_empty() => Ok(Secret(v.trim().to_string())),
            _ => Err(ConfigError::Secret(format!("${var} is not set"))),
        }
    }
}

/// A snapshot of the process environment, read once at start-up (tests inject their own).
#[derive(Clone, Debug, Default)]
pub struct Env(HashMap<String, String>);

impl Env {
    pub fn from_process() -> Self {
        Env(std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect())
    }
    pub fn from_pairs<I: IntoIterator<Item = (S, S)>, S: Into<String>>(pairs: I) -> Self {
        Env(pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect())
    }
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// `[user]`: who you are, the author of your events and `me` in `--ic me`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub email: Option<String>,
    pub name: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CallConfig {
    pub chat: Option<String>,
    pub bridge_url: Option<String>,
    pub phone: Option<String>,
    pub pin: Option<String>,
}

impl CallConfig {
    pub fn is_empty(&self) -> bool {
        self.chat.is_none()
            && self.bridge_url.is_none()
            && self.phone.is_none()
            && self.pin.is_none()
    }
}

/// Durations in config use jiff's friendly format: `30s`, `10m`, `1h`, `250ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct Dur(pub Duration);

impl TryFrom<String> for Dur {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        parse_duration(&s).map(Dur)
    }
}

impl From<Dur> for String {
    fn from(d: Dur) -> String {
        format_duration(d.0)
    }
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d: jiff::SignedDuration = s
        .trim()
        .parse()
        .map_err(|_| format!("invalid duration '{s}': use e.g. 30s, 10m, 1h, 250ms"))?;
    Duration::try_from(d).map_err(|_| format!("invalid duration '{s}': must not be negative"))
}

pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        format!("{ms}ms")
    } else if ms.is_multiple_of(3_600_000) && ms > 0 {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) && ms > 0 {
        format!("{}m", ms / 60_000)
    } else {
        format!("{}s", ms / 1000)
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cadence {
    pub status_interval: Dur,
    pub elapsed_callout: Dur,
    pub exec_update: Dur,
    pub public_update: Dur,
    pub handover: Dur,
}

impl Default for Cadence {
    fn default() -> Self {
        let m = |n: u64| Dur(Duration::from_secs(n * 60));
        Cadence {
            status_interval: Dur(Duration::from_secs(30)),
            elapsed_callout: m(10),
            exec_update: m(30),
            public_update: m(20),
            handover: m(60),
        }
    }
}

/// The delivery engine's limits (not in SPEC: defaults suit a 3 a.m. page).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// Time allowed for one attempt.
    pub timeout: Dur,
    /// Total time allowed for one delivery, retries and waits included.
    pub retry_for: Dur,
    /// First backoff step; it doubles, with full jitter.
    pub backoff: Dur,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            timeout: Dur(Duration::from_secs(10)),
            retry_for: Dur(Duration::from_secs(30)),
            backoff: Dur(Duration::from_millis(250)),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PagerDutyConfig {
    pub api_url: Option<String>,
    pub events_url: Option<String>,
    pub from: Option<String>,
    #[serde(default)]
    pub ic_schedules: Vec<String>,
    pub ic_service: Option<String>,
    pub incident_service: Option<String>,
    #[serde(default)]
    pub stakeholders: BTreeMap<String, Vec<String>>,
    pub routing_key_env: Option<String>,
    /// How `page-ic` pages: `assign` (look the ICs up, then open the incident on them) or
    /// `service` (open it on `ic_service`, whose policy pages every IC schedule on level 1).
    pub ic_page: Option<IcPageMode>,
    #[serde(flatten)]
    pub secret: SecretSpec,
}

/// `[pagerduty] ic_page`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum IcPageMode {
    Assign,
    Service,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OpsgenieConfig {
    pub api_url: Option<String>,
    #[serde(default)]
    pub ic_schedules: Vec<String>,
    #[serde(flatten)]
    pub secret: SecretSpec,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    pub api_url: Option<String>,
    pub channel: Option<String>,
    #[serde(default)]
    pub per_incident_channel: bool,
    pub channel_prefix: Option<String>,
    pub exec_channel: Option<String>,
    #[serde(flatten)]
    pub secret: SecretSpec,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub url_env: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksConfig {
    pub teams: Option<WebhookConfig>,
    pub mattermost: Option<WebhookConfig>,
    pub discord: Option<WebhookConfig>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixConfig {
    pub homeserver: Option<String>,
    pub room: Option<String>,
    #[serde(default)]
    pub per_incident_room: bool,
    pub exec_room: Option<String>,
    #[serde(flatten)]
    pub secret: SecretSpec,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StatuspageConfig {
    pub api_url: Option<String>,
    pub page_id: Option<String>,
    #[serde(default)]
    pub components: BTreeMap<String, String>,
    /// Message templates by stage (`investigating`, ..., `retract`, `long`); see `inc comms --help`.
    #[serde(default)]
    pub templates: BTreeMap<String, String>,
    /// Time between two calls to the page (Statuspage allows 1 request/s per token) [default: 1s].
    pub min_interval: Option<Dur>,
    #[serde(flatten)]
    pub secret: SecretSpec,
}

/// `[social] x`: X (API v2) with an OAuth 2.0 user access token (scopes `tweet.read
/// tweet.write users.read`) from `$INC_X_TOKEN`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct XConfig {
    pub api_url: Option<String>,
    #[serde(flatten)]
    pub secret: SecretSpec,
}

/// `[social] mastodon`: an account on `instance`, its access token (scope `write:statuses`)
/// from `$INC_MASTODON_TOKEN`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MastodonConfig {
    pub instance: Option<String>,
    #[serde(flatten)]
    pub secret: SecretSpec,
}

/// `[social] bluesky`: the account `handle` on its PDS (`service`), signed in with an app
/// password from `$INC_BLUESKY_APP_PASSWORD`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BlueskyConfig {
    pub service: Option<String>,
    pub handle: Option<String>,
    pub password_env: Option<String>,
    pub password_cmd: Option<String>,
}

impl BlueskyConfig {
    /// The app password's source, in the shape every other secret has.
    pub fn secret(&self) -> SecretSpec {
        SecretSpec {
            token_env: self.password_env.clone(),
            token_cmd: self.password_cmd.clone(),
        }
    }
}

/// `[social]`: public updates beside the status page; each network is optional.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SocialConfig {
    pub x: Option<XConfig>,
    pub mastodon: Option<MastodonConfig>,
    pub bluesky: Option<BlueskyConfig>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    pub smtp_url: Option<String>,
    pub from: Option<String>,
    #[serde(default)]
    pub to: Vec<String>,
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub password_cmd: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PostmortemConfig {
    /// Where `inc postmortem new` writes files, relative to the current directory [default: postmortems].
    pub dir: Option<String>,
    /// `file` (default), `confluence` or `github`.
    pub publish: Option<String>,
    /// The SEV-1 post-mortem meeting is due within this many calendar days [default: 3].
    pub sev1_meeting_days: Option<u32>,
    /// The SEV-2 (and lower) meeting is due within this many business days [default: 5].
    pub sev2_meeting_business_days: Option<u32>,
    /// The call recording's link, for the post-mortem header.
    pub recording_url: Option<String>,
    /// A minijinja template used instead of the built-in one.
    pub template: Option<String>,
}

/// Confluence Cloud: post-mortems published as pages (token from `$CONFLUENCE_API_TOKEN`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConfluenceConfig {
    /// The site, e.g. `https://example.atlassian.net` (the API is `{base_url}/wiki/api/v2`).
    pub base_url: Option<String>,
    pub space_key: Option<String>,
    pub space_id: Option<String>,
    /// The page new post-mortems go under [default: the space's home page].
    pub parent_id: Option<String>,
    /// The Atlassian account the API token belongs to (HTTP Basic `email:token`).
    pub email: Option<String>,
    #[serde(flatten)]
    pub secret: SecretSpec,
}

/// GitHub: post-mortems published as issues (token from `$GITHUB_TOKEN`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GithubConfig {
    pub api_url: Option<String>,
    /// `owner/name`.
    pub repo: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(flatten)]
    pub secret: SecretSpec,
}

/// `[changes]`: what changed before the incident on its affected services (SPEC "What
/// changed"). Each source is read when configured: GitHub deployments and releases of a
/// service's repositories, PagerDuty change events of its PagerDuty service, and the
/// `announcements` rooms where the team posts its deploys.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChangesConfig {
    /// How long before the incident began to look [default: 4h].
    pub window: Option<Dur>,
    /// The GitHub API for deployments and releases [default: the `[github]` table's, with its
    /// token; else https://api.github.com with $GITHUB_TOKEN].
    pub github: Option<ChangesGithub>,
    /// Slack channels (`#deploys`, `C0123`) and Matrix rooms (`#deploys:example.com`,
    /// `!id:example.com`) where the team announces its deploys.
    #[serde(default)]
    pub announcements: Vec<String>,
    /// What `--service NAME` may name.
    #[serde(default)]
    pub services: BTreeMap<String, ServiceConfig>,
}

impl ChangesConfig {
    /// Is there anything to read at all (a source for some service, or an announcements room)?
    pub fn any_source(&self) -> bool {
        !self.announcements.is_empty()
            || self
                .services
                .values()
                .any(|s| s.pagerduty.is_some() || !s.github.is_empty())
    }
}

/// `[changes] github`: where deployments and releases are read.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChangesGithub {
    pub api_url: Option<String>,
    #[serde(flatten)]
    pub secret: SecretSpec,
}

/// One entry of `[changes.services]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// Its PagerDuty service id (change events).
    pub pagerduty: Option<String>,
    /// Its GitHub repositories, `owner/name` (deployments and releases).
    #[serde(default)]
    pub github: Vec<String>,
    /// Only deployments to this GitHub environment (e.g. `production`) [default: all].
    pub environment: Option<String>,
}

/// `[drill]`: where practice incidents go (SPEC "Drills"). Unset keys keep a drill away from
/// everyone: nobody is paged, no PagerDuty incident is opened, exec summaries stay in the
/// incident room.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DrillConfig {
    /// The schedules `page-ic` pages in a drill (PagerDuty's, else Opsgenie's) [default: none].
    #[serde(default)]
    pub ic_schedules: Vec<String>,
    /// The PagerDuty service a drill's incidents (and IC pages) are opened on [default: none].
    pub service: Option<String>,
    /// The prefix of a drill's own Slack channel and Matrix room [default: `drill-`].
    pub slack_channel_prefix: Option<String>,
    /// The Slack channel a drill's exec summaries go to [default: the incident room]; also its
    /// room when `[slack] per_incident_channel = false` (a drill never posts in a shared real
    /// channel: without it, the terminal is the drill's room).
    pub exec_channel: Option<String>,
    /// The Matrix room a drill's exec summaries go to, and its room when `[matrix]
    /// per_incident_room = false` [default: the incident room, else the terminal].
    pub exec_room: Option<String>,
    /// Who a drill's `inc email` goes to, and only them [default: nobody: shown as `--dry-run`
    /// shows it].
    #[serde(default)]
    pub email_to: Vec<String>,
}

/// `[bot]`: `inc bot`, the room's own commands (SPEC "The room's own commands"). Every key is
/// optional; without the table the bot serves the incident rooms inc created, with `!`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BotConfig {
    /// Rooms served besides every incident room: Slack channels (`#name` or id), Matrix
    /// rooms (`#alias:server` or `!id:server`).
    pub rooms: Vec<String>,
    /// What starts a command (`!ic page`).
    pub prefix: String,
    /// A command older than this when the bot first sees it is not acted on: "missed while inc
    /// bot was away: type it again".
    pub max_age: Dur,
    /// Matrix senders' homeservers [default: the bot's own].
    pub allowed_servers: Vec<String>,
    /// Slack guests (`is_restricted` / `is_ultra_restricted`) may run commands.
    pub allow_guests: bool,
    /// Who may `!ic page` (emails, Matrix user ids) [default: anyone in the room].
    pub pagers: Option<Vec<String>>,
    /// The Slack app-level token's variable (`xapp-…`, scope `connections:write`).
    pub app_token_env: Option<String>,
    /// A command that prints the app-level token (a password manager), instead of the variable.
    pub app_token_cmd: Option<String>,
}

impl Default for BotConfig {
    fn default() -> Self {
        BotConfig {
            rooms: Vec::new(),
            prefix: "!".into(),
            max_age: Dur(Duration::from_secs(120)),
            allowed_servers: Vec::new(),
            allow_guests: false,
            pagers: None,
            app_token_env: None,
            app_token_cmd: None,
        }
    }
}

impl BotConfig {
    /// The default variable of the Slack app-level token.
    pub const APP_TOKEN_ENV: &str = "SLACK_APP_TOKEN";

    /// Where the Slack app-level token comes from, in the shape every other secret has.
    pub fn app_token(&self) -> SecretSpec {
        SecretSpec {
            token_env: self.app_token_env.clone(),
            token_cmd: self.app_token_cmd.clone(),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub ca_file: Option<String>,
}

/// The config file's shape. Every key is optional; a provider is active when its table is present.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub user: UserConfig,
    #[serde(default)]
    pub call: CallConfig,
    #[serde(default)]
    pub cadence: Cadence,
    #[serde(default)]
    pub delivery: DeliveryConfig,
    pub pagerduty: Option<PagerDutyConfig>,
    pub opsgenie: Option<OpsgenieConfig>,
    pub slack: Option<SlackConfig>,
    pub webhooks: Option<WebhooksConfig>,
    pub matrix: Option<MatrixConfig>,
    pub statuspage: Option<StatuspageConfig>,
    pub social: Option<SocialConfig>,
    pub email: Option<EmailConfig>,
    pub confluence: Option<ConfluenceConfig>,
    pub github: Option<GithubConfig>,
    #[serde(default)]
    pub changes: ChangesConfig,
    #[serde(default)]
    pub drill: DrillConfig,
    #[serde(default)]
    pub postmortem: PostmortemConfig,
    #[serde(default)]
    pub tls: TlsConfig,
    /// `[bot]`: `inc bot` (absent: the defaults, and `inc doctor` shows no bot rows).
    pub bot: Option<BotConfig>,
}

const SECTIONS: &[&str] = &[
    "user",
    "call",
    "cadence",
    "delivery",
    "pagerduty",
    "opsgenie",
    "slack",
    "webhooks",
    "matrix",
    "statuspage",
    "social",
    "email",
    "confluence",
    "github",
    "changes",
    "drill",
    "postmortem",
    "tls",
    "bot",
];

/// The loaded configuration with the origin of each overridden setting.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file that was read, if any.
    pub file: Option<PathBuf>,
    /// Where the file was looked for (shown by doctor when it is missing).
    pub looked_at: PathBuf,
    pub values: FileConfig,
    /// `section.key` → where it came from; keys not listed are built-in defaults.
    pub sources: BTreeMap<String, Source>,
    pub state_dir: PathBuf,
    pub state_dir_source: Source,
}

impl Config {
    /// Where the config file is: `--config FILE`, else `$INC_CONFIG`, else
    /// `$XDG_CONFIG_HOME/inc/config.toml`; `true` when it was named explicitly.
    pub fn location(flag: Option<&Path>, env: &Env) -> (PathBuf, bool) {
        match (flag, env.get("INC_CONFIG")) {
            (Some(p), _) => (p.to_path_buf(), true),
            (None, Some(p)) => (PathBuf::from(p), true),
            (None, None) => {
                let base = env
                    .get("XDG_CONFIG_HOME")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| home_dir(env).join(".config"));
                (base.join("inc").join("config.toml"), false)
            }
        }
    }

    /// Loads the config from [`Config::location`]; a missing default file is fine.
    pub fn load(flag: Option<&Path>, env: &Env) -> Result<Config, ConfigError> {
        let home = home_dir(env);
        let (path, explicit) = Self::location(flag, env);
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if explicit {
                    return Err(ConfigError::Missing(shown));
                }
                None
            }
            Err(err) => return Err(ConfigError::Read { path: shown, err }),
        };
        let mut sources = BTreeMap::new();
        let mut table = match &text {
            Some(t) => {
                // Deserialize the text itself first: toml's errors then carry the line and the key.
                toml::from_str::<FileConfig>(t).map_err(|e| ConfigError::Malformed {
                    path: shown.clone(),
                    message: toml_error(&e, t),
                })?;
                let table: toml::Table = toml::from_str(t).map_err(|e| ConfigError::Malformed {
                    path: shown.clone(),
                    message: toml_error(&e, t),
                })?;
                for (section, v) in &table {
                    if let Some(keys) = v.as_table() {
                        for k in keys.keys() {
                            sources.insert(format!("{section}.{k}"), Source::File(shown.clone()));
                        }
                    }
                }
                table
            }
            None => toml::Table::new(),
        };
        let mut env_keys: Vec<(&String, &String)> = env
            .0
            .iter()
            .filter(|(k, _)| k.starts_with("INC_"))
            .collect();
        env_keys.sort();
        for (var, raw) in env_keys {
            let Some((section, key)) = env_key(var) else {
                continue;
            };
            let value = parse_env_value(raw);
            let entry = table
                .entry(section.to_string())
                .or_insert_with(|| toml::Value::Table(Default::default()));
            let Some(t) = entry.as_table_mut() else {
                continue;
            };
            t.insert(key.clone(), value);
            sources.insert(format!("{section}.{key}"), Source::Env(var.clone()));
        }
        let values: FileConfig = FileConfig::deserialize(table).map_err(|e| {
            // Only an environment override can fail here: the file alone parsed above.
            let var = sources
                .values()
                .find_map(|s| match s {
                    Source::Env(v) => Some(v.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| "environment".into());
            // The value itself may be a secret (a webhook URL): never echo it.
            let mut message = e.message().to_string();
            for (_, raw) in env.0.iter().filter(|(k, _)| k.starts_with("INC_")) {
                if raw.len() >= 4 {
                    message = message.replace(raw.as_str(), "***");
                }
            }
            ConfigError::Env {
                var,
                message: printable(&message),
            }
        })?;
        check_urls(&values, &sources)?;
        let (state_dir, state_dir_source) = match env.get("INC_STATE_DIR") {
            Some(d) => (PathBuf::from(d), Source::Env("INC_STATE_DIR".into())),
            None => match env.get("XDG_STATE_HOME") {
                Some(d) => (
                    PathBuf::from(d).join("inc"),
                    Source::Env("XDG_STATE_HOME".into()),
                ),
                None => (
                    home.join(".local").join("state").join("inc"),
                    Source::Default,
                ),
            },
        };
        Ok(Config {
            file: text.is_some().then(|| path.clone()),
            looked_at: path,
            values,
            sources,
            state_dir,
            state_dir_source,
        })
    }

    pub fn source_of(&self, key: &str) -> Source {
        self.sources.get(key).cloned().unwrap_or(Source::Default)
    }
}

/// `$HOME`, else the home directory of the process's account, else the current directory.
fn home_dir(env: &Env) -> PathBuf {
    env.get("HOME")
        .map(PathBuf::from)
        .or_else(|| crate::identity::account().map(|a| a.home))
        .filter(|h| !h.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `INC_PAGERDUTY_API_URL` → `("pagerduty", "api_url")`, only for known sections.
fn env_key(var: &str) -> Option<(&'static str, String)> {
    let rest = var.strip_prefix("INC_")?;
    let (section, key) = rest.split_once('_')?;
    // `[webhooks]` entries are tables naming other variables; a variable that happens to be
    // called INC_WEBHOOKS_* holds a URL (a secret), not an override.
    let section = SECTIONS
        .iter()
        .filter(|s| **s != "webhooks")
        .find(|s| s.eq_ignore_ascii_case(section))?;
    (!key.is_empty()).then(|| (*section, key.to_ascii_lowercase()))
}

/// An environment value is read as a TOML value when it is one (`true`, `["a","b"]`), else as a string.
fn parse_env_value(raw: &str) -> toml::Value {
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.into())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

fn toml_error(e: &toml::de::Error, text: &str) -> String {
    let msg = e.message().trim().to_string();
    match e.span() {
        Some(span) => {
            let mut line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            // A table with a flattened part (`token_env`/`token_cmd`) reports an unknown key at
            // its header: point at the key's own line in that table instead.
            if let Some(key) = msg
                .strip_prefix("unknown field `")
                .and_then(|r| r.split('`').next())
            {
                let is_key = |l: &str| {
                    let l = l.trim_start().trim_start_matches(['"', '\'']);
                    l.strip_prefix(key).is_some_and(|r| {
                        r.trim_start_matches(['"', '\''])
                            .trim_start()
                            .starts_with('=')
                    })
                };
                if let Some(n) = text
                    .lines()
                    .enumerate()
                    .skip(line - 1)
                    .take_while(|(n, l)| *n + 1 == line || !l.trim_start().starts_with('['))
                    .find(|(_, l)| is_key(l))
                    .map(|(n, _)| n + 1)
                {
                    line = n;
                }
            }
            let snippet = text.lines().nth(line - 1).unwrap_or("").trim();
            printable(&format!("line {line}: {msg} (at `{snippet}`)"))
        }
        None => printable(&msg),
    }
}

/// `s` with control characters written as escapes (`\u{1b}`): a config file's text is shown in
/// error messages, and must not drive the terminal.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn check_urls(v: &FileConfig, sources: &BTreeMap<String, Source>) -> Result<(), ConfigError> {
    let mut urls: Vec<(&str, &Option<String>)> = Vec::new();
    if let Some(p) = &v.pagerduty {
        urls.push(("pagerduty.api_url", &p.api_url));
        urls.push(("pagerduty.events_url", &p.events_url));
    }
    if let Some(p) = &v.opsgenie {
        urls.push(("opsgenie.api_url", &p.api_url));
    }
    if let Some(p) = &v.slack {
        urls.push(("slack.api_url", &p.api_url));
    }
    if let Some(p) = &v.matrix {
        urls.push(("matrix.homeserver", &p.homeserver));
    }
    if let Some(p) = &v.statuspage {
        urls.push(("statuspage.api_url", &p.api_url));
    }
    if let Some(s) = &v.social {
        if let Some(x) = &s.x {
            urls.push(("social.x.api_url", &x.api_url));
        }
        if let Some(m) = &s.mastodon {
            urls.push(("social.mastodon.instance", &m.instance));
        }
        if let Some(b) = &s.bluesky {
            urls.push(("social.bluesky.service", &b.service));
        }
    }
    if let Some(p) = &v.confluence {
        urls.push(("confluence.base_url", &p.base_url));
    }
    if let Some(p) = &v.github {
        urls.push(("github.api_url", &p.api_url));
    }
    if let Some(g) = &v.changes.github {
        urls.push(("changes.github.api_url", &g.api_url));
    }
    for (key, value) in urls {
        if let Some(u) = value {
            check_http_url(u).map_err(|message| ConfigError::Invalid {
                key: match sources.get(key) {
                    Some(Source::Env(var)) => format!("{key} (from ${var})"),
                    Some(Source::File(f)) => format!("{key} in {f}"),
                    _ => key.to_string(),
                },
                message,
            })?;
        }
    }
    check_services(&v.changes, sources)
}

/// Every `[changes.services]` repository is `owner/name`.
fn check_services(
    c: &ChangesConfig,
    sources: &BTreeMap<String, Source>,
) -> Result<(), ConfigError> {
    for (name, s) in &c.services {
        for repo in &s.github {
            let ok = repo.split('/').count() == 2
                && repo.split('/').all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                });
            if !ok {
                let key = format!("changes.services.{name}.github");
                let key = match sources.get("changes.services") {
                    Some(Source::File(f)) => format!("{key} in {f}"),
                    _ => key,
                };
                return Err(ConfigError::Invalid {
                    key,
                    message: format!(
                        "'{}' is not a repository: use \"owner/name\"",
                        printable(repo)
                    ),
                });
            }
        }
    }
    Ok(())
}

/// `https://` anywhere; plain `http://` only to a loopback host (SPEC).
pub fn check_http_url(u: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(u).map_err(|e| format!("'{u}' is not a URL: {e}"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "'{u}' uses plain http:// to a non-loopback host; use https://"
        )),
        other => Err(format!("'{u}': unsupported scheme {other}://")),
    }
}

pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let p = dir.join("config.toml");
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn precedence_default_file_env() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "[cadence]\nstatus_interval = \"45s\"\nexec_update = \"20m\"\n",
        );
        // (file?, env?) → expected status_interval and source kind
        let cases: &[(bool, Option<&str>, &str, &str)] = &[
            (false, None, "30s", "default"),
            (true, None, "45s", "file"),
            (false, Some("5s"), "5s", "env"),
            (true, Some("5s"), "5s", "env"),
        ];
        for (with_file, env_value, want, source) in cases {
            let mut pairs = vec![("HOME".to_string(), dir.path().display().to_string())];
            if let Some(v) = env_value {
                pairs.push(("INC_CADENCE_STATUS_INTERVAL".into(), v.to_string()));
            }
            let env = Env::from_pairs(pairs);
            let cfg = Config::load(with_file.then_some(p.as_path()), &env).unwrap();
            assert_eq!(format_duration(cfg.values.cadence.status_interval.0), *want);
            let got = match cfg.source_of("cadence.status_interval") {
                Source::Default => "default",
                Source::File(_) => "file",
                Source::Env(_) => "env",
                Source::Flag(_) => "flag",
            };
            assert_eq!(got, *source, "file={with_file} env={env_value:?}");
            // A key the environment does not touch keeps the file's value.
            if *with_file {
                assert_eq!(format_duration(cfg.values.cadence.exec_update.0), "20m");
            }
        }
    }

    #[test]
    fn malformed_file_names_line_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "[call]\nchat = \"#x\"\n\n[pagerduty]\nic_schedule = [\"P1\"]\n",
        );
        let env = Env::from_pairs([("HOME", "/nonexistent")]);
        let err = Config::load(Some(&p), &env).unwrap_err().to_string();
        assert!(err.contains("config.toml"), "{err}");
        assert!(err.contains("line 5"), "{err}");
        assert!(err.contains("ic_schedule"), "{err}");
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_http_url("http://127.0.0.1:9/x").is_ok());
        assert!(check_http_url("http://localhost/x").is_ok());
        assert!(check_http_url("http://[::1]:8/").is_ok());
        assert!(check_http_url("https://api.pagerduty.com").is_ok());
        assert!(check_http_url("http://api.pagerduty.com").is_err());
        assert!(check_http_url("http://10.0.0.1").is_err());
        assert!(check_http_url("ftp://127.0.0.1").is_err());
    }

    #[test]
    fn env_values_parse_as_toml_or_string() {
        assert_eq!(
            parse_env_value("[\"a\", \"b\"]").as_array().unwrap().len(),
            2
        );
        assert_eq!(parse_env_value("true").as_bool(), Some(true));
        assert_eq!(parse_env_value("https://x/y").as_str(), Some("https://x/y"));
        assert_eq!(
            env_key("INC_PAGERDUTY_API_URL"),
            Some(("pagerduty", "api_url".to_string()))
        );
        assert_eq!(env_key("INC_STATE_DIR"), None);
        assert_eq!(
            env_key("INC_WEBHOOKS_TEAMS"),
            None,
            "a webhook URL variable is no override"
        );
    }

    #[test]
    fn a_bad_env_override_never_echoes_its_value() {
        let env = Env::from_pairs([
            ("HOME", "/nonexistent"),
            ("INC_CADENCE_HANDOVER", "https://hooks.example/SECRETPATH"),
        ]);
        let err = Config::load(None, &env).unwrap_err().to_string();
        assert!(err.contains("INC_CADENCE_HANDOVER"), "{err}");
        assert!(!err.contains("SECRETPATH"), "{err}");
    }

    #[test]
    fn secrets_never_print() {
        let s = Secret("xoxb-very-secret".into());
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        let spec = SecretSpec {
            token_env: Some("MY_TOKEN".into()),
            token_cmd: None,
        };
        let env = Env::from_pairs([("MY_TOKEN", "abc")]);
        assert_eq!(
            spec.resolve("PAGERDUTY_TOKEN", &env).unwrap().expose(),
            "abc"
        );
        let err = spec
            .resolve("PAGERDUTY_TOKEN", &Env::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("$MY_TOKEN"), "{err}");
        let cmd = SecretSpec {
            token_env: None,
            token_cmd: Some("echo from-cmd".into()),
        };
        assert_eq!(
            cmd.resolve("X", &Env::default()).unwrap().expose(),
            "from-cmd"
        );
    }

    /// Property tests: any text as the config file loads or fails with one message that names
    /// the file (and, for a TOML or type error, the line and the key); never a panic, never a
    /// raw control character on the terminal.
    mod props {
        use super::*;
        use proptest::prelude::*;

        fn load(text: &str) -> (PathBuf, Result<Config, ConfigError>, tempfile::TempDir) {
            let dir = tempfile::tempdir().unwrap();
            let p = write(dir.path(), text);
            let env = Env::from_pairs([("HOME".to_string(), dir.path().display().to_string())]);
            let r = Config::load(Some(&p), &env);
            (p, r, dir)
        }

        #[track_caller]
        fn check_error(path: &Path, e: &ConfigError) -> String {
            let m = e.to_string();
            assert!(m.contains(&path.display().to_string()), "no file in: {m}");
            assert!(
                !m.chars().any(char::is_control),
                "a control character reaches the terminal: {m:?}"
            );
            m
        }

        /// Lines that look like a config: known tables and keys, values of every TOML type,
        /// and some that are not TOML at all.
        fn line() -> impl Strategy<Value = String> {
            let section = prop::sample::select(vec![
                "user",
                "call",
                "cadence",
                "delivery",
                "pagerduty",
                "opsgenie",
                "slack",
                "webhooks",
                "matrix",
                "statuspage",
                "email",
                "postmortem",
                "drill",
                "tls",
                "nope",
            ]);
            let key = prop::sample::select(vec![
                "email",
                "phone",
                "chat",
                "status_interval",
                "timeout",
                "api_url",
                "from",
                "ic_schedules",
                "channel",
                "per_incident_channel",
                "teams",
                "url_env",
                "token_env",
                "homeserver",
                "page_id",
                "components",
                "smtp_url",
                "to",
                "dir",
                "publish",
                "weird key",
                "\"quoted\"",
            ]);
            let value = prop_oneof![
                any::<String>().prop_map(|s| format!("{s:?}")),
                any::<i64>().prop_map(|n| n.to_string()),
                any::<bool>().prop_map(|b| b.to_string()),
                Just("[\"a\", \"b\"]".to_string()),
                Just("{ url_env = \"X\" }".to_string()),
                Just("\"30s\"".to_string()),
                Just("\"http://127.0.0.1:9\"".to_string()),
                Just("\"http://example.com\"".to_string()),
                "[^\\n]{0,12}",
            ];
            prop_oneof![
                section.prop_map(|s| format!("[{s}]")),
                (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
                Just(String::new()),
                Just("# a comment".to_string()),
                any::<String>(),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn any_text_loads_or_names_the_file(text in any::<String>()) {
                let (p, r, _dir) = load(&text);
                if let Err(e) = r {
                    check_error(&p, &e);
                }
            }

            #[test]
            fn config_like_text_loads_or_names_the_file(
                lines in proptest::collection::vec(line(), 0..16)
            ) {
                let (p, r, _dir) = load(&lines.join("\n"));
                if let Err(e) = r {
                    check_error(&p, &e);
                }
            }

            /// A value of the wrong type, or a misspelt key, under a few unrelated lines: the
            /// error names the file, the line and the key.
            #[test]
            fn a_wrong_value_names_file_line_and_key(
                padding in proptest::collection::vec(
                    prop::sample::select(vec!["", "# a note", "   ", "\t# indented"]), 0..8),
                bad in prop::sample::select(vec![
                    ("call", "phone", "5"),
                    ("call", "chat", "true"),
                    ("call", "phon", "\"+1 555\""),
                    ("cadence", "status_interval", "\"soon\""),
                    ("cadence", "exec_update", "30"),
                    ("slack", "per_incident_channel", "\"yes\""),
                    ("pagerduty", "ic_schedules", "\"PPRIMRY\""),
                    ("delivery", "timeout", "[1]"),
                    ("user", "email", "{ a = 1 }"),
                ]),
            ) {
                let (section, key, value) = bad;
                let mut text: String = padding.iter().map(|l| format!("{l}\n")).collect();
                text.push_str(&format!("[{section}]\n{key} = {value}\n"));
                let line = padding.len() + 2;
                let (p, r, _dir) = load(&text);
                let e = r.expect_err("a wrong value is an error");
                let m = check_error(&p, &e);
                prop_assert!(m.contains(&format!("line {line}")), "line {} not in: {}", line, m);
                prop_assert!(m.contains(key), "{} not in: {}", key, m);
            }
        }
    }
}
