//! Bluesky (the AT Protocol, XRPC on the account's PDS): a session from the handle and an app
//! password (`com.atproto.server.createSession`), the public update as an `app.bsky.feed.post`
//! record (`com.atproto.repo.createRecord`) with link facets (UTF-8 byte offsets), its removal
//! (`com.atproto.repo.deleteRecord`, by the record key from the `at://` URI), and
//! `com.atproto.server.getSession` to prove the password. Bodies follow the Lexicons in
//! `tests/specs/bluesky/`. The app password comes from `$INC_BLUESKY_APP_PASSWORD` (or
//! `password_env`/`password_cmd`); the session's token is kept in memory for one run only.
//!
//! A post's record key is chosen by inc (a TID derived from the update), so a retried post
//! (a second attempt, an `inc outbox retry`) first reads that record
//! (`com.atproto.repo.getRecord`) and, when it is there, makes no second one.

use std::ops::Range;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::http::{self, Response};
use super::{Delivery, HttpRequest, Receipt, Request, SendError};
use crate::config::{BlueskyConfig, ConfigError, Env, Secret};

pub const PROVIDER: &str = "bluesky";
pub const NAME: &str = "Bluesky";
pub const PASSWORD_ENV: &str = "INC_BLUESKY_APP_PASSWORD";
pub const DEFAULT_SERVICE: &str = "https://bsky.social";
pub const POST: &str = "app.bsky.feed.post";

pub struct Client {
    http: reqwest::Client,
    service: url::Url,
    handle: String,
    password: Result<Secret, String>,
    password_source: String,
    session: tokio::sync::Mutex<Option<Session>>,
}

#[derive(Clone)]
struct Session {
    access: Secret,
    did: String,
}

impl Client {
    /// Why this client has no secret to send with (its variable unset, its `token_cmd`
    /// failing), naming the variable or `token_cmd`; asked before anything is sent.
    pub fn secret_error(&self) -> Option<String> {
        self.password.as_ref().err().cloned()
    }

    pub fn new(
        http: reqwest::Client,
        cfg: &BlueskyConfig,
        env: &Env,
    ) -> Result<Client, ConfigError> {
        let service =
            crate::config::check_http_url(cfg.service.as_deref().unwrap_or(DEFAULT_SERVICE))
                .map_err(|message| ConfigError::Invalid {
                    key: "social.bluesky.service".into(),
                    message,
                })?;
        let handle = cfg
            .handle
            .as_deref()
            .map(|h| h.trim().trim_start_matches('@'))
            .filter(|h| !h.is_empty())
            .ok_or_else(|| ConfigError::Invalid {
                key: "social.bluesky.handle".into(),
                message: "not set: the account's handle, e.g. \"status.example.com\"".into(),
            })?;
        let secret = cfg.secret();
        Ok(Client {
            http,
            service,
            handle: handle.to_string(),
            password: secret.resolve(PASSWORD_ENV, env).map_err(|e| e.to_string()),
            password_source: secret.describe(PASSWORD_ENV),
            session: tokio::sync::Mutex::new(None),
        })
    }

    /// Why no post can go out (the app password is missing), if so.
    pub fn credentials(&self) -> Result<(), String> {
        self.password.as_ref().map(|_| ()).map_err(Clone::clone)
    }

    pub fn password_source(&self) -> &str {
        &self.password_source
    }

    pub fn handle(&self) -> &str {
        &self.handle
    }

    fn hint(&self) -> String {
        format!(
            "check the handle and the app password in {} and run `inc doctor`",
            self.password_source
        )
    }

    async fn xrpc(
        &self,
        method: &str,
        nsid: &str,
        bearer: &Secret,
        body: Option<&Value>,
    ) -> Result<Response, SendError> {
        let url = http::join(&self.service, &format!("/xrpc/{nsid}"), &[]);
        let req = http::request(
            &self.http,
            method,
            url,
            format!("Bearer {}", bearer.expose()),
            body,
        )?;
        http::execute(req, &http::Api::new(NAME, error_message, &self.hint())).await
    }

    /// The run's session, created on first use.
    async fn session(&self, fresh: bool) -> Result<Session, SendError> {
        let mut held = self.session.lock().await;
        if let Some(s) = held.as_ref().filter(|_| !fresh) {
            return Ok(s.clone());
        }
        let password = self.password.as_ref().map_err(|e| SendError::Auth {
            message: format!("no Bluesky app password: {e}; run `inc doctor`"),
        })?;
        let url = http::join(&self.service, "/xrpc/com.atproto.server.createSession", &[]);
        let body = json!({ "identifier": self.handle, "password": password.expose() });
        let req = self
            .http
            .post(url)
            .header("Content-Type", "application/json")
            .body(serde_json::to_vec(&body).expect("json"));
        let resp = http::execute(req, &http::Api::new(NAME, error_message, &self.hint())).await?;
        let access = resp.body["accessJwt"]
            .as_str()
            .ok_or_else(|| SendError::Rejected {
                status: Some(resp.status),
                message: "createSession answered without an accessJwt".into(),
            })?;
        let s = Session {
            access: Secret::new(access.to_string()),
            did: resp.body["did"].as_str().unwrap_or_default().to_string(),
        };
        *held = Some(s.clone());
        Ok(s)
    }

    /// One authenticated procedure call; an expired session is renewed once.
    async fn procedure(&self, nsid: &str, body: &Value) -> Result<(Session, Response), SendError> {
        let s = self.session(false).await?;
        match self.xrpc("POST", nsid, &s.access, Some(body)).await {
            Err(SendError::Rejected { message, .. } | SendError::Auth { message })
                if message.contains("ExpiredToken") =>
            {
                let s = self.session(true).await?;
                let r = self.xrpc("POST", nsid, &s.access, Some(body)).await?;
                Ok((s, r))
            }
            other => other.map(|r| (s, r)),
        }
    }

    /// Sends one delivery; `attempt` > 1 makes a post look for its record first (the PDS
    /// answers a second create under the same key with an internal error).
    pub async fn send(&self, d: &Delivery, attempt: u32) -> Result<Receipt, SendError> {
        let Request::Http(req) = &d.request else {
            return Err(SendError::Rejected {
                status: None,
                message: "bluesky sends only HTTP requests".into(),
            });
        };
        let body = req.body.clone().unwrap_or(Value::Null);
        let nsid = req.path.trim_start_matches("/xrpc/");
        let rkey = body["rkey"].as_str().unwrap_or_default().to_string();
        if d.action == "post"
            && attempt > 1
            && let Some(uri) = self.find_record(&rkey).await?
        {
            let mut r = self.receipt(&json!({ "uri": uri }), &rkey);
            r.note = Some("already posted".into());
            return Ok(r);
        }
        match self.procedure(nsid, &body).await {
            Ok((_, resp)) if d.action == "post" => Ok(self.receipt(&resp.body, &rkey)),
            Ok((s, _)) => Ok(Receipt {
                id: Some(at_uri(&s.did, &rkey)),
                ..Default::default()
            }),
            Err(e) => Err(e),
        }
    }

    /// The `at://` URI of the account's post `rkey`, if it exists
    /// (`com.atproto.repo.getRecord`).
    async fn find_record(&self, rkey: &str) -> Result<Option<String>, SendError> {
        let s = self.session(false).await?;
        let q = vec![
            ("repo".to_string(), self.handle.clone()),
            ("collection".to_string(), POST.to_string()),
            ("rkey".to_string(), rkey.to_string()),
        ];
        let url = http::join(&self.service, "/xrpc/com.atproto.repo.getRecord", &q);
        let req = http::request(
            &self.http,
            "GET",
            url,
            format!("Bearer {}", s.access.expose()),
            None,
        )?;
        match http::execute(req, &http::Api::new(NAME, error_message, &self.hint())).await {
            Ok(r) => Ok(r.body["uri"].as_str().map(str::to_string)),
            Err(SendError::Rejected {
                status: Some(400 | 404),
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn receipt(&self, body: &Value, rkey: &str) -> Receipt {
        Receipt {
            id: body["uri"].as_str().map(str::to_string),
            url: Some(format!(
                "https://bsky.app/profile/{}/post/{rkey}",
                self.handle
            )),
            note: None,
            body: body.clone(),
        }
    }

    /// `inc doctor`: signs in with the app password and reads the session back.
    pub async fn check(&self) -> Result<String, SendError> {
        let s = self.session(false).await?;
        let me = self
            .xrpc("GET", "com.atproto.server.getSession", &s.access, None)
            .await?
            .body;
        Ok(format!(
            "@{} ({})",
            me["handle"].as_str().unwrap_or("?"),
            me["did"].as_str().unwrap_or("?")
        ))
    }
}

fn at_uri(did: &str, rkey: &str) -> String {
    format!("at://{did}/{POST}/{rkey}")
}

/// The record key of an `at://` URI (its last segment).
pub fn rkey_of(uri: &str) -> Option<&str> {
    uri.strip_prefix("at://")?
        .rsplit('/')
        .next()
        .filter(|k| !k.is_empty())
}

/// XRPC errors: `{"error": "InvalidRequest", "message": "..."}`.
fn error_message(body: &Value) -> Option<String> {
    let e = body["error"].as_str()?;
    Some(match body["message"].as_str() {
        Some(m) => format!("{e}: {m}"),
        None => e.to_string(),
    })
}

const S32: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";

/// A TID record key: 53 bits of microseconds since 1970 and a 10-bit clock id, in
/// base32-sortable, 13 characters.
pub fn tid(micros: u64, clock_id: u16) -> String {
    let n = ((micros & ((1 << 53) - 1)) << 10) | u64::from(clock_id & 0x3ff);
    (0..13)
        .rev()
        .map(|i| S32[((n >> (5 * i)) & 31) as usize] as char)
        .collect()
}

/// The record key of one update: in the second the incident began, the microseconds and the
/// clock id from `seed` (a hash of the update), so every try of the same update has the same.
pub fn update_rkey(declared: Timestamp, seed: u64) -> String {
    let second = declared.as_second().max(0) as u64 * 1_000_000;
    tid(second + seed % 1_000_000, ((seed >> 20) % 1024) as u16)
}

// ---- Pure builders ----

/// A post: `text`, a link facet for each `(byte range, URL)`, created at `at`, under `rkey`.
pub fn post(
    handle: &str,
    text: &str,
    links: &[(Range<usize>, String)],
    at: Timestamp,
    rkey: &str,
    inc_id: &str,
    dedup_key: String,
) -> Delivery {
    let facets: Vec<Value> = links
        .iter()
        .map(|(r, uri)| {
            json!({
                "$type": "app.bsky.richtext.facet",
                "index": { "byteStart": r.start, "byteEnd": r.end },
                "features": [{ "$type": "app.bsky.richtext.facet#link", "uri": uri }],
            })
        })
        .collect();
    let mut record = json!({
        "$type": POST,
        "text": text,
        "createdAt": at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
    });
    if !facets.is_empty() {
        record["facets"] = json!(facets);
    }
    Delivery {
        provider: PROVIDER.into(),
        action: "post".into(),
        target: format!("@{handle}"),
        dedup_key,
        incident: Some(inc_id.to_string()),
        request: Request::Http(HttpRequest::post(
            "/xrpc/com.atproto.repo.createRecord",
            json!({ "repo": handle, "collection": POST, "rkey": rkey, "record": record }),
        )),
    }
}

/// Deletes the post `rkey` of the account.
pub fn delete(handle: &str, rkey: &str, inc_id: &str, dedup_key: String) -> Delivery {
    Delivery {
        provider: PROVIDER.into(),
        action: "delete".into(),
        target: format!("@{handle}"),
        dedup_key,
        incident: Some(inc_id.to_string()),
        request: Request::Http(HttpRequest::post(
            "/xrpc/com.atproto.repo.deleteRecord",
            json!({ "repo": handle, "collection": POST, "rkey": rkey }),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tids_are_13_sortable_characters() {
        let a = tid(1_795_000_000_000_000, 0);
        let b = tid(1_795_000_000_000_001, 0);
        assert_eq!(a.len(), 13);
        assert!(a < b);
        assert!("234567abcdefghij".contains(&a[..1]), "{a}");
        assert_eq!(tid(0, 0), "2222222222222");
        let t = Timestamp::from_second(1_795_000_000).unwrap();
        assert_eq!(update_rkey(t, 42), update_rkey(t, 42));
        assert_ne!(update_rkey(t, 42), update_rkey(t, 43));
    }

    #[test]
    fn the_rkey_is_the_last_segment_of_the_uri() {
        assert_eq!(
            rkey_of("at://did:plc:abc/app.bsky.feed.post/3kxyz"),
            Some("3kxyz")
        );
        assert_eq!(rkey_of("https://x"), None);
    }

    #[test]
    fn a_post_has_link_facets_in_bytes() {
        let text = "Störung behoben\nstspg.io/x";
        let start = text.find("stspg").unwrap();
        let d = post(
            "acme.test",
            text,
            &[(start..text.len(), "https://stspg.io/x".into())],
            Timestamp::from_second(1_795_000_000).unwrap(),
            "3abc",
            "inc1",
            "k".into(),
        );
        let Request::Http(h) = &d.request else {
            panic!()
        };
        let f = &h.body.as_ref().unwrap()["record"]["facets"][0];
        assert_eq!(f["index"]["byteStart"], 17, "ö is two bytes");
        assert_eq!(f["features"][0]["uri"], "https://stspg.io/x");
        assert_eq!(
            h.body.as_ref().unwrap()["record"]["createdAt"],
            "2026-11-18T11:06:40.000Z"
        );
    }
}
