//! Confluence Cloud REST API v2: publish the post-mortem as a page (shared/notes/apis.md §9,
//! `tests/specs/confluence/openapi-v2.v3.json`). Paths are appended to `[confluence]
//! base_url` as documented (`{base_url}/wiki/api/v2/pages`). Auth is HTTP Basic with
//! `email:api_token`; the token is added when sending, never stored in a delivery.
//!
//! A publish looks the page up by title in the space first, so a retry or a re-run never
//! creates a second page.

use serde_json::{Value, json};

use super::http::{self, Response};
use super::{Delivery, HttpRequest, Receipt, Request, SendError};
use crate::config::{ConfigError, ConfluenceConfig, Env, Secret};

pub const PROVIDER: &str = "confluence";
pub const TOKEN_ENV: &str = "CONFLUENCE_API_TOKEN";
/// The action that publishes a post-mortem (looked up by title before it is created).
pub const PUBLISH: &str = "publish_postmortem";
const API: &str = "/wiki/api/v2";

pub struct Client {
    http: reqwest::Client,
    base: url::Url,
    email: Option<String>,
    token: Result<Secret, String>,
    token_source: String,
    space_key: Option<String>,
}

impl Client {
    /// Why this client has no secret to send with (its variable unset, its `token_cmd`
    /// failing), naming the variable or `token_cmd`; asked before anything is sent.
    pub fn secret_error(&self) -> Option<String> {
        self.token.as_ref().err().cloned()
    }

    pub fn new(
        http: reqwest::Client,
        cfg: &ConfluenceConfig,
        env: &Env,
    ) -> Result<Client, ConfigError> {
        let raw = cfg
            .base_url
            .as_deref()
            .ok_or_else(|| ConfigError::Invalid {
                key: "confluence.base_url".into(),
                message: "is not set (e.g. base_url = \"https://example.atlassian.net\")".into(),
            })?;
        let base = crate::config::check_http_url(raw).map_err(|message| ConfigError::Invalid {
            key: "confluence.base_url".into(),
            message,
        })?;
        Ok(Client {
            http,
            base,
            email: cfg.email.clone(),
            token: cfg
                .secret
                .resolve(TOKEN_ENV, env)
                .map_err(|e| e.to_string()),
            token_source: cfg.secret.describe(TOKEN_ENV),
            space_key: cfg.space_key.clone(),
        })
    }

    fn auth_hint(&self) -> String {
        format!(
            "check confluence.email and the API token in {} and run `inc doctor`",
            self.token_source
        )
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Response, SendError> {
        let token = self.token.as_ref().map_err(|e| SendError::Auth {
            message: format!("no Confluence API token: {e}; run `inc doctor`"),
        })?;
        let email = self.email.as_deref().ok_or_else(|| SendError::Auth {
            message: "confluence.email (the account the API token belongs to) is not set".into(),
        })?;
        let url = http::join(&self.base, path, query);
        let mut req = self
            .http
            .request(method, url)
            .basic_auth(email, Some(token.expose()))
            .header("Accept", "application/json");
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(serde_json::to_vec(b).expect("json"));
        }
        let hint = self.auth_hint();
        http::execute(req, &http::Api::new("Confluence", error_message, &hint)).await
    }

    /// The id of the space `[confluence] space_key` names.
    async fn space_id(&self) -> Result<String, SendError> {
        let key = self
            .space_key
            .as_deref()
            .ok_or_else(|| SendError::Rejected {
                status: None,
                message: "set confluence.space_id or confluence.space_key".into(),
            })?;
        let q = vec![("keys".to_string(), key.to_string())];
        let body = self
            .call(reqwest::Method::GET, &format!("{API}/spaces"), &q, None)
            .await?
            .body;
        body["results"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["key"].as_str().is_none_or(|k| k == key))
            .and_then(|s| s["id"].as_str().map(str::to_string))
            .ok_or_else(|| SendError::Rejected {
                status: Some(404),
                message: format!(
                    "no Confluence space with key '{key}' (or no permission to see it)"
                ),
            })
    }

    /// A page of the space with exactly this title, if there is one.
    async fn find_page(&self, space_id: &str, title: &str) -> Result<Option<Value>, SendError> {
        let q = vec![
            ("space-id".to_string(), space_id.to_string()),
            ("title".to_string(), title.to_string()),
        ];
        let body = self
            .call(reqwest::Method::GET, &format!("{API}/pages"), &q, None)
            .await?
            .body;
        Ok(body["results"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["title"].as_str() == Some(title))
            .cloned())
    }

    pub async fn send(&self, d: &Delivery) -> Result<Receipt, SendError> {
        let Request::Http(req) = &d.request else {
            return Err(SendError::Rejected {
                status: None,
                message: "confluence sends only HTTP requests".into(),
            });
        };
        let mut body = req.body.clone();
        if d.action == PUBLISH
            && let Some(b) = body.as_mut()
        {
            let space_id = match b["spaceId"].as_str() {
                Some(id) => id.to_string(),
                None => {
                    let id = self.space_id().await?;
                    b["spaceId"] = json!(id);
                    id
                }
            };
            let title = b["title"].as_str().unwrap_or_default().to_string();
            if let Some(page) = self.find_page(&space_id, &title).await? {
                let mut r = self.receipt(&page);
                r.note = Some("already published; left as it is".into());
                return Ok(r);
            }
        }
        let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| {
            SendError::Rejected {
                status: None,
                message: e.to_string(),
            }
        })?;
        let resp = self
            .call(method, &req.path, &req.query, body.as_ref())
            .await?;
        Ok(self.receipt(&resp.body))
    }

    fn receipt(&self, page: &Value) -> Receipt {
        let links = &page["_links"];
        let url = links["webui"]
            .as_str()
            .map(|webui| match links["base"].as_str() {
                Some(base) => format!("{}{webui}", base.trim_end_matches('/')),
                None => format!("{}/wiki{webui}", self.base.as_str().trim_end_matches('/')),
            });
        Receipt {
            id: page["id"].as_str().map(str::to_string),
            url,
            note: None,
            body: page.clone(),
        }
    }

    /// `inc doctor`: a read-only call that proves the token and finds the space.
    pub async fn check(&self) -> Result<String, SendError> {
        match &self.space_key {
            Some(key) => {
                let id = self.space_id().await?;
                Ok(format!("token accepted; space {key} is {id}"))
            }
            None => {
                let q = vec![("limit".to_string(), "1".to_string())];
                self.call(reqwest::Method::GET, &format!("{API}/spaces"), &q, None)
                    .await?;
                Ok("token accepted".into())
            }
        }
    }
}

/// v2 `{"errors":[{"status","code","title","detail"}]}`, or v1 `{"message"}`, in plain words.
fn error_message(body: &Value) -> Option<String> {
    if let Some(errors) = body["errors"].as_array() {
        let parts: Vec<String> = errors
            .iter()
            .filter_map(|e| {
                let title = e["title"].as_str().or(e["message"].as_str())?;
                Some(match e["detail"].as_str() {
                    Some(d) if !d.is_empty() => format!("{title} ({d})"),
                    _ => title.to_string(),
                })
            })
            .collect();
        if !parts.is_empty() {
            return Some(parts.join("; "));
        }
    }
    body["message"].as_str().map(str::to_string)
}

// ---- Pure builder ----

/// Publishes a post-mortem page (storage-format XHTML) in the configured space. Without
/// `space_id` the adapter resolves `space_key` when it sends.
pub fn publish_page(
    cfg: &ConfluenceConfig,
    title: &str,
    storage: String,
    dedup_key: String,
    inc_id: Option<&str>,
) -> Delivery {
    let mut body = json!({
        "status": "current",
        "title": title,
        "body": { "representation": "storage", "value": storage },
    });
    if let Some(id) = &cfg.space_id {
        body["spaceId"] = json!(id);
    }
    if let Some(p) = &cfg.parent_id {
        body["parentId"] = json!(p);
    }
    let space = cfg
        .space_key
        .as_deref()
        .or(cfg.space_id.as_deref())
        .unwrap_or("?");
    Delivery {
        provider: PROVIDER.into(),
        action: PUBLISH.into(),
        target: format!("space {space}"),
        dedup_key,
        incident: inc_id.map(str::to_string),
        request: Request::Http(HttpRequest::post(format!("{API}/pages"), body)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_body_has_no_secret_and_the_storage_body() {
        let cfg = ConfluenceConfig {
            space_id: Some("65536".into()),
            space_key: Some("ENG".into()),
            ..Default::default()
        };
        let d = publish_page(&cfg, "Post-mortem", "<p>x</p>".into(), "k".into(), None);
        let Request::Http(h) = &d.request else {
            panic!()
        };
        assert_eq!(h.path, "/wiki/api/v2/pages");
        let b = h.body.as_ref().unwrap();
        assert_eq!(b["spaceId"], "65536");
        assert_eq!(b["body"]["representation"], "storage");
        assert_eq!(d.target, "space ENG");
    }

    #[test]
    fn errors_in_plain_words() {
        let b = json!({"errors":[{"status":400,"code":"INVALID","title":"Title already exists","detail":null}]});
        assert_eq!(error_message(&b).unwrap(), "Title already exists");
        assert_eq!(error_message(&json!({"message":"nope"})).unwrap(), "nope");
    }
}
