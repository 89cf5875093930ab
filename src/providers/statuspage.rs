//! Atlassian Statuspage: the public incident (create, update, resolve, remove) and component
//! statuses. Request bodies follow `tests/specs/statuspage/swagger.json`.
//!
//! Statuspage allows one request per second per token and answers 420 or 429 when throttled,
//! so every call goes through one gate that keeps them apart (`[statuspage] min_interval`):
//! within a run a mutex, and across the runs that share a state dir (two terminals, a script
//! beside a person) a lock file there, `statuspage.lock`, holding when the last call started.
//! Statuspage has no idempotency key: a create first looks for an unresolved
//! incident carrying this inc incident's id in its `metadata` (another responder may have opened
//! it), and a retried update first checks whether the update already landed.

use std::collections::BTreeMap;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::http::{self, Response};
use super::{Delivery, HttpRequest, Receipt, Request, SendError};
use crate::config::{ConfigError, Env, Secret, StatuspageConfig};

pub const PROVIDER: &str = "statuspage";
pub const TOKEN_ENV: &str = "STATUSPAGE_API_KEY";
const DEFAULT_API: &str = "https://api.statuspage.io/v1";
/// Statuspage's documented limit: 1 request/s per API token.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);
/// The lock file in the state dir that paces calls across processes.
pub const LOCK_FILE: &str = "statuspage.lock";
/// Statuspage's own throttling status, besides 429.
const THROTTLED: &[u16] = &[420];

/// Component statuses (`""` is in the spec's enum too, but means nothing to a reader).
pub const COMPONENT_STATUSES: [&str; 5] = [
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
];

/// Incident impacts a realtime incident may override.
pub const IMPACTS: [&str; 4] = ["none", "minor", "major", "critical"];

pub struct Client {
    http: reqwest::Client,
    api: url::Url,
    page_id: Option<String>,
    token: Result<Secret, String>,
    token_env: String,
    interval: Duration,
    /// When the last call started: calls to the page go one at a time, `interval` apart.
    gate: tokio::sync::Mutex<Option<Instant>>,
    /// The lock file that paces calls across processes (see [`Client::paced_in`]).
    pace_file: Option<PathBuf>,
}

impl Client {
    /// Why this client has no secret to send with (its variable unset, its `token_cmd`
    /// failing), naming the variable or `token_cmd`; asked before anything is sent.
    pub fn secret_error(&self) -> Option<String> {
        self.token.as_ref().err().cloned()
    }

    pub fn new(
        http: reqwest::Client,
        cfg: &StatuspageConfig,
        env: &Env,
    ) -> Result<Client, ConfigError> {
        let api = crate::config::check_http_url(cfg.api_url.as_deref().unwrap_or(DEFAULT_API))
            .map_err(|message| ConfigError::Invalid {
                key: "statuspage.api_url".into(),
                message,
            })?;
        Ok(Client {
            http,
            api,
            page_id: cfg.page_id.clone(),
            token: cfg
                .secret
                .resolve(TOKEN_ENV, env)
                .map_err(|e| e.to_string()),
            token_env: cfg.secret.describe(TOKEN_ENV),
            interval: cfg.min_interval.map_or(DEFAULT_INTERVAL, |d| d.0),
            gate: tokio::sync::Mutex::new(None),
            pace_file: None,
        })
    }

    /// Paces calls across every process that shares `state_dir` too (`statuspage.lock`).
    pub fn paced_in(mut self, state_dir: &Path) -> Self {
        self.pace_file = Some(state_dir.join(LOCK_FILE));
        self
    }

    /// Takes the state dir's lock (waiting without blocking the runtime), waits until
    /// `interval` after the last call any process recorded there, and records this one. The
    /// lock is held until the returned file is dropped: after the call. `None` when there is no
    /// lock file to use (no state dir, or it cannot be written): the in-process gate still holds.
    async fn pace_across_processes(&self) -> Option<std::fs::File> {
        let path = self.pace_file.as_ref()?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).ok()?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .ok()?;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(std::fs::TryLockError::Error(_)) => return None,
            }
        }
        let mut last = String::new();
        let _ = file.read_to_string(&mut last);
        let interval_ms = i64::try_from(self.interval.as_millis()).unwrap_or(i64::MAX);
        if let Ok(last) = last.trim().parse::<i64>() {
            // Wall-clock milliseconds (the only clock processes share), at most one interval.
            let due = last.saturating_add(interval_ms);
            let wait = (due - jiff::Timestamp::now().as_millisecond()).clamp(0, interval_ms);
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
        let now = jiff::Timestamp::now().as_millisecond();
        let recorded = file.set_len(0).is_ok()
            && file.rewind().is_ok()
            && file.write_all(now.to_string().as_bytes()).is_ok();
        recorded.then_some(file)
    }

    fn page_id(&self) -> Result<&str, SendError> {
        self.page_id.as_deref().ok_or_else(|| SendError::Rejected {
            status: None,
            message: "statuspage.page_id is not set".into(),
        })
    }

    /// One call to the API, after the previous one and at least `interval` after it started.
    async fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Response, SendError> {
        let token = self.token.as_ref().map_err(|e| SendError::Auth {
            message: format!("no Statuspage API key: {e}; run `inc doctor`"),
        })?;
        let url = http::join(&self.api, path, query);
        let auth = format!("OAuth {}", token.expose());
        let req = http::request(&self.http, method, url, auth, body)?
            .header("Accept", "application/json");
        let mut last = self.gate.lock().await;
        if let Some(at) = *last {
            tokio::time::sleep_until(at + self.interval).await;
        }
        let _across = self.pace_across_processes().await;
        *last = Some(Instant::now());
        let hint = format!(
            "check the API key in {} and run `inc doctor`",
            self.token_env
        );
        let api = http::Api {
            throttled: THROTTLED,
            ..http::Api::new("Statuspage", error_message, &hint)
        };
        http::execute(req, &api).await
    }

    /// Sends one delivery; `attempt` > 1 makes a retried update check whether it already landed.
    pub async fn send(&self, d: &Delivery, attempt: u32) -> Result<Receipt, SendError> {
        let req = match &d.request {
            Request::Http(r) => r,
            #[allow(unreachable_patterns)]
            _ => {
                return Err(SendError::Rejected {
                    status: None,
                    message: format!("statuspage cannot send {}", d.action),
                });
            }
        };
        let body = req.body.as_ref();
        match d.action.as_str() {
            "create_incident" => {
                let inc = &body.unwrap_or(&Value::Null)["incident"];
                if let Some(existing) = self.find_open(inc).await? {
                    return self.adopt(existing, inc).await;
                }
            }
            "update_incident" | "resolve_incident" if attempt > 1 => {
                let now = self.call("GET", &req.path, &[], None).await?.body;
                if already_applied(&now, &body.unwrap_or(&Value::Null)["incident"]) {
                    let mut r = receipt(&now);
                    r.note = Some("already posted".into());
                    return Ok(r);
                }
            }
            _ => {}
        }
        let sent = self.call(&req.method, &req.path, &req.query, body).await;
        match sent {
            Ok(resp) => Ok(receipt(&resp.body)),
            // A retried removal whose first try landed.
            Err(SendError::Rejected {
                status: Some(404), ..
            }) if d.action == "delete_incident" && attempt > 1 => Ok(Receipt {
                note: Some("already removed".into()),
                ..Default::default()
            }),
            Err(e) => Err(e),
        }
    }

    /// The unresolved incident that belongs to the same inc incident (its `metadata.inc.id`), or
    /// one with the same name that no inc opened.
    async fn find_open(&self, wanted: &Value) -> Result<Option<Value>, SendError> {
        let path = format!("/pages/{}/incidents/unresolved", self.page_id()?);
        let q = vec![("per_page".to_string(), "100".to_string())];
        let list = self.call("GET", &path, &q, None).await?.body;
        let inc_id = &wanted["metadata"]["inc"]["id"];
        let found = list.as_array().into_iter().flatten().find(|i| {
            let theirs = &i["metadata"]["inc"]["id"];
            if theirs.is_string() {
                theirs == inc_id
            } else {
                i["name"] == wanted["name"]
            }
        });
        Ok(found.cloned())
    }

    /// A create found its incident already open: post this stage as an update, unless that
    /// exact update is already there.
    async fn adopt(&self, existing: Value, wanted: &Value) -> Result<Receipt, SendError> {
        let opened = existing["created_at"]
            .as_str()
            .unwrap_or("earlier")
            .to_string();
        if already_applied(&existing, wanted) {
            let mut r = receipt(&existing);
            r.note = Some(format!("already open since {opened}"));
            return Ok(r);
        }
        let id = existing["id"].as_str().unwrap_or_default();
        let mut update = wanted.clone();
        if let Some(o) = update.as_object_mut() {
            o.remove("name");
            o.remove("metadata");
        }
        let path = format!("/pages/{}/incidents/{id}", self.page_id()?);
        let resp = self
            .call("PATCH", &path, &[], Some(&json!({ "incident": update })))
            .await?;
        let mut r = receipt(&resp.body);
        r.note = Some(format!("already open since {opened}; updated"));
        Ok(r)
    }

    /// `inc doctor`: a read-only call that proves the key and the page id.
    pub async fn check(&self) -> Result<String, SendError> {
        let path = format!("/pages/{}", self.page_id()?);
        let page = self.call("GET", &path, &[], None).await?.body;
        Ok(format!(
            "page {} ({})",
            page["name"].as_str().unwrap_or("?"),
            page["id"].as_str().unwrap_or("?")
        ))
    }
}

/// Does the incident already show this update: its status, with this message as the newest
/// update (or, with no message, just the status)?
fn already_applied(incident: &Value, wanted: &Value) -> bool {
    let status_ok = wanted["status"].is_null() || incident["status"] == wanted["status"];
    let newest = incident["incident_updates"]
        .as_array()
        .and_then(|u| {
            u.iter()
                .max_by_key(|x| x["created_at"].as_str().unwrap_or("").to_string())
        })
        .map(|u| &u["body"]);
    let body_ok = match wanted["body"].as_str() {
        None => true,
        Some(b) => newest.and_then(Value::as_str) == Some(b),
    };
    status_ok && body_ok
}

fn receipt(body: &Value) -> Receipt {
    Receipt {
        id: body["id"].as_str().map(str::to_string),
        url: body["shortlink"].as_str().map(str::to_string),
        note: None,
        body: body.clone(),
    }
}

/// `{"message": "..."}` (ErrorEntity), or `{"error": "..."}` / `{"error": ["..."]}`.
fn error_message(body: &Value) -> Option<String> {
    if let Some(m) = body["message"].as_str() {
        return Some(m.to_string());
    }
    match &body["error"] {
        Value::String(s) => Some(s.clone()),
        Value::Array(a) => Some(
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("; "),
        ),
        _ => None,
    }
}

// ---- Pure builders: each returns the delivery; nothing here touches the network. ----

/// One public post: its status, message, impact and component changes (component id → status).
pub struct Post<'a> {
    pub status: &'a str,
    pub message: &'a str,
    pub impact: Option<&'a str>,
    pub components: &'a BTreeMap<String, String>,
}

impl Post<'_> {
    fn fields(&self) -> Value {
        let mut i = json!({
            "status": self.status,
            "body": self.message.chars().take(25_000).collect::<String>(),
            "deliver_notifications": true,
        });
        if let Some(impact) = self.impact {
            i["impact_override"] = json!(impact);
        }
        if !self.components.is_empty() {
            i["components"] = json!(self.components);
            i["component_ids"] = json!(self.components.keys().collect::<Vec<_>>());
        }
        i
    }
}

fn delivery(
    action: &str,
    page_id: &str,
    dedup_key: String,
    inc_id: &str,
    req: HttpRequest,
) -> Delivery {
    Delivery {
        provider: PROVIDER.into(),
        action: action.into(),
        target: format!("page {page_id}"),
        dedup_key,
        incident: Some(inc_id.to_string()),
        request: Request::Http(req),
    }
}

/// Opens the public incident; its `metadata` names the inc incident so that no second one opens.
pub fn create_incident(
    page_id: &str,
    name: &str,
    post: &Post<'_>,
    inc_id: &str,
    dedup_key: String,
) -> Delivery {
    let mut i = post.fields();
    i["name"] = json!(name.chars().take(255).collect::<String>());
    i["metadata"] = json!({ "inc": { "id": inc_id } });
    delivery(
        "create_incident",
        page_id,
        dedup_key,
        inc_id,
        HttpRequest::post(
            format!("/pages/{page_id}/incidents"),
            json!({ "incident": i }),
        ),
    )
}

/// A new update on the public incident (`resolved` resolves it).
pub fn update_incident(
    page_id: &str,
    public_id: &str,
    post: &Post<'_>,
    inc_id: &str,
    dedup_key: String,
) -> Delivery {
    let action = if post.status == "resolved" {
        "resolve_incident"
    } else {
        "update_incident"
    };
    delivery(
        action,
        page_id,
        dedup_key,
        inc_id,
        HttpRequest {
            method: "PATCH".into(),
            ..HttpRequest::post(
                format!("/pages/{page_id}/incidents/{public_id}"),
                json!({ "incident": post.fields() }),
            )
        },
    )
}

/// Removes the public incident (a false alarm's ephemeral post).
pub fn delete_incident(
    page_id: &str,
    public_id: &str,
    inc_id: &str,
    dedup_key: String,
) -> Delivery {
    delivery(
        "delete_incident",
        page_id,
        dedup_key,
        inc_id,
        HttpRequest {
            method: "DELETE".into(),
            body: None,
            ..HttpRequest::post(
                format!("/pages/{page_id}/incidents/{public_id}"),
                Value::Null,
            )
        },
    )
}

/// Sets one component's status.
pub fn set_component(
    page_id: &str,
    component_id: &str,
    status: &str,
    inc_id: &str,
    dedup_key: String,
) -> Delivery {
    let mut d = delivery(
        "set_component",
        page_id,
        dedup_key,
        inc_id,
        HttpRequest {
            method: "PATCH".into(),
            ..HttpRequest::post(
                format!("/pages/{page_id}/components/{component_id}"),
                json!({ "component": { "status": status } }),
            )
        },
    );
    d.target = format!("component {component_id}");
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_carry_the_marker_and_no_secret() {
        let comps = BTreeMap::from([("cmp1".to_string(), "major_outage".to_string())]);
        let post = Post {
            status: "investigating",
            message: "We are looking into it",
            impact: Some("major"),
            components: &comps,
        };
        let d = create_incident(
            "pg1",
            "Checkout errors",
            &post,
            "261126-0304-k3f9",
            "k".into(),
        );
        let h = match &d.request {
            Request::Http(h) => h,
            #[allow(unreachable_patterns)]
            _ => panic!("not http"),
        };
        let i = &h.body.as_ref().unwrap()["incident"];
        assert_eq!(i["metadata"]["inc"]["id"], "261126-0304-k3f9");
        assert_eq!(i["components"]["cmp1"], "major_outage");
        assert_eq!(i["component_ids"][0], "cmp1");
        assert_eq!(h.path, "/pages/pg1/incidents");
        let d = update_incident(
            "pg1",
            "inc9",
            &Post {
                status: "resolved",
                ..post
            },
            "x",
            "k".into(),
        );
        assert_eq!(d.action, "resolve_incident");
        assert!(!serde_json::to_string(&d).unwrap().contains("OAuth"));
    }

    #[test]
    fn an_update_that_landed_is_recognised() {
        let inc = json!({ "status": "identified", "incident_updates": [
            { "body": "old", "created_at": "2026-11-26T03:05:00Z" },
            { "body": "new", "created_at": "2026-11-26T03:10:00Z" },
        ]});
        assert!(already_applied(
            &inc,
            &json!({ "status": "identified", "body": "new" })
        ));
        assert!(!already_applied(
            &inc,
            &json!({ "status": "identified", "body": "old" })
        ));
        assert!(!already_applied(
            &inc,
            &json!({ "status": "monitoring", "body": "new" })
        ));
    }

    #[test]
    fn error_bodies_in_plain_words() {
        assert_eq!(error_message(&json!({"message": "nope"})).unwrap(), "nope");
        assert_eq!(
            error_message(&json!({"error": ["a", "b"]})).unwrap(),
            "a; b"
        );
    }
}
