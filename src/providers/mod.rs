//! Provider adapters. Every outgoing write is first a [`Delivery`]: plain, serializable data that
//! can be sent, printed by `--dry-run`, journaled, or parked in the outbox. Secrets are never
//! part of a delivery: each adapter adds its credentials when it sends.

use std::cell::OnceCell;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub mod http;
pub mod pagerduty;

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
    #[error("{0} is not configured")]
    NotConfigured(String),
}

/// Sends deliveries. The real one is [`crate::ctx::Providers`]; tests use fakes.
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
}

impl Providers {
    pub fn new(config: &crate::config::Config, env: &crate::config::Env, verbose: u8) -> Self {
        Providers {
            config: config.clone(),
            env: env.clone(),
            verbose,
            http: OnceCell::new(),
            pagerduty: OnceCell::new(),
        }
    }

    fn http(&self) -> Result<&reqwest::Client, String> {
        self.http
            .get_or_init(|| http::client(&self.config, &self.env).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The PagerDuty client, or why there is none.
    pub fn pagerduty(&self) -> Result<&pagerduty::Client, SendError> {
        let Some(cfg) = &self.config.values.pagerduty else {
            return Err(SendError::NotConfigured("pagerduty".into()));
        };
        self.pagerduty
            .get_or_init(|| {
                let http = self.http()?.clone();
                pagerduty::Client::new(http, cfg, &self.env).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| SendError::Rejected {
                status: None,
                message: e.clone(),
            })
    }
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
        ("email", v.email.is_some()),
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
            let Request::Http(h) = &d.request;
            eprintln!(
                "debug: {} {} attempt {attempt}: {} {}:{}",
                d.provider, d.action, h.method, h.base, h.path
            );
        }
        match d.provider.as_str() {
            pagerduty::PROVIDER => self.pagerduty()?.send(d).await,
            other => Err(SendError::NotConfigured(other.to_string())),
        }
    }
}
