//! Opsgenie Alert API v2, a second pager beside PagerDuty: the IC page is one alert whose
//! responders are the IC schedules, with `alias` as its dedup key; notes and close mirror the
//! incident; on-call comes from the schedules. Request bodies follow
//! `tests/specs/opsgenie/swagger.json`.
//!
//! Every Opsgenie write is asynchronous (202 + `requestId`): the adapter then asks
//! `GET /v2/alerts/requests/{requestId}` for a while, so that a request Opsgenie could not
//! process is reported as a failure, not as a page that went out.

use std::time::Duration;

use serde_json::{Value, json};

use super::http::{self, Response};
use super::pagerduty::{Contact, OnCall};
use super::{Delivery, HttpRequest, Receipt, Request, SendError};
use crate::config::{ConfigError, Env, OpsgenieConfig, Secret};

pub const PROVIDER: &str = "opsgenie";
pub const TOKEN_ENV: &str = "OPSGENIE_API_KEY";
const DEFAULT_API: &str = "https://api.opsgenie.com";
/// Documented limits (the spec has none).
const MESSAGE_MAX: usize = 130;
const DESCRIPTION_MAX: usize = 15_000;
const NOTE_MAX: usize = 25_000;

pub struct Client {
    http: reqwest::Client,
    api: url::Url,
    token: Result<Secret, String>,
    token_env: String,
    /// How long to wait for Opsgenie to process an accepted request.
    poll_for: Duration,
}

impl Client {
    /// Why this client has no secret to send with (its variable unset, its `token_cmd`
    /// failing), naming the variable or `token_cmd`; asked before anything is sent.
    pub fn secret_error(&self) -> Option<String> {
        self.token.as_ref().err().cloned()
    }

    /// `attempt_timeout` is the delivery engine's time for one attempt: polling stays within it.
    pub fn new(
        http: reqwest::Client,
        cfg: &OpsgenieConfig,
        env: &Env,
        attempt_timeout: Duration,
    ) -> Result<Client, ConfigError> {
        let api = crate::config::check_http_url(cfg.api_url.as_deref().unwrap_or(DEFAULT_API))
            .map_err(|message| ConfigError::Invalid {
                key: "opsgenie.api_url".into(),
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
            poll_for: (attempt_timeout * 3 / 4).min(Duration::from_secs(5)),
        })
    }

    /// Why nothing can be sent to Opsgenie at all: its API key cannot be read (the variable is
    /// unset, `token_cmd` failed). Commands check it before they write or send anything.
    pub fn key_problem(&self) -> Option<String> {
        let e = self.token.as_ref().err()?;
        let e = match e.strip_prefix("token_cmd") {
            Some(rest) => format!("opsgenie.token_cmd{rest}"),
            None => e.clone(),
        };
        Some(format!("no Opsgenie API key: {e}; run `inc doctor`"))
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Response, SendError> {
        let token = self.token.as_ref().map_err(|_| SendError::Auth {
            message: self.key_problem().unwrap_or_default(),
        })?;
        let url = http::join(&self.api, path, query);
        let auth = format!("GenieKey {}", token.expose());
        let req = http::request(&self.http, method, url, auth, body)?
            .header("Accept", "application/json");
        let hint = format!(
            "check the API key in {} and run `inc doctor`",
            self.token_env
        );
        http::execute(req, &http::Api::new("Opsgenie", error_message, &hint)).await
    }

    /// Sends one write and waits (briefly) for Opsgenie to process it. An IC page whose alias
    /// is already open reports that alert instead of paging again (on a retry, `attempt` > 1,
    /// the alert an earlier try opened); a retried note or close first checks whether the
    /// earlier try landed. A write still unprocessed after the wait is [`SendError::Unconfirmed`].
    pub async fn send(&self, d: &Delivery, attempt: u32) -> Result<Receipt, SendError> {
        let req = match &d.request {
            Request::Http(r) => r,
            #[allow(unreachable_patterns)]
            _ => {
                return Err(SendError::Rejected {
                    status: None,
                    message: format!("opsgenie cannot send {}", d.action),
                });
            }
        };
        if d.action == "page_ic"
            && let Some(alert) = self.open_alert(&d.dedup_key).await?
        {
            let at = alert["createdAt"].as_str().unwrap_or("earlier");
            let ack = match (alert["acknowledged"].as_bool(), alert["owner"].as_str()) {
                (Some(true), Some(who)) if !who.is_empty() => format!("acknowledged by {who}"),
                (Some(true), _) => "acknowledged".to_string(),
                _ => "not acknowledged yet".to_string(),
            };
            return Ok(Receipt {
                id: alert["id"].as_str().map(str::to_string),
                url: None,
                note: (attempt == 1).then(|| format!("already open since {at}, {ack}")),
                body: alert,
            });
        }
        if attempt > 1
            && let Some(r) = self.landed(d, req).await?
        {
            return Ok(r);
        }
        let resp = self
            .call(&req.method, &req.path, &req.query, req.body.as_ref())
            .await?;
        let Some(request_id) = resp.body["requestId"].as_str().map(str::to_string) else {
            return Ok(Receipt {
                body: resp.body,
                ..Default::default()
            });
        };
        self.outcome(&request_id).await
    }

    /// The open alert with this alias, if any.
    pub async fn open_alert(&self, alias: &str) -> Result<Option<Value>, SendError> {
        let path = format!("/v2/alerts/{}", segment(alias));
        let q = vec![("identifierType".to_string(), "alias".to_string())];
        match self.call("GET", &path, &q, None).await {
            Ok(r) => {
                let alert = r.body["data"].clone();
                Ok((alert["status"] == "open").then_some(alert))
            }
            Err(SendError::Rejected {
                status: Some(404), ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The alert's notes after `offset` (none: from the first), oldest first, and the offset to
    /// continue from: one incremental pull.
    pub async fn notes(
        &self,
        alias: &str,
        offset: Option<&str>,
    ) -> Result<(Vec<Value>, Option<String>), SendError> {
        let path = format!("/v2/alerts/{}/notes", segment(alias));
        let mut out = Vec::new();
        let mut next = offset.map(str::to_string);
        for _ in 0..50 {
            let mut q = vec![
                ("identifierType".to_string(), "alias".to_string()),
                ("order".to_string(), "asc".to_string()),
                ("direction".to_string(), "next".to_string()),
                ("limit".to_string(), "100".to_string()),
            ];
            if let Some(o) = &next {
                q.push(("offset".into(), o.clone()));
            }
            let page = match self.call("GET", &path, &q, None).await {
                Ok(r) => r.body,
                Err(SendError::Rejected {
                    status: Some(404), ..
                }) => break,
                Err(e) => return Err(e),
            };
            let got = page["data"].as_array().cloned().unwrap_or_default();
            if let Some(o) = got.last().and_then(|n| n["offset"].as_str()) {
                next = Some(o.to_string());
            }
            let more = got.len() == 100;
            out.extend(got);
            if !more {
                break;
            }
        }
        Ok((out, next))
    }

    /// Did an earlier try of this note or close land? (A page is checked by its alias above.)
    async fn landed(&self, d: &Delivery, req: &HttpRequest) -> Result<Option<Receipt>, SendError> {
        let Some(alias) = req
            .path
            .strip_prefix("/v2/alerts/")
            .and_then(|rest| rest.split('/').next())
        else {
            return Ok(None);
        };
        let alias = decode(alias);
        let already = |what: &str| Receipt {
            note: Some(format!("{what} by an earlier try")),
            ..Default::default()
        };
        match d.action.as_str() {
            "add_note" => {
                let want = req.body.as_ref().and_then(|b| b["note"].as_str());
                let path = format!("/v2/alerts/{}/notes", segment(&alias));
                let q: Vec<(String, String)> = [
                    ("identifierType", "alias"),
                    ("order", "desc"),
                    ("limit", "100"),
                ]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
                let notes = match self.call("GET", &path, &q, None).await {
                    Ok(r) => r.body,
                    Err(SendError::Rejected {
                        status: Some(404), ..
                    }) => return Ok(None),
                    Err(e) => return Err(e),
                };
                let found = notes["data"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|n| n["note"].as_str() == want);
                Ok(found.then(|| already("added")))
            }
            "close_alert" => {
                let path = format!("/v2/alerts/{}", segment(&alias));
                let q = vec![("identifierType".to_string(), "alias".to_string())];
                match self.call("GET", &path, &q, None).await {
                    Ok(r) if r.body["data"]["status"] == "closed" => Ok(Some(already("closed"))),
                    Ok(_)
                    | Err(SendError::Rejected {
                        status: Some(404), ..
                    }) => Ok(None),
                    Err(e) => Err(e),
                }
            }
            _ => Ok(None),
        }
    }

    /// Polls the request status until Opsgenie has processed it (or `poll_for` runs out).
    async fn outcome(&self, request_id: &str) -> Result<Receipt, SendError> {
        let path = format!("/v2/alerts/requests/{}", segment(request_id));
        let deadline = tokio::time::Instant::now() + self.poll_for;
        let mut wait = Duration::from_millis(50);
        loop {
            match self.call("GET", &path, &[], None).await {
                Ok(r) => {
                    let data = &r.body["data"];
                    let ok = data["isSuccess"]
                        .as_bool()
                        .or(data["success"].as_bool())
                        .unwrap_or(false);
                    let status = data["status"].as_str().unwrap_or("no status").to_string();
                    if ok {
                        return Ok(Receipt {
                            id: data["alertId"].as_str().map(str::to_string),
                            url: None,
                            note: None,
                            body: r.body.clone(),
                        });
                    }
                    return Err(SendError::Rejected {
                        status: None,
                        message: format!(
                            "Opsgenie accepted the request but could not process it: {status} (request {request_id})"
                        ),
                    });
                }
                // 404: not processed yet. Transient: ask again.
                Err(SendError::Rejected {
                    status: Some(404), ..
                })
                | Err(SendError::Transient { .. }) => {}
                Err(e) => return Err(e),
            }
            if tokio::time::Instant::now() + wait >= deadline {
                return Err(SendError::Unconfirmed {
                    message: format!(
                        "Opsgenie: accepted as request {request_id}, not processed within {}: it may still land (a retry checks first)",
                        crate::config::format_duration(self.poll_for)
                    ),
                });
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_millis(500));
        }
    }

    /// Who is on call now for the given schedules (by name; in that order: primary, backup,
    /// shadows), or for every schedule when none is given.
    pub async fn oncalls(&self, schedules: &[String]) -> Result<Vec<OnCall>, SendError> {
        let q = vec![("flat".to_string(), "false".to_string())];
        let mut out: Vec<OnCall> = Vec::new();
        if schedules.is_empty() {
            let body = self
                .call("GET", "/v2/schedules/on-calls", &q, None)
                .await?
                .body;
            for oc in body["data"].as_array().into_iter().flatten() {
                let name = oc["_parent"]["name"].as_str().unwrap_or("?").to_string();
                collect(
                    &oc["onCallParticipants"],
                    "on call",
                    &oc["_parent"],
                    &name,
                    &mut out,
                );
            }
            return Ok(out);
        }
        let mut q = q;
        q.push(("scheduleIdentifierType".into(), "name".into()));
        let fetches = schedules.iter().map(|s| {
            let path = format!("/v2/schedules/{}/on-calls", segment(s));
            let q = q.clone();
            async move { self.call("GET", &path, &q, None).await }
        });
        let answers = futures_util::future::join_all(fetches).await;
        for (i, (name, answer)) in schedules.iter().zip(answers).enumerate() {
            let body = answer?.body;
            let role = match i {
                0 => "primary",
                1 => "backup",
                _ => "shadow",
            };
            collect(
                &body["data"]["onCallParticipants"],
                role,
                &body["data"]["_parent"],
                name,
                &mut out,
            );
        }
        Ok(out)
    }

    /// A user's contact methods (voice, sms, email, mobile app).
    pub async fn contact_methods(&self, user_id: &str) -> Result<Vec<Contact>, SendError> {
        let path = format!("/v2/users/{}/contacts", segment(user_id));
        let body = self.call("GET", &path, &[], None).await?.body;
        Ok(body["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["status"]["enabled"].as_bool() != Some(false))
            .filter_map(|c| {
                let kind = match c["method"].as_str()? {
                    "voice" => "phone",
                    "sms" => "sms",
                    "email" => "email",
                    "mobile" => "push",
                    _ => return None,
                };
                let to = c["to"].as_str()?;
                // Opsgenie writes phone numbers as `1-5550101` (country code, dash, number).
                let address = match (kind, to.split_once('-')) {
                    ("phone" | "sms", Some((cc, n))) if cc.chars().all(|c| c.is_ascii_digit()) => {
                        format!("+{cc} {n}")
                    }
                    _ => to.to_string(),
                };
                Some(Contact {
                    kind: kind.into(),
                    address,
                    label: None,
                })
            })
            .collect())
    }

    /// `inc doctor`: a read-only call that proves the key.
    pub async fn check(&self) -> Result<String, SendError> {
        let body = self.call("GET", "/v2/account", &[], None).await?.body;
        let data = &body["data"];
        Ok(format!(
            "account {}{}",
            data["name"].as_str().unwrap_or("?"),
            data["plan"]["name"]
                .as_str()
                .map(|p| format!(" ({p} plan)"))
                .unwrap_or_default()
        ))
    }
}

/// The users among on-call participants (escalations and teams are walked through).
fn collect(participants: &Value, role: &str, parent: &Value, name: &str, out: &mut Vec<OnCall>) {
    for p in participants.as_array().into_iter().flatten() {
        if p["type"] == "user" {
            let Some(user) = p["name"].as_str() else {
                continue;
            };
            let user_id = p["id"].as_str().unwrap_or(user).to_string();
            let schedule_id = parent["id"].as_str().map(str::to_string);
            if out
                .iter()
                .any(|o| o.user_id == user_id && o.schedule.as_deref() == Some(name))
            {
                continue;
            }
            out.push(OnCall {
                role: role.to_string(),
                schedule_id,
                schedule: Some(name.to_string()),
                escalation_policy: None,
                escalation_policy_id: None,
                level: None,
                user_id,
                name: user.to_string(),
                email: user.contains('@').then(|| user.to_string()),
                contacts: Vec::new(),
            });
        } else {
            collect(&p["onCallParticipants"], role, parent, name, out);
        }
    }
}

/// Decodes a percent-encoded path segment (the inverse of [`segment`]).
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes one path segment (schedule names have spaces; an alias may hold `/`).
fn segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `{"message": "...", "took", "requestId"}` in plain words.
fn error_message(body: &Value) -> Option<String> {
    let msg = body["message"].as_str()?;
    let mut out = msg.to_string();
    if let Some(errors) = body["errors"].as_object() {
        let details: Vec<String> = errors
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or("invalid")))
            .collect();
        if !details.is_empty() {
            out.push_str(&format!(" ({})", details.join("; ")));
        }
    }
    Some(out)
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

// ---- Pure builders: each returns the delivery; nothing here touches the network. ----

fn delivery(
    action: &str,
    target: String,
    dedup_key: String,
    inc_id: Option<&str>,
    req: HttpRequest,
) -> Delivery {
    Delivery {
        provider: PROVIDER.into(),
        action: action.into(),
        target,
        dedup_key,
        incident: inc_id.map(str::to_string),
        request: Request::Http(req),
    }
}

fn by_alias(path: String, body: Value) -> HttpRequest {
    let mut r = HttpRequest::post(path, body);
    r.query = vec![("identifierType".into(), "alias".into())];
    r
}

/// The IC page: one P1 alert whose responders are the IC schedules (by name), with `alias`
/// stable for the incident so that a retry or a re-run never opens a second alert.
pub fn ic_alert(
    message: &str,
    description: &str,
    alias: String,
    schedules: &[String],
    inc_id: Option<&str>,
) -> Delivery {
    let mut body = json!({
        "message": cut(message, MESSAGE_MAX),
        "alias": alias,
        "description": cut(description, DESCRIPTION_MAX),
        "responders": schedules.iter().map(|s| json!({ "type": "schedule", "name": s })).collect::<Vec<_>>(),
        "tags": ["inc", "ic-page"],
        "entity": "inc",
        "source": "inc",
        "priority": "P1",
    });
    if let Some(id) = inc_id {
        body["details"] = json!({ "inc_incident": id });
    }
    delivery(
        "page_ic",
        format!("schedules {}", schedules.join(", ")),
        alias,
        inc_id,
        HttpRequest::post("/v2/alerts", body),
    )
}

/// A note on the alert.
pub fn add_note(alias: &str, note: &str, dedup_key: String, inc_id: Option<&str>) -> Delivery {
    delivery(
        "add_note",
        format!("alert {alias}"),
        dedup_key,
        inc_id,
        by_alias(
            format!("/v2/alerts/{}/notes", segment(alias)),
            json!({ "note": cut(note, NOTE_MAX), "source": "inc" }),
        ),
    )
}

/// Closes the alert.
pub fn close(alias: &str, note: &str, dedup_key: String, inc_id: Option<&str>) -> Delivery {
    delivery(
        "close_alert",
        format!("alert {alias}"),
        dedup_key,
        inc_id,
        by_alias(
            format!("/v2/alerts/{}/close", segment(alias)),
            json!({ "note": cut(note, NOTE_MAX), "source": "inc" }),
        ),
    )
}

/// The IC page's alias for these IC schedules: the same on every machine, so that a second
/// `inc page-ic` anywhere finds the open alert instead of paging again.
pub fn ic_alias(schedules: &[String]) -> String {
    cut(&format!("inc-ic-page-{}", schedules.join(",")), 512)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http_of(d: &Delivery) -> &HttpRequest {
        match &d.request {
            Request::Http(h) => h,
            #[allow(unreachable_patterns)]
            _ => panic!("not http"),
        }
    }

    #[test]
    fn the_ic_alert_names_each_schedule_and_carries_no_secret() {
        let s = vec!["IC Primary".to_string(), "IC Backup".to_string()];
        let long = "x".repeat(500);
        let d = ic_alert(&long, "d", ic_alias(&s), &s, Some("x"));
        let b = http_of(&d).body.as_ref().unwrap();
        assert_eq!(
            b["responders"][1],
            json!({ "type": "schedule", "name": "IC Backup" })
        );
        assert_eq!(b["alias"], "inc-ic-page-IC Primary,IC Backup");
        assert_eq!(b["message"].as_str().unwrap().len(), 130);
        assert!(!serde_json::to_string(&d).unwrap().contains("GenieKey"));
        let n = add_note("inc-x-ic-page", "hi", "k".into(), None);
        let h = http_of(&n);
        assert_eq!(h.path, "/v2/alerts/inc-x-ic-page/notes");
        assert_eq!(
            h.query,
            vec![("identifierType".to_string(), "alias".to_string())]
        );
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(segment("IC Primary"), "IC%20Primary");
        assert_eq!(segment("a/b"), "a%2Fb");
        assert_eq!(decode(&segment("inc-x/ic page")), "inc-x/ic page");
    }
}
