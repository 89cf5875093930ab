//! Mastodon: the public update as a status (`POST /api/v1/statuses`), its removal (`DELETE
//! /api/v1/statuses/{id}`), and `GET /api/v1/accounts/verify_credentials` to prove the token.
//! Bodies follow `tests/specs/mastodon/schema.json` (a third-party description of Mastodon's
//! documented API). The access token (scope `write:statuses`; `read:accounts` or `profile` for
//! doctor) comes from `$INC_MASTODON_TOKEN` (or `token_env`/`token_cmd`).
//!
//! Every post carries its dedup key as the `Idempotency-Key` header: the instance answers a
//! retried post (within the hour it keeps keys) with the status it already made.

use serde_json::{Value, json};

use super::http::{self, Response};
use super::{Delivery, HttpRequest, Receipt, Request, SendError};
use crate::config::{ConfigError, Env, MastodonConfig, Secret};

pub const PROVIDER: &str = "mastodon";
pub const NAME: &str = "Mastodon";
pub const TOKEN_ENV: &str = "INC_MASTODON_TOKEN";

pub struct Client {
    http: reqwest::Client,
    instance: url::Url,
    token: Result<Secret, String>,
    token_source: String,
}

impl Client {
    /// Why this client has no secret to send with (its variable unset, its `token_cmd`
    /// failing), naming the variable or `token_cmd`; asked before anything is sent.
    pub fn secret_error(&self) -> Option<String> {
        self.token.as_ref().err().cloned()
    }

    pub fn new(
        http: reqwest::Client,
        cfg: &MastodonConfig,
        env: &Env,
    ) -> Result<Client, ConfigError> {
        let instance = cfg
            .instance
            .as_deref()
            .ok_or_else(|| ConfigError::Invalid {
                key: "social.mastodon.instance".into(),
                message: "not set: the account's server, e.g. \"https://mastodon.example\"".into(),
            })?;
        let instance =
            crate::config::check_http_url(instance).map_err(|message| ConfigError::Invalid {
                key: "social.mastodon.instance".into(),
                message,
            })?;
        Ok(Client {
            http,
            instance,
            token: cfg
                .secret
                .resolve(TOKEN_ENV, env)
                .map_err(|e| e.to_string()),
            token_source: cfg.secret.describe(TOKEN_ENV),
        })
    }

    /// Why no post can go out (the token is missing), if so.
    pub fn credentials(&self) -> Result<(), String> {
        self.token.as_ref().map(|_| ()).map_err(Clone::clone)
    }

    pub fn token_source(&self) -> &str {
        &self.token_source
    }

    /// The instance's host, e.g. `mastodon.example`.
    pub fn host(&self) -> String {
        self.instance.host_str().unwrap_or_default().to_string()
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> Result<Response, SendError> {
        let token = self.token.as_ref().map_err(|e| SendError::Auth {
            message: format!("no Mastodon token: {e}; run `inc doctor`"),
        })?;
        let url = http::join(&self.instance, path, &[]);
        let mut req = http::request(
            &self.http,
            method,
            url,
            format!("Bearer {}", token.expose()),
            body,
        )?;
        if let Some(key) = idempotency_key {
            req = req.header("Idempotency-Key", key);
        }
        let hint = format!(
            "check the access token in {} (scope write:statuses) and run `inc doctor`",
            self.token_source
        );
        http::execute(req, &http::Api::new(NAME, error_message, &hint)).await
    }

    pub async fn send(&self, d: &Delivery) -> Result<Receipt, SendError> {
        let Request::Http(req) = &d.request else {
            return Err(SendError::Rejected {
                status: None,
                message: "mastodon sends only HTTP requests".into(),
            });
        };
        let key = (d.action == "post").then_some(d.dedup_key.as_str());
        match self
            .call(&req.method, &req.path, req.body.as_ref(), key)
            .await
        {
            Ok(resp) => Ok(Receipt {
                id: resp.body["id"].as_str().map(str::to_string),
                url: resp.body["url"].as_str().map(str::to_string),
                note: None,
                body: resp.body,
            }),
            Err(SendError::Rejected {
                status: Some(404), ..
            }) if d.action == "delete" => Ok(Receipt {
                id: req.path.rsplit('/').next().map(str::to_string),
                note: Some("already deleted".into()),
                ..Default::default()
            }),
            Err(e) => Err(e),
        }
    }

    /// `inc doctor`: a read-only call that proves the token.
    pub async fn check(&self) -> Result<String, SendError> {
        let me = self
            .call("GET", "/api/v1/accounts/verify_credentials", None, None)
            .await?
            .body;
        Ok(format!(
            "@{}@{}",
            me["acct"].as_str().unwrap_or("?"),
            self.host()
        ))
    }
}

/// `{"error": "...", "error_description"?: "..."}` (the Error entity).
fn error_message(body: &Value) -> Option<String> {
    let e = body["error"].as_str()?;
    Some(match body["error_description"].as_str() {
        Some(d) => format!("{e}: {d}"),
        None => e.to_string(),
    })
}

// ---- Pure builders ----

/// A public status with `text` (already within the instance's limit).
pub fn post(text: &str, host: &str, inc_id: &str, dedup_key: String) -> Delivery {
    Delivery {
        provider: PROVIDER.into(),
        action: "post".into(),
        target: host.to_string(),
        dedup_key,
        incident: Some(inc_id.to_string()),
        request: Request::Http(HttpRequest::post(
            "/api/v1/statuses",
            json!({ "status": text, "visibility": "public" }),
        )),
    }
}

/// Deletes the status `id`.
pub fn delete(id: &str, host: &str, inc_id: &str, dedup_key: String) -> Delivery {
    Delivery {
        provider: PROVIDER.into(),
        action: "delete".into(),
        target: host.to_string(),
        dedup_key,
        incident: Some(inc_id.to_string()),
        request: Request::Http(HttpRequest {
            method: "DELETE".into(),
            body: None,
            ..HttpRequest::post(format!("/api/v1/statuses/{id}"), Value::Null)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_in_mastodons_words() {
        assert_eq!(
            error_message(&json!({"error": "The access token is invalid"})).unwrap(),
            "The access token is invalid"
        );
        assert_eq!(error_message(&json!({"x": 1})), None);
    }
}
