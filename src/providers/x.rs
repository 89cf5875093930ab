//! X (API v2): the public update as a post (`POST /2/tweets`), its removal (`DELETE
//! /2/tweets/{id}`), and `GET /2/users/me` to prove the token. Bodies follow
//! `tests/specs/x/openapi.json`. The token is an OAuth 2.0 user access token (scopes
//! `tweet.read tweet.write users.read`) from `$INC_X_TOKEN` (or `token_env`/`token_cmd`), sent
//! as `Authorization: Bearer` when sending; the app-only bearer token cannot post.
//!
//! X has no idempotency key. A retried post (a second attempt, or an `inc outbox retry`) first
//! reads the account's recent posts and answers with the one already there; so does a post X
//! refuses as duplicate content.

use serde_json::{Value, json};

use super::http::{self, Response};
use super::{Delivery, HttpRequest, Receipt, Request, SendError};
use crate::config::{ConfigError, Env, Secret, XConfig};

pub const PROVIDER: &str = "x";
pub const NAME: &str = "X";
pub const TOKEN_ENV: &str = "INC_X_TOKEN";
pub const DEFAULT_API: &str = "https://api.x.com";
/// How many of the account's latest posts a retried post compares with.
const LOOKBACK: &str = "20";

pub struct Client {
    http: reqwest::Client,
    api: url::Url,
    token: Result<Secret, String>,
    token_source: String,
    /// The account's user id, read once (`GET /2/users/me`).
    me: tokio::sync::OnceCell<Value>,
}

impl Client {
    /// Why this client has no secret to send with (its variable unset, its `token_cmd`
    /// failing), naming the variable or `token_cmd`; asked before anything is sent.
    pub fn secret_error(&self) -> Option<String> {
        self.token.as_ref().err().cloned()
    }

    pub fn new(http: reqwest::Client, cfg: &XConfig, env: &Env) -> Result<Client, ConfigError> {
        let api = crate::config::check_http_url(cfg.api_url.as_deref().unwrap_or(DEFAULT_API))
            .map_err(|message| ConfigError::Invalid {
                key: "social.x.api_url".into(),
                message,
            })?;
        Ok(Client {
            http,
            api,
            token: cfg
                .secret
                .resolve(TOKEN_ENV, env)
                .map_err(|e| e.to_string()),
            token_source: cfg.secret.describe(TOKEN_ENV),
            me: tokio::sync::OnceCell::new(),
        })
    }

    /// Why no post can go out (the token is missing), if so.
    pub fn credentials(&self) -> Result<(), String> {
        self.token.as_ref().map(|_| ()).map_err(Clone::clone)
    }

    /// Where the token comes from, for messages (`$INC_X_TOKEN`).
    pub fn token_source(&self) -> &str {
        &self.token_source
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Response, SendError> {
        let token = self.token.as_ref().map_err(|e| SendError::Auth {
            message: format!("no X token: {e}; run `inc doctor`"),
        })?;
        let url = http::join(&self.api, path, query);
        let req = http::request(
            &self.http,
            method,
            url,
            format!("Bearer {}", token.expose()),
            body,
        )?;
        let hint = format!(
            "check the OAuth 2.0 user token in {} (scopes tweet.read tweet.write users.read) and run `inc doctor`",
            self.token_source
        );
        http::execute(req, &http::Api::new(NAME, error_message, &hint)).await
    }

    /// Sends one delivery; `attempt` > 1 makes a post look for itself first.
    pub async fn send(&self, d: &Delivery, attempt: u32) -> Result<Receipt, SendError> {
        let Request::Http(req) = &d.request else {
            return Err(SendError::Rejected {
                status: None,
                message: "x sends only HTTP requests".into(),
            });
        };
        let text = req
            .body
            .as_ref()
            .and_then(|b| b["text"].as_str())
            .unwrap_or_default();
        if d.action == "post"
            && attempt > 1
            && let Some(found) = self.find_posted(text).await?
        {
            return Ok(found);
        }
        match self
            .call(&req.method, &req.path, &req.query, req.body.as_ref())
            .await
        {
            Ok(resp) if d.action == "delete" => Ok(Receipt {
                id: req.path.rsplit('/').next().map(str::to_string),
                body: resp.body,
                ..Default::default()
            }),
            Ok(resp) => Ok(receipt(&resp.body["data"])),
            // X refuses the same words twice: the first try landed.
            Err(SendError::Auth { message }) if d.action == "post" && is_duplicate(&message) => {
                match self.find_posted(text).await? {
                    Some(found) => Ok(found),
                    None => Err(SendError::Rejected {
                        status: Some(403),
                        message,
                    }),
                }
            }
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

    async fn me(&self) -> Result<&Value, SendError> {
        self.me
            .get_or_try_init(|| async {
                let body = self.call("GET", "/2/users/me", &[], None).await?.body;
                Ok(body["data"].clone())
            })
            .await
    }

    /// The account's recent post with these words, if there is one.
    async fn find_posted(&self, text: &str) -> Result<Option<Receipt>, SendError> {
        let me = self.me().await?;
        let Some(id) = me["id"].as_str() else {
            return Ok(None);
        };
        let q = vec![
            ("max_results".to_string(), LOOKBACK.to_string()),
            ("exclude".to_string(), "replies,retweets".to_string()),
        ];
        let path = format!("/2/users/{id}/tweets");
        let posts = self.call("GET", &path, &q, None).await?.body;
        let wanted = comparable(text);
        let found = posts["data"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["text"].as_str().is_some_and(|t| comparable(t) == wanted));
        Ok(found.map(|p| {
            let mut r = receipt(p);
            r.note = Some("already posted".into());
            r
        }))
    }

    /// `inc doctor`: a read-only call that proves the token.
    pub async fn check(&self) -> Result<String, SendError> {
        let me = self.me().await?;
        Ok(format!(
            "@{} ({})",
            me["username"].as_str().unwrap_or("?"),
            me["name"].as_str().unwrap_or("?")
        ))
    }
}

fn receipt(post: &Value) -> Receipt {
    let id = post["id"].as_str().map(str::to_string);
    Receipt {
        url: id
            .as_ref()
            .map(|id| format!("https://x.com/i/web/status/{id}")),
        id,
        note: None,
        body: post.clone(),
    }
}

/// X rewrites links to t.co and escapes `&`, `<`, `>` in the text it returns: compare without them.
fn comparable(text: &str) -> String {
    let text = text
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    let mut out = String::new();
    let mut at = 0;
    for r in super::social::url_ranges(&text) {
        out.push_str(&text[at..r.start]);
        out.push_str("<url>");
        at = r.end;
    }
    out.push_str(&text[at..]);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_duplicate(message: &str) -> bool {
    message.to_ascii_lowercase().contains("duplicate content")
}

/// X's errors: a problem document (`title`, `detail`) or `{"errors": [{"message"}]}`.
fn error_message(body: &Value) -> Option<String> {
    if let Some(d) = body["detail"].as_str() {
        return Some(d.to_string());
    }
    let msgs: Vec<&str> = body["errors"]
        .as_array()?
        .iter()
        .filter_map(|e| e["message"].as_str().or(e["detail"].as_str()))
        .collect();
    (!msgs.is_empty()).then(|| msgs.join("; "))
}

// ---- Pure builders: each returns the delivery; nothing here touches the network. ----

/// A post with `text` (already within X's limit).
pub fn post(text: &str, inc_id: &str, dedup_key: String) -> Delivery {
    Delivery {
        provider: PROVIDER.into(),
        action: "post".into(),
        target: "X".into(),
        dedup_key,
        incident: Some(inc_id.to_string()),
        request: Request::Http(HttpRequest::post("/2/tweets", json!({ "text": text }))),
    }
}

/// Deletes the post `id`.
pub fn delete(id: &str, inc_id: &str, dedup_key: String) -> Delivery {
    Delivery {
        provider: PROVIDER.into(),
        action: "delete".into(),
        target: "X".into(),
        dedup_key,
        incident: Some(inc_id.to_string()),
        request: Request::Http(HttpRequest {
            method: "DELETE".into(),
            body: None,
            ..HttpRequest::post(format!("/2/tweets/{id}"), Value::Null)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_found_again_compares_without_tco_links() {
        assert_eq!(
            comparable("Fixed &amp; watching.\nhttps://t.co/AbC123"),
            comparable("Fixed & watching. https://stspg.io/xyz")
        );
        assert_ne!(comparable("Fixed."), comparable("Fixed!"));
    }

    #[test]
    fn errors_in_xs_words() {
        assert_eq!(
            error_message(&json!({"title": "Forbidden", "detail": "You are not allowed to create a Tweet with duplicate content."})).unwrap(),
            "You are not allowed to create a Tweet with duplicate content."
        );
        assert_eq!(
            error_message(&json!({"errors": [{"message": "a"}, {"message": "b"}]})).unwrap(),
            "a; b"
        );
        assert!(is_duplicate(
            "HTTP 403: You are not allowed to create a Tweet with duplicate content.; check"
        ));
    }

    #[test]
    fn builders_carry_no_secret() {
        let d = post("hi", "inc1", "k".into());
        let s = serde_json::to_string(&d).unwrap();
        assert!(s.contains("/2/tweets") && !s.contains("Bearer"));
        let d = delete("123", "inc1", "k2".into());
        let Request::Http(h) = &d.request else {
            panic!()
        };
        assert_eq!(
            (h.method.as_str(), h.path.as_str()),
            ("DELETE", "/2/tweets/123")
        );
    }
}
