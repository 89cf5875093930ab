//! Provider adapters. Every outgoing write is first a [`Delivery`]: plain, serializable data that
//! can be sent, printed by `--dry-run`, journaled, or parked in the outbox. Secrets are never
//! part of a delivery: each adapter adds its credentials when it sends.

use std::cell::OnceCell;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub mod bluesky;
pub mod confluence;
pub mod email;
pub mod github;
pub mod http;
pub mod mastodon;
pub mod matrix;
pub mod opsgenie;
pub mod pagerduty;
pub mod slack;
pub mod slack_socket;
pub mod social;
pub mod statuspage;
pub mod webhook;
pub mod x;

/// One outgoing write.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Delivery {
    /// `pagerduty`, `slack`, ...
    pub provider: String,
    /// What it does, e.g. `create_incident`, `add_note`.
    pub action: String,
    /// Who or what it is for, for humans (`service PMAJORS`, `#inc-261126`).
    pub target: String,
    /// Stable for one logical action, so a retry or a re-run never duplicates it.
    pub dedup_key: String,
    /// The inc incident whose journal records the outcome, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    pub request: Request,
}

/// The request itself, one variant per transport.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Request {
    Http(HttpRequest),
    /// An email, sent over SMTP (`[email]`); the password is added when it is sent.
    Email(email::EmailMessage),
}

/// An HTTP call relative to one of the provider's configured base URLs.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct HttpRequest {
    pub method: String,
    /// Which configured base URL: `api` (default) or `events`.
    #[serde(default = "default_base")]
    pub base: String,
    /// Appended to the base URL, e.g. `/incidents`.
    pub path: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

fn default_base() -> String {
    "api".into()
}

impl HttpRequest {
    pub fn post(path: impl Into<String>, body: serde_json::Value) -> Self {
        HttpRequest {
            method: "POST".into(),
            base: default_base(),
            path: path.into(),
            query: Vec::new(),
            body: Some(body),
        }
    }
    pub fn put(path: impl Into<String>, body: serde_json::Value) -> Self {
        HttpRequest {
            method: "PUT".into(),
            ..Self::post(path, body)
        }
    }
    pub fn on(mut self, base: &str) -> Self {
        self.base = base.into();
        self
    }
}

/// What a provider returned for a successful delivery.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Receipt {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A remark for the user, e.g. "already open since 03:04 UTC" when a dedup key matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The provider's response body, for adapters that read more from it.
    #[serde(skip)]
    pub body: serde_json::Value,
}

/// Why a send failed. The delivery engine retries `Transient` only.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SendError {
    /// Connect errors, timeouts, 429, 5xx: worth another try (after `retry_after` when given).
    #[error("{message}")]
    Transient {
        message: String,
        retry_after: Option<Duration>,
    },
    /// The provider refused the request (4xx other than 429), in its own words.
    #[error("{message}")]
    Rejected {
        status: Option<u16>,
        message: String,
    },
    /// The credentials were refused (401/403) or are missing.
    #[error("{message}")]
    Auth { message: String },
    /// The provider took the request but did not confirm it within the time allowed (Opsgenie
    /// processes writes on its side): it may still land. Not retried now; kept in the outbox,
    /// whose retry first checks whether it landed.
    #[error("{message}")]
    Unconfirmed { message: String },
    #[error("{0} is not configured")]
    NotConfigured(String),
}

/// How messages name a provider (`pagerduty` → `PagerDuty`).
pub fn display_name(provider: &str) -> &str {
    match provider {
        pagerduty::PROVIDER => pagerduty::NAME,
        opsgenie::PROVIDER => "Opsgenie",
        slack::PROVIDER => "Slack",
        matrix::PROVIDER => "Matrix",
        statuspage::PROVIDER => "Statuspage",
        email::PROVIDER => "SMTP",
        confluence::PROVIDER => "Confluence",
        github::PROVIDER => "GitHub",
        x::PROVIDER => x::NAME,
        mastodon::PROVIDER => mastodon::NAME,
        bluesky::PROVIDER => bluesky::NAME,
        p if webhook::is_webhook(p) => webhook::display_name(p),
        other => other,
    }
}

/// Sends deliveries. The real one is [`Providers`]; tests use fakes.
pub trait Transport {
    /// `attempt` starts at 1; adapters use it to make a retried create idempotent.
    fn send(
        &self,
        d: &Delivery,
        attempt: u32,
    ) -> impl std::future::Future<Output = Result<Receipt, SendError>>;
}

/// The real transport: one lazily built client per configured provider.
pub struct Providers {
    config: crate::config::Config,
    env: crate::config::Env,
    verbose: u8,
    http: OnceCell<Result<reqwest::Client, String>>,
    pagerduty: OnceCell<Result<pagerduty::Client, String>>,
    opsgenie: OnceCell<Result<opsgenie::Client, String>>,
    statuspage: OnceCell<Result<statuspage::Client, String>>,
    email: OnceCell<Result<email::Client, String>>,
    confluence: OnceCell<Result<confluence::Client, String>>,
    github: OnceCell<Result<github::Client, String>>,
    changes_github: OnceCell<Result<github::Client, String>>,
    slack: OnceCell<Result<slack::Client, String>>,
    webhook: OnceCell<Result<webhook::Client, String>>,
    matrix: OnceCell<Result<matrix::Client, String>>,
    x: OnceCell<Result<x::Client, String>>,
    mastodon: OnceCell<Result<mastodon::Client, String>>,
    bluesky: OnceCell<Result<bluesky::Client, String>>,
}

impl Providers {
    pub fn new(config: &crate::config::Config, env: &crate::config::Env, verbose: u8) -> Self {
        Providers {
            config: config.clone(),
            env: env.clone(),
            verbose,
            http: OnceCell::new(),
            pagerduty: OnceCell::new(),
            opsgenie: OnceCell::new(),
            statuspage: OnceCell::new(),
            email: OnceCell::new(),
            confluence: OnceCell::new(),
            github: OnceCell::new(),
            changes_github: OnceCell::new(),
            slack: OnceCell::new(),
            webhook: OnceCell::new(),
            matrix: OnceCell::new(),
            x: OnceCell::new(),
            mastodon: OnceCell::new(),
            bluesky: OnceCell::new(),
        }
    }

    fn http(&self) -> Result<&reqwest::Client, String> {
        self.http
            .get_or_init(|| http::client(&self.config, &self.env).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The Slack client, or why there is none.
    pub fn slack(&self) -> Result<&slack::Client, SendError> {
        lazy(
            &self.slack,
            "slack",
            self.config.values.slack.as_ref(),
            |cfg| {
                slack::Client::new(self.http()?.clone(), cfg, &self.env).map_err(|e| e.to_string())
            },
        )
    }

    /// The Matrix client, or why there is none.
    pub fn matrix(&self) -> Result<&matrix::Client, SendError> {
        lazy(
            &self.matrix,
            "matrix",
            self.config.values.matrix.as_ref(),
            |cfg| {
                matrix::Client::new(self.http()?.clone(), cfg, &self.env).map_err(|e| e.to_string())
            },
        )
    }

    /// The chat webhooks client (Teams, Mattermost, Discord), or why there is none.
    pub fn webhook(&self) -> Result<&webhook::Client, SendError> {
        lazy(
            &self.webhook,
            "webhooks",
            self.config.values.webhooks.as_ref(),
            |cfg| Ok(webhook::Client::new(self.http()?.clone(), cfg, &self.env)),
        )
    }

    /// The SMTP client, or why there is none.
    pub fn email(&self) -> Result<&email::Client, SendError> {
        lazy(
            &self.email,
            "email",
            self.config.values.email.as_ref(),
            |cfg| {
                let timeout = self.config.values.delivery.timeout.0;
                email::Client::new(cfg, &self.config, &self.env, timeout).map_err(|e| e.to_string())
            },
        )
    }

    /// The Confluence client, or why there is none.
    pub fn confluence(&self) -> Result<&confluence::Client, SendError> {
        lazy(
            &self.confluence,
            "confluence",
            self.config.values.confluence.as_ref(),
            |cfg| {
                confluence::Client::new(self.http()?.clone(), cfg, &self.env)
                    .map_err(|e| e.to_string())
            },
        )
    }

    /// The GitHub client, or why there is none.
    pub fn github(&self) -> Result<&github::Client, SendError> {
        lazy(
            &self.github,
            "github",
            self.config.values.github.as_ref(),
            |cfg| {
                github::Client::new(self.http()?.clone(), cfg, &self.env).map_err(|e| e.to_string())
            },
        )
    }

    /// The GitHub client that reads deployments and releases (`inc changes`): `[changes]
    /// github`, else the `[github]` table's API and token, else api.github.com with
    /// `$GITHUB_TOKEN`.
    pub fn changes_github(&self) -> Result<&github::Client, SendError> {
        let v = &self.config.values;
        let cfg = match (&v.changes.github, &v.github) {
            (Some(g), _) => crate::config::GithubConfig {
                api_url: g.api_url.clone(),
                secret: g.secret.clone(),
                ..Default::default()
            },
            (None, Some(g)) => g.clone(),
            (None, None) => crate::config::GithubConfig::default(),
        };
        lazy(&self.changes_github, "changes.github", Some(&cfg), |cfg| {
            github::Client::new(self.http()?.clone(), cfg, &self.env).map_err(|e| e.to_string())
        })
    }

    /// The Opsgenie client, or why there is none.
    pub fn opsgenie(&self) -> Result<&opsgenie::Client, SendError> {
        lazy(
            &self.opsgenie,
            "opsgenie",
            self.config.values.opsgenie.as_ref(),
            |cfg| {
                let timeout = self.config.values.delivery.timeout.0;
                opsgenie::Client::new(self.http()?.clone(), cfg, &self.env, timeout)
                    .map_err(|e| e.to_string())
            },
        )
    }

    /// The X client, or why there is none.
    pub fn x(&self) -> Result<&x::Client, SendError> {
        let cfg = self
            .config
            .values
            .social
            .as_ref()
            .and_then(|s| s.x.as_ref());
        lazy(&self.x, "social.x", cfg, |cfg| {
            x::Client::new(self.http()?.clone(), cfg, &self.env).map_err(|e| e.to_string())
        })
    }

    /// The Mastodon client, or why there is none.
    pub fn mastodon(&self) -> Result<&mastodon::Client, SendError> {
        let cfg = self
            .config
            .values
            .social
            .as_ref()
            .and_then(|s| s.mastodon.as_ref());
        lazy(&self.mastodon, "social.mastodon", cfg, |cfg| {
            mastodon::Client::new(self.http()?.clone(), cfg, &self.env).map_err(|e| e.to_string())
        })
    }

    /// The Bluesky client (one session per run), or why there is none.
    pub fn bluesky(&self) -> Result<&bluesky::Client, SendError> {
        let cfg = self
            .config
            .values
            .social
            .as_ref()
            .and_then(|s| s.bluesky.as_ref());
        lazy(&self.bluesky, "social.bluesky", cfg, |cfg| {
            bluesky::Client::new(self.http()?.clone(), cfg, &self.env).map_err(|e| e.to_string())
        })
    }

    /// The Statuspage client (it keeps calls to the page 1/s apart, across every `inc` that
    /// shares the state dir), or why there is none.
    pub fn statuspage(&self) -> Result<&statuspage::Client, SendError> {
        lazy(
            &self.statuspage,
            "statuspage",
            self.config.values.statuspage.as_ref(),
            |cfg| {
                statuspage::Client::new(self.http()?.clone(), cfg, &self.env)
                    .map(|c| c.paced_in(&self.config.state_dir))
                    .map_err(|e| e.to_string())
            },
        )
    }

    /// The PagerDuty client, or why there is none.
    pub fn pagerduty(&self) -> Result<&pagerduty::Client, SendError> {
        lazy(
            &self.pagerduty,
            "pagerduty",
            self.config.values.pagerduty.as_ref(),
            |cfg| {
                pagerduty::Client::new(self.http()?.clone(), cfg, &self.env)
                    .map_err(|e| e.to_string())
            },
        )
    }
}

impl Providers {
    /// Why `provider` cannot be sent to for want of its secret (its variable unset, its
    /// `token_cmd` failing), naming the variable or `token_cmd`: `None` when it has one, or
    /// is not configured (that is another error). The client is built (and `token_cmd` run)
    /// once per run, so asking first costs nothing later.
    pub fn missing_secret(&self, provider: &str) -> Option<String> {
        match provider {
            pagerduty::PROVIDER => self.pagerduty().ok()?.secret_error(),
            opsgenie::PROVIDER => self.opsgenie().ok()?.secret_error(),
            statuspage::PROVIDER => self.statuspage().ok()?.secret_error(),
            email::PROVIDER => self.email().ok()?.secret_error(),
            confluence::PROVIDER => self.confluence().ok()?.secret_error(),
            github::PROVIDER => self.github().ok()?.secret_error(),
            slack::PROVIDER => self.slack().ok()?.secret_error(),
            matrix::PROVIDER => self.matrix().ok()?.secret_error(),
            x::PROVIDER => self.x().ok()?.secret_error(),
            mastodon::PROVIDER => self.mastodon().ok()?.secret_error(),
            bluesky::PROVIDER => self.bluesky().ok()?.secret_error(),
            p if webhook::is_webhook(p) => self.webhook().ok()?.secret_error(p),
            _ => None,
        }
    }
}

/// A provider's client, built once on first use: `NotConfigured` without its config table, and
/// the build error (a bad URL, an unreadable CA file) every time it is asked for after a failure.
fn lazy<'a, C, T>(
    cell: &'a OnceCell<Result<T, String>>,
    name: &str,
    cfg: Option<&C>,
    build: impl FnOnce(&C) -> Result<T, String>,
) -> Result<&'a T, SendError> {
    let cfg = cfg.ok_or_else(|| SendError::NotConfigured(name.into()))?;
    cell.get_or_init(|| build(cfg))
        .as_ref()
        .map_err(|e| SendError::Rejected {
            status: None,
            message: e.clone(),
        })
}

/// Names of the providers that have a table in the config.
pub fn configured(c: &crate::config::Config) -> Vec<&'static str> {
    let v = &c.values;
    let mut names = Vec::new();
    for (name, present) in [
        ("pagerduty", v.pagerduty.is_some()),
        ("opsgenie", v.opsgenie.is_some()),
        ("slack", v.slack.is_some()),
        ("webhooks", v.webhooks.is_some()),
        ("matrix", v.matrix.is_some()),
        ("statuspage", v.statuspage.is_some()),
        ("social", v.social.is_some()),
        ("email", v.email.is_some()),
        ("confluence", v.confluence.is_some()),
        ("github", v.github.is_some()),
    ] {
        if present {
            names.push(name);
        }
    }
    names
}

impl Transport for Providers {
    async fn send(&self, d: &Delivery, attempt: u32) -> Result<Receipt, SendError> {
        if self.verbose > 0 {
            match &d.request {
                Request::Http(h) => eprintln!(
                    "debug: {} {} attempt {attempt}: {} {}:{}",
                    d.provider, d.action, h.method, h.base, h.path
                ),
                Request::Email(m) => eprintln!(
                    "debug: {} {} attempt {attempt}: SMTP to {} recipient(s)",
                    d.provider,
                    d.action,
                    m.to.len()
                ),
            }
        }
        match d.provider.as_str() {
            pagerduty::PROVIDER => self.pagerduty()?.send(d, attempt).await,
            opsgenie::PROVIDER => self.opsgenie()?.send(d, attempt).await,
            statuspage::PROVIDER => self.statuspage()?.send(d, attempt).await,
            email::PROVIDER => self.email()?.send(d).await,
            confluence::PROVIDER => self.confluence()?.send(d).await,
            github::PROVIDER => self.github()?.send(d).await,
            slack::PROVIDER => self.slack()?.send(d, attempt).await,
            matrix::PROVIDER => self.matrix()?.send(d, attempt).await,
            x::PROVIDER => self.x()?.send(d, attempt).await,
            mastodon::PROVIDER => self.mastodon()?.send(d).await,
            bluesky::PROVIDER => self.bluesky()?.send(d, attempt).await,
            p if webhook::is_webhook(p) => self.webhook()?.send(d).await,
            other => Err(SendError::NotConfigured(other.to_string())),
        }
    }
}

/// Points a delivery made for a place that did not exist yet (a post addressed by the name
/// of the channel or room inc was still creating) at the place's id, once it exists. The
/// target, for people, keeps the name.
pub fn retarget(d: &mut Delivery, place_id: &str) {
    let Request::Http(h) = &mut d.request else {
        return;
    };
    match d.provider.as_str() {
        slack::PROVIDER => {
            if let Some(body) = h.body.as_mut()
                && body.get("channel").is_some()
            {
                body["channel"] = place_id.into();
            }
        }
        matrix::PROVIDER => matrix::retarget(h, place_id),
        _ => {}
    }
}

/// Checks what only an adapter can read in the config (the SMTP URL's scheme and host rules),
/// so that a malformed value is a configuration error for every command, not only `inc email`.
pub fn check_config(config: &crate::config::Config) -> Result<(), crate::config::ConfigError> {
    if let Some(e) = &config.values.email
        && let Some(u) = &e.smtp_url
    {
        email::parse_smtp_url(u).map_err(|message| crate::config::ConfigError::Invalid {
            key: match config.sources.get("email.smtp_url") {
                Some(crate::config::Source::Env(var)) => format!("email.smtp_url (from ${var})"),
                Some(crate::config::Source::File(f)) => format!("email.smtp_url in {f}"),
                _ => "email.smtp_url".to_string(),
            },
            message,
        })?;
    }
    Ok(())
}

/// Makes a delivery carry an inc event the way its provider can (SPEC "One incident, many
/// responders"): Slack message metadata, `org.inc.event` in Matrix content, a marker at the
/// end of a PagerDuty or Opsgenie note (once, however often it is published) and of a
/// PagerDuty incident's body. People still read the same text.
pub fn publish(d: &mut Delivery, inc_id: &str, e: &crate::model::Event) {
    publish_all(d, inc_id, e, &[]);
}

/// [`publish`] of a post that carries several events (a declaration and its roles).
pub fn publish_all(
    d: &mut Delivery,
    inc_id: &str,
    e: &crate::model::Event,
    also: &[crate::model::Event],
) {
    use crate::model::wire;
    let Request::Http(h) = &mut d.request else {
        return;
    };
    let Some(body) = h.body.as_mut() else { return };
    match (d.provider.as_str(), d.action.as_str()) {
        (slack::PROVIDER, "post") => body["metadata"] = wire::slack_metadata(inc_id, e, also),
        (matrix::PROVIDER, "post") => {
            body[wire::MATRIX_EVENT_KEY] = wire::payload(inc_id, e, also);
        }
        (pagerduty::PROVIDER, "add_note") => {
            if let Some(c) = body["note"]["content"].as_str() {
                body["note"]["content"] = wire::marked(c, inc_id, e).into();
            }
        }
        (opsgenie::PROVIDER, "add_note") => {
            if let Some(c) = body["note"].as_str() {
                body["note"] = wire::marked(c, inc_id, e).into();
            }
        }
        (pagerduty::PROVIDER, "create_incident") if body["incident"].is_object() => {
            let details = body["incident"]["body"]["details"].as_str().unwrap_or("");
            body["incident"]["body"] = serde_json::json!({
                "type": "incident_body",
                "details": wire::marked(details, inc_id, e),
            });
        }
        _ => {}
    }
}

/// Names the incident's rooms in the body of the PagerDuty incident a declaration opens
/// (`places`: `(provider, name)`), so that people there and another responder's `inc attach`
/// find them; known before any of them exists, so nothing waits for PagerDuty's answer.
pub fn name_places(d: &mut Delivery, places: &[(&str, &str)]) {
    let text = crate::model::wire::places_text(places);
    let Request::Http(h) = &mut d.request else {
        return;
    };
    let Some(body) = h.body.as_mut() else { return };
    if d.provider != pagerduty::PROVIDER || !body["incident"].is_object() || text.is_empty() {
        return;
    }
    let details = match body["incident"]["body"]["details"].as_str() {
        Some(d) if !d.is_empty() => format!("{d}\n{text}"),
        _ => text,
    };
    body["incident"]["body"] = serde_json::json!({ "type": "incident_body", "details": details });
}
