//! Slack Web API (`{api_url}/<method>`, `Authorization: Bearer`, JSON bodies). Method-level
//! errors arrive as HTTP 200 `{ok:false,error}` and are mapped here: `not_in_channel` joins the
//! channel and retries once, `name_taken` reuses the existing channel, auth errors name the
//! token's variable. Every user-supplied string is escaped (`&`, `<`, `>`), so a note can never
//! inject a mention. Bodies follow `tests/specs/slack/web-api/slack_web_openapi_v2.json`.

use serde_json::{Value, json};

use super::http;
use super::{Delivery, HttpRequest, Receipt, Request, SendError};
use crate::config::{ConfigError, Env, Secret, SlackConfig};

pub const PROVIDER: &str = "slack";
pub const TOKEN_ENV: &str = "SLACK_BOT_TOKEN";
const DEFAULT_API: &str = "https://slack.com/api";

/// Slack's escaping for text: `&`, `<` and `>` only.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A valid channel name: lowercase letters, digits, `-` and `_`, at most 80 characters.
pub fn channel_name(prefix: &str, date: &str, title: &str) -> String {
    let mut slug = String::new();
    for c in title.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let clean = |s: &str| {
        s.to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect::<String>()
    };
    let mut name = format!(
        "{}{}-{}",
        clean(prefix),
        clean(date),
        slug.trim_matches('-')
    );
    name.truncate(80);
    name.trim_end_matches(['-', '_']).to_string()
}

pub struct Client {
    http: reqwest::Client,
    api: url::Url,
    token: Result<Secret, String>,
    token_env: String,
}

impl Client {
    /// Why this client has no secret to send with (its variable unset, its `token_cmd`
    /// failing), naming the variable or `token_cmd`; asked before anything is sent.
    pub fn secret_error(&self) -> Option<String> {
        self.token.as_ref().err().cloned()
    }

    pub fn new(http: reqwest::Client, cfg: &SlackConfig, env: &Env) -> Result<Client, ConfigError> {
        let api = crate::config::check_http_url(cfg.api_url.as_deref().unwrap_or(DEFAULT_API))
            .map_err(|message| ConfigError::Invalid {
                key: "slack.api_url".into(),
                message,
            })?;
        Ok(Client {
            http,
            api,
            token: cfg
                .secret
                .resolve(TOKEN_ENV, env)
                .map_err(|e| e.to_string()),
            token_env: cfg.secret.describe(TOKEN_ENV),
        })
    }

    /// The Web API base URL (`[slack] api_url`, or Slack's): Socket Mode opens there too.
    pub fn api_url(&self) -> &url::Url {
        &self.api
    }

    /// Calls one method; `{ok:false}` becomes a typed error. Read methods (`auth.test`,
    /// `users.lookupByEmail`, `conversations.info`, `conversations.list`) go as GET with a query,
    /// as Slack documents them; writes as POST with a JSON body.
    pub async fn call(&self, method: &str, body: &Value) -> Result<Value, SendError> {
        let token = self.token.as_ref().map_err(|e| SendError::Auth {
            message: format!("no Slack token: {e}; run `inc doctor`"),
        })?;
        let hint = format!("check the token in {} and run `inc doctor`", self.token_env);
        let read = matches!(
            method,
            "auth.test"
                | "users.lookupByEmail"
                | "conversations.info"
                | "conversations.list"
                | "conversations.history"
                | "conversations.replies"
                | "users.info"
        );
        let req = if read {
            let query: Vec<(String, String)> = body
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect();
            self.http.get(http::join(&self.api, method, &query))
        } else {
            self.http
                .post(http::join(&self.api, method, &[]))
                .header("Content-Type", "application/json; charset=utf-8")
                .body(serde_json::to_vec(body).expect("json"))
        };
        let req = req.header("Authorization", format!("Bearer {}", token.expose()));
        let api = http::Api::new("Slack", |b| b["error"].as_str().map(str::to_string), &hint);
        let resp = http::execute(req, &api).await?;
        if resp.body["ok"].as_bool() == Some(true) {
            return Ok(resp.body);
        }
        let code = resp.body["error"]
            .as_str()
            .unwrap_or("unknown_error")
            .to_string();
        Err(match code.as_str() {
            "not_authed" | "invalid_auth" | "token_revoked" | "account_inactive"
            | "token_expired" => SendError::Auth {
                message: format!("Slack refused the token ({code}); {hint}"),
            },
            "ratelimited"
            | "rate_limited"
            | "internal_error"
            | "fatal_error"
            | "service_unavailable"
            | "request_timeout" => SendError::Transient {
                message: format!("Slack {method}: {code}"),
                retry_after: None,
            },
            "channel_not_found" => SendError::Rejected {
                status: None,
                message: format!(
                    "Slack {method}: channel_not_found (check the channel name, and that the bot may see it)"
                ),
            },
            _ => SendError::Rejected {
                status: None,
                message: format!("Slack {method}: {code}"),
            },
        })
    }

    /// Sends one delivery with Slack's recoveries. Slack has no idempotency key, so a retried
    /// post (`attempt` > 1: an earlier try may have landed with its answer lost) first looks for
    /// itself in the channel's recent history.
    pub async fn send(&self, d: &Delivery, attempt: u32) -> Result<Receipt, SendError> {
        let Request::Http(req) = &d.request else {
            return Err(SendError::Rejected {
                status: None,
                message: "not an HTTP delivery".into(),
            });
        };
        let method = req.path.trim_start_matches('/');
        let body = req.body.clone().unwrap_or(json!({}));
        if method == "chat.postMessage"
            && attempt > 1
            && let Some(r) = self.already_posted(&body).await
        {
            return Ok(r);
        }
        match self.call(method, &body).await {
            Ok(b) => Ok(receipt(&b)),
            // The reaction is there (an earlier try, or another bot's claim): what was asked.
            Err(SendError::Rejected { message, .. })
                if method == "reactions.add" && message.ends_with(": already_reacted") =>
            {
                Ok(Receipt {
                    note: Some("already there".into()),
                    ..Default::default()
                })
            }
            Err(SendError::Rejected { message, .. })
                if message.ends_with(": not_in_channel") && body["channel"].is_string() =>
            {
                self.call("conversations.join", &json!({ "channel": body["channel"] }))
                    .await?;
                self.call(method, &body).await.map(|b| receipt(&b))
            }
            Err(SendError::Rejected { message, .. })
                if method == "conversations.create" && message.ends_with(": name_taken") =>
            {
                let name = body["name"].as_str().unwrap_or_default();
                match self.find_channel(name).await? {
                    Some(id) => Ok(Receipt {
                        id: Some(id),
                        note: Some(format!("reused the existing #{name}")),
                        ..Default::default()
                    }),
                    None => Err(SendError::Rejected {
                        status: None,
                        message: format!(
                            "#{name} exists but the bot cannot see it: invite the bot"
                        ),
                    }),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The message an earlier try of this post left in the channel: among the 50 newest (of
    /// the thread, for a reply: `conversations.history` lists no replies), the one carrying
    /// the same inc event (its metadata), or, for a post without one, the same text. `None`
    /// when there is none, or when the history cannot be read (then the post goes out again:
    /// at least once beats not at all).
    async fn already_posted(&self, body: &Value) -> Option<Receipt> {
        let channel = body["channel"].as_str()?;
        let id = match channel.strip_prefix('#') {
            Some(name) => self.find_channel(name).await.ok()??,
            None => channel.to_string(),
        };
        let mut q = json!({ "channel": id, "include_all_metadata": true, "limit": 50 });
        let method = match body["thread_ts"].as_str() {
            Some(parent) => {
                q["ts"] = json!(parent);
                "conversations.replies"
            }
            None => "conversations.history",
        };
        let history = self.call(method, &q).await.ok()?;
        let event = |m: &Value| {
            m["metadata"]["event_payload"]["event_id"]
                .as_str()
                .filter(|e| !e.is_empty())
                .map(str::to_string)
        };
        let mine = event(body);
        let found = history["messages"]
            .as_array()?
            .iter()
            .find(|m| match &mine {
                Some(e) => event(m).as_ref() == Some(e),
                None => m["text"] == body["text"],
            })?;
        Some(Receipt {
            id: found["ts"].as_str().map(str::to_string),
            url: None,
            note: Some("posted by an earlier try".into()),
            body: json!({ "ok": true, "channel": id, "ts": found["ts"], "message": found }),
        })
    }

    async fn find_channel(&self, name: &str) -> Result<Option<String>, SendError> {
        Ok(self
            .channels_with_prefix(name)
            .await?
            .into_iter()
            .find(|(_, n)| n == name)
            .map(|(id, _)| id))
    }

    /// A channel by id or `#name`: `(id, name, topic)`, or `None` when Slack knows none.
    pub async fn channel(
        &self,
        channel: &str,
    ) -> Result<Option<(String, String, String)>, SendError> {
        let id = match channel.strip_prefix('#') {
            Some(name) => match self.find_channel(name).await? {
                Some(id) => id,
                None => return Ok(None),
            },
            None => channel.to_string(),
        };
        match self
            .call("conversations.info", &json!({ "channel": id }))
            .await
        {
            Ok(b) => Ok(Some((
                b["channel"]["id"].as_str().unwrap_or(&id).to_string(),
                b["channel"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                b["channel"]["topic"]["value"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            ))),
            Err(SendError::Rejected { message, .. }) if message.ends_with("channel_not_found") => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Channels whose name starts with `prefix`: `(id, name)`.
    pub async fn channels_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, String)>, SendError> {
        let mut out = Vec::new();
        let mut cursor = String::new();
        for _ in 0..50 {
            let mut q = json!({ "types": "public_channel,private_channel", "exclude_archived": true, "limit": 200 });
            if !cursor.is_empty() {
                q["cursor"] = json!(cursor);
            }
            let b = self.call("conversations.list", &q).await?;
            for c in b["channels"].as_array().into_iter().flatten() {
                if let (Some(id), Some(name)) = (c["id"].as_str(), c["name"].as_str())
                    && name.starts_with(prefix)
                {
                    out.push((id.to_string(), name.to_string()));
                }
            }
            cursor = b["response_metadata"]["next_cursor"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if cursor.is_empty() {
                break;
            }
        }
        Ok(out)
    }

    /// A channel's messages newer than `oldest` (a message `ts`), oldest first, with their
    /// metadata (`include_all_metadata`): one incremental pull.
    pub async fn history(
        &self,
        channel: &str,
        oldest: Option<&str>,
    ) -> Result<Vec<Value>, SendError> {
        let mut out = Vec::new();
        let mut cursor = String::new();
        for _ in 0..100 {
            let mut q = json!({ "channel": channel, "include_all_metadata": true, "limit": 200 });
            if let Some(o) = oldest {
                q["oldest"] = json!(o);
                q["inclusive"] = json!(false);
            }
            if !cursor.is_empty() {
                q["cursor"] = json!(cursor);
            }
            let b = self.call("conversations.history", &q).await?;
            out.extend(b["messages"].as_array().cloned().unwrap_or_default());
            cursor = b["response_metadata"]["next_cursor"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if cursor.is_empty() || !b["has_more"].as_bool().unwrap_or(false) {
                break;
            }
        }
        // Slack answers newest first; compare as numbers (`1700000000.000010`).
        out.sort_by(|a, b| {
            let ts = |m: &Value| {
                m["ts"]
                    .as_str()
                    .and_then(|t| t.parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            ts(a).total_cmp(&ts(b))
        });
        Ok(out)
    }

    /// A channel's id from `#name` (looked up among the channels the bot can see) or an id as
    /// is; `None` when Slack knows no such channel.
    pub async fn channel_id(&self, channel: &str) -> Result<Option<String>, SendError> {
        match channel.strip_prefix('#') {
            Some(name) => self.find_channel(name).await,
            None => Ok(Some(channel.to_string())),
        }
    }

    /// A channel's messages posted between `oldest` and `latest` (Slack `ts`, Unix seconds),
    /// newest first, at most `max` of them (`inc changes` reads the team's deploy channel).
    pub async fn messages_between(
        &self,
        channel_id: &str,
        oldest: &str,
        latest: &str,
        max: usize,
    ) -> Result<Vec<Value>, SendError> {
        let mut out = Vec::new();
        let mut cursor = String::new();
        while out.len() < max {
            let mut q = json!({ "channel": channel_id, "oldest": oldest, "latest": latest,
                "inclusive": true, "include_all_metadata": true, "limit": 200 });
            if !cursor.is_empty() {
                q["cursor"] = json!(cursor);
            }
            let b = self.call("conversations.history", &q).await?;
            out.extend(b["messages"].as_array().cloned().unwrap_or_default());
            cursor = b["response_metadata"]["next_cursor"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if cursor.is_empty() || !b["has_more"].as_bool().unwrap_or(false) {
                break;
            }
        }
        out.truncate(max);
        Ok(out)
    }

    /// The Slack user behind an email, with the names their profile shows, if there is one.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, SendError> {
        match self
            .call("users.lookupByEmail", &json!({ "email": email }))
            .await
        {
            Ok(b) => Ok(User::from_api(&b["user"], None)),
            Err(SendError::Rejected { message, .. }) if message.ends_with("users_not_found") => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Claims a message for this bot with a reaction (`reactions.add`, built by [`reaction`]):
    /// every `inc bot` of a team shares the bot token, and Slack answers `already_reacted` to
    /// all but the first. A transient failure is tried again (three tries in all); an
    /// `already_reacted` that answers such a retry counts as this bot's claim, since the try
    /// whose answer was lost may be the one that landed: losing a page is worse than acting
    /// twice, and every write the bot makes is keyed by the command anyway.
    pub async fn claim(&self, d: &Delivery) -> Result<Claim, SendError> {
        let Request::Http(req) = &d.request else {
            return Err(SendError::Rejected {
                status: None,
                message: "not an HTTP delivery".into(),
            });
        };
        let body = req.body.clone().unwrap_or(json!({}));
        let mut attempt = 1u32;
        loop {
            match self.call("reactions.add", &body).await {
                Ok(_) => return Ok(Claim::Claimed),
                Err(SendError::Rejected { message, .. })
                    if message.ends_with(": already_reacted") =>
                {
                    return Ok(if attempt == 1 {
                        Claim::AlreadyReacted
                    } else {
                        Claim::Claimed
                    });
                }
                Err(SendError::Transient { retry_after, .. }) if attempt < 3 => {
                    let wait = retry_after
                        .unwrap_or(std::time::Duration::from_millis(250 * u64::from(attempt)));
                    tokio::time::sleep(wait.min(std::time::Duration::from_secs(5))).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// A person or bot of the workspace (`users.info`), or `None` when Slack knows no such
    /// user. `email` needs the `users:read.email` scope.
    pub async fn user(&self, id: &str) -> Result<Option<User>, SendError> {
        match self.call("users.info", &json!({ "user": id })).await {
            Ok(b) => Ok(User::from_api(&b["user"], Some(id))),
            Err(SendError::Rejected { message, .. })
                if message.ends_with(": user_not_found")
                    || message.ends_with(": user_not_visible") =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// `inc doctor`: `auth.test`.
    pub async fn check(&self) -> Result<String, SendError> {
        let b = self.call("auth.test", &json!({})).await?;
        Ok(format!(
            "auth.test ok: {} in {}",
            b["user"].as_str().unwrap_or("?"),
            b["team"].as_str().unwrap_or("?")
        ))
    }

    /// Whether a channel is private (for exec updates about security incidents).
    pub async fn is_private(&self, channel: &str) -> Result<bool, SendError> {
        let b = self
            .call("conversations.info", &json!({ "channel": channel }))
            .await?;
        Ok(b["channel"]["is_private"].as_bool().unwrap_or(false))
    }
}

/// How a claim ([`Client::claim`]) went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Claim {
    /// This bot's reaction is the first: it acts.
    Claimed,
    /// Another bot (same bot token) reacted first: it acts, this one stays silent.
    AlreadyReacted,
}

/// A Slack user as `users.info` describes them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: String,
    /// The handle (`name`).
    pub name: String,
    pub real_name: Option<String>,
    /// The profile email (scope `users:read.email`).
    pub email: Option<String>,
    pub is_bot: bool,
    /// A multi-channel guest.
    pub is_restricted: bool,
    /// A single-channel guest.
    pub is_ultra_restricted: bool,
    /// Deactivated.
    pub deleted: bool,
}

impl User {
    /// From the API's `user` object (`users.info`, `users.lookupByEmail`); its id, else
    /// `id`, else `None`. Texts come from people's profiles: control characters are dropped
    /// and each is at most 200 characters.
    pub fn from_api(u: &Value, id: Option<&str>) -> Option<User> {
        let flag = |k: &str| u[k].as_bool().unwrap_or(false);
        let text = |v: &Value| {
            v.as_str()
                .map(|s| {
                    s.chars()
                        .filter(|c| !c.is_control())
                        .take(200)
                        .collect::<String>()
                })
                .filter(|s| !s.is_empty())
        };
        Some(User {
            id: text(&u["id"]).or_else(|| id.map(str::to_string))?,
            name: text(&u["name"]).unwrap_or_default(),
            real_name: text(&u["profile"]["real_name"]).or_else(|| text(&u["real_name"])),
            email: text(&u["profile"]["email"]),
            is_bot: flag("is_bot"),
            is_restricted: flag("is_restricted"),
            is_ultra_restricted: flag("is_ultra_restricted"),
            deleted: flag("deleted"),
        })
    }

    /// `<@U0123ABCD>`: Slack shows the person's name and notifies them.
    pub fn mention(&self) -> String {
        format!("<@{}>", self.id)
    }

    /// A guest of either kind.
    pub fn is_guest(&self) -> bool {
        self.is_restricted || self.is_ultra_restricted
    }
}

fn receipt(b: &Value) -> Receipt {
    let id = b["channel"]["id"]
        .as_str()
        .or(b["channel"].as_str())
        .map(str::to_string);
    let ts = b["ts"].as_str().map(str::to_string);
    Receipt {
        id: ts.or(id),
        url: None,
        note: None,
        body: b.clone(),
    }
}

// ---- Pure builders ----

fn delivery(
    action: &str,
    target: &str,
    dedup_key: String,
    inc_id: Option<&str>,
    method: &str,
    body: Value,
) -> Delivery {
    Delivery {
        provider: PROVIDER.into(),
        action: action.into(),
        target: target.into(),
        dedup_key,
        incident: inc_id.map(str::to_string),
        request: Request::Http(HttpRequest::post(format!("/{method}"), body)),
    }
}

pub fn create_channel(name: &str, private: bool, dedup_key: String, inc_id: &str) -> Delivery {
    delivery(
        "create_channel",
        &format!("#{name}"),
        dedup_key,
        Some(inc_id),
        "conversations.create",
        json!({ "name": name, "is_private": private }),
    )
}

pub fn set_topic(channel: &str, topic: &str, dedup_key: String, inc_id: &str) -> Delivery {
    let topic: String = topic.chars().take(250).collect();
    delivery(
        "set_topic",
        channel,
        dedup_key,
        Some(inc_id),
        "conversations.setTopic",
        json!({ "channel": channel, "topic": topic }),
    )
}

/// A post. `text` is already escaped; `blocks` (Block Kit) is optional, `text` stays the fallback.
pub fn post(
    channel: &str,
    text: &str,
    blocks: Option<Value>,
    dedup_key: String,
    inc_id: Option<&str>,
) -> Delivery {
    let mut body = json!({ "channel": channel, "text": text, "unfurl_links": false });
    if let Some(b) = blocks {
        body["blocks"] = b;
    }
    delivery("post", channel, dedup_key, inc_id, "chat.postMessage", body)
}

/// A reply in the thread of the message `thread_ts` (a command's own `ts` or the root of its
/// thread), mentioning the sender and nobody else: `text` is already escaped, so it names no
/// one; the mention is `<@sender>` only when `sender` is a Slack user id. It stays in the thread
/// (`reply_broadcast: false`). Its action is `post`, so [`super::publish`] makes it carry its
/// inc event like every post, and a retried reply first looks for itself in the thread.
pub fn reply(
    channel: &str,
    thread_ts: &str,
    sender: &str,
    text: &str,
    blocks: Option<Value>,
    dedup_key: String,
    inc_id: Option<&str>,
) -> Delivery {
    let is_user_id = sender.len() >= 2
        && sender.len() <= 32
        && sender.starts_with(['U', 'W'])
        && sender
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    let text = if is_user_id {
        format!("<@{sender}> {text}")
    } else {
        text.to_string()
    };
    let mut d = post(channel, &text, blocks, dedup_key, inc_id);
    if let Request::Http(h) = &mut d.request
        && let Some(body) = h.body.as_mut()
    {
        body["thread_ts"] = json!(thread_ts);
        body["reply_broadcast"] = json!(false);
    }
    d
}

/// An edit of the message `ts` (`chat.update`): new `text` (already escaped) and `blocks`.
/// `metadata`: `None` keeps the message's metadata as it is (Slack keeps what an update does
/// not name), `Some` replaces it (a stalk renewing its lease).
pub fn update(
    channel: &str,
    ts: &str,
    text: &str,
    blocks: Option<Value>,
    metadata: Option<Value>,
    dedup_key: String,
    inc_id: Option<&str>,
) -> Delivery {
    let mut body = json!({ "channel": channel, "ts": ts, "text": text });
    if let Some(b) = blocks {
        body["blocks"] = b;
    }
    if let Some(m) = metadata {
        body["metadata"] = m;
    }
    delivery("update", channel, dedup_key, inc_id, "chat.update", body)
}

/// A reaction `name` (no colons: `eyes`) on the message `ts`; see [`Client::claim`].
pub fn reaction(
    channel: &str,
    ts: &str,
    name: &str,
    dedup_key: String,
    inc_id: Option<&str>,
) -> Delivery {
    delivery(
        "react",
        channel,
        dedup_key,
        inc_id,
        "reactions.add",
        json!({ "channel": channel, "timestamp": ts, "name": name.trim_matches(':') }),
    )
}

pub fn pin(channel: &str, ts: &str, dedup_key: String, inc_id: &str) -> Delivery {
    delivery(
        "pin",
        channel,
        dedup_key,
        Some(inc_id),
        "pins.add",
        json!({ "channel": channel, "timestamp": ts }),
    )
}

pub fn invite(channel: &str, users: &[String], dedup_key: String, inc_id: &str) -> Delivery {
    delivery(
        "invite",
        channel,
        dedup_key,
        Some(inc_id),
        "conversations.invite",
        json!({ "channel": channel, "users": users.join(",") }),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn escapes_mentions() {
        assert_eq!(
            escape("<!channel> & <@U123>"),
            "&lt;!channel&gt; &amp; &lt;@U123&gt;"
        );
    }

    #[test]
    fn channel_names_are_valid() {
        let n = channel_name("inc-", "20261126", "Checkout: 500s for ALL users!! (EU)");
        assert_eq!(n, "inc-20261126-checkout-500s-for-all-users-eu");
        let long = channel_name("inc-", "20261126", &"very long title ".repeat(20));
        assert!(long.len() <= 80 && !long.ends_with('-'));
    }

    /// Property tests: whatever a user types, Slack's escaping leaves no `<…>` control sequence
    /// (`<!here>`, `<!channel>`, `<@U…>`, `<#C…>`, `<!subteam^…>`), loses nothing, and
    /// channel names stay valid.
    pub(crate) mod props {
        use super::*;
        use proptest::prelude::*;

        /// User text that tries every mention and escape trick, or anything at all.
        pub fn hostile() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                prop::sample::select(vec![
                    "<!here>",
                    "<!channel>",
                    "<!everyone>",
                    "<!subteam^S1|team>",
                    "<@U123>",
                    "<#C1>",
                    "<http://x|y>",
                    "@here",
                    "@channel",
                    "&",
                    "&amp;",
                    "&lt;",
                    "<",
                    ">",
                    "<!",
                    "!",
                    "\n",
                    " ",
                ])
                .prop_map(String::from),
                "[a-zA-Z]{0,4}",
                any::<char>().prop_map(String::from),
            ];
            prop_oneof![
                any::<String>(),
                prop::collection::vec(piece, 0..24).prop_map(|v| v.concat()),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn escaped_text_has_no_control_sequences_and_loses_nothing(s in hostile()) {
                let e = escape(&s);
                prop_assert!(!e.contains('<') && !e.contains('>'), "{:?} → {:?}", s, e);
                let back = e.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
                prop_assert_eq!(back, s);
            }

            #[test]
            fn channel_names_stay_valid(prefix in "[a-z-]{0,10}", title in hostile()) {
                let n = channel_name(&prefix, "20261126", &title);
                prop_assert!(n.len() <= 80, "{}", n);
                prop_assert!(
                    n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'),
                    "{}", n
                );
            }
        }
    }
}
