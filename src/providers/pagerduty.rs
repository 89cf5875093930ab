//! PagerDuty: REST API v2 (incidents, notes, status updates, responders, on-call) and Events
//! API v2 (trigger with a stable `dedup_key`). Request bodies follow
//! `tests/specs/pagerduty/REST/openapiv3.json` and `tests/specs/pagerduty/events-v2/openapiv3.json`.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::http::{self, Response};
use super::{Delivery, HttpRequest, Receipt, Request, SendError};
use crate::config::{ConfigError, Env, PagerDutyConfig, Secret};

pub const PROVIDER: &str = "pagerduty";
/// How messages name it.
pub const NAME: &str = "PagerDuty";
pub const TOKEN_ENV: &str = "PAGERDUTY_TOKEN";
const ACCEPT: &str = "application/vnd.pagerduty+json;version=2";
const DEFAULT_API: &str = "https://api.pagerduty.com";
const DEFAULT_EVENTS: &str = "https://events.pagerduty.com";

/// One person on call for an IC schedule, with how to reach them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OnCall {
    /// `primary`, `backup` or `shadow` (by the order of `ic_schedules`), else the schedule's level.
    pub role: String,
    pub schedule_id: Option<String>,
    pub schedule: Option<String>,
    pub escalation_policy: Option<String>,
    /// The escalation policy's id (PagerDuty), to tell whether the IC service's policy pages
    /// this schedule on its first level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation_policy_id: Option<String>,
    pub level: Option<i64>,
    pub user_id: String,
    pub name: String,
    pub email: Option<String>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Contact {
    /// `phone`, `sms`, `email` or `push`.
    pub kind: String,
    pub address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl OnCall {
    pub fn phone(&self) -> Option<&str> {
        self.contacts
            .iter()
            .find(|c| c.kind == "phone")
            .or_else(|| self.contacts.iter().find(|c| c.kind == "sms"))
            .map(|c| c.address.as_str())
    }
}

/// What a service's change events answered.
#[derive(Debug)]
pub enum ChangeEvents {
    /// One page, and whether another follows.
    Page { events: Vec<Value>, more: bool },
    /// The account (or the token) has no change events: PagerDuty's answer, in its words.
    NotOnPlan(String),
}

/// Change events per page.
pub const CHANGE_EVENTS_PER_PAGE: usize = 100;

pub struct Client {
    http: reqwest::Client,
    api: url::Url,
    events: url::Url,
    token: Result<Secret, String>,
    routing_key: Option<Result<Secret, String>>,
    from: Option<String>,
    token_env: String,
    routing_key_env: String,
}

impl Client {
    /// Why this client has no secret to send with (its variable unset, its `token_cmd`
    /// failing), naming the variable or `token_cmd`; asked before anything is sent.
    pub fn secret_error(&self) -> Option<String> {
        self.token.as_ref().err().cloned()
    }

    pub fn new(
        http: reqwest::Client,
        cfg: &PagerDutyConfig,
        env: &Env,
    ) -> Result<Client, ConfigError> {
        let parse = |v: &Option<String>, default: &str| {
            crate::config::check_http_url(v.as_deref().unwrap_or(default)).map_err(|message| {
                ConfigError::Invalid {
                    key: "pagerduty".into(),
                    message,
                }
            })
        };
        let routing_key = cfg.routing_key_env.as_ref().map(|var| match env.get(var) {
            Some(v) => Ok(Secret::from(v.trim().to_string())),
            None => Err(format!("${var} (pagerduty.routing_key_env) is not set")),
        });
        Ok(Client {
            http,
            api: parse(&cfg.api_url, DEFAULT_API)?,
            events: parse(&cfg.events_url, DEFAULT_EVENTS)?,
            token: cfg
                .secret
                .resolve(TOKEN_ENV, env)
                .map_err(|e| e.to_string()),
            routing_key,
            from: cfg.from.clone(),
            token_env: cfg.secret.describe(TOKEN_ENV),
            routing_key_env: cfg
                .routing_key_env
                .as_deref()
                .map_or("pagerduty.routing_key_env".into(), |v| format!("${v}")),
        })
    }

    fn auth_hint(&self) -> String {
        format!("check the token in {} and run `inc doctor`", self.token_env)
    }

    fn token(&self) -> Result<&Secret, SendError> {
        self.token.as_ref().map_err(|_| SendError::Auth {
            message: self.token_problem().unwrap_or_default(),
        })
    }

    /// Why no REST request can be made at all: the token cannot be read (the variable is unset,
    /// `token_cmd` failed). Commands check it before they write or send anything.
    pub fn token_problem(&self) -> Option<String> {
        let e = self.token.as_ref().err()?;
        let e = match e.strip_prefix("token_cmd") {
            Some(rest) => format!("pagerduty.token_cmd{rest}"),
            None => e.clone(),
        };
        Some(format!("no PagerDuty token: {e}; run `inc doctor`"))
    }

    /// The same for the Events API v2 routing key (`None` when it is set, or not configured).
    pub fn routing_key_problem(&self) -> Option<String> {
        match &self.routing_key {
            Some(Err(e)) => Some(format!("no PagerDuty routing key: {e}; run `inc doctor`")),
            _ => None,
        }
    }

    /// A REST call with the exact headers PagerDuty requires (`From` on every write).
    async fn rest(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Response, SendError> {
        let url = http::join(&self.api, path, query);
        let auth = format!("Token token={}", self.token()?.expose());
        let mut req = http::request(&self.http, method, url, auth, body)?.header("Accept", ACCEPT);
        if body.is_none() {
            // The spec marks Content-Type as required on every operation, GETs included.
            req = req.header("Content-Type", "application/json");
        }
        if method != "GET" {
            match &self.from {
                Some(from) => req = req.header("From", from),
                None => {
                    return Err(SendError::Rejected {
                        status: None,
                        message: "pagerduty.from (a PagerDuty user's email) is required for writes"
                            .into(),
                    });
                }
            }
        }
        let hint = self.auth_hint();
        http::execute(req, &http::Api::new(NAME, rest_error, &hint)).await
    }

    /// Sends one delivery. A retried or repeated `create_incident` whose `incident_key` is
    /// already open answers with the existing incident instead of failing: on a retry
    /// (`attempt` > 1) it is the one the earlier try opened, else one opened before this run
    /// (its receipt then says "already open since ...").
    pub async fn send(&self, d: &Delivery, attempt: u32) -> Result<Receipt, SendError> {
        let Request::Http(req) = &d.request else {
            return Err(SendError::Rejected {
                status: None,
                message: "pagerduty sends only HTTP requests".into(),
            });
        };
        if req.base == "events" {
            return self.enqueue(req).await;
        }
        let sent = self
            .rest(&req.method, &req.path, &req.query, req.body.as_ref())
            .await;
        match sent {
            Ok(resp) => Ok(receipt(&resp.body)),
            Err(SendError::Rejected {
                status: Some(400),
                message,
            }) if matches!(d.action.as_str(), "create_incident" | "page_ic" | "page") => {
                match self.find_open_by_key(&d.dedup_key).await {
                    Ok(Some(existing)) => {
                        let mut r = receipt(&json!({ "incident": existing }));
                        let at = existing["created_at"].as_str().unwrap_or("earlier");
                        let acked: Vec<&str> = existing["acknowledgements"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|a| a["acknowledger"]["summary"].as_str())
                            .collect();
                        let ack = match acked.as_slice() {
                            [] => "not acknowledged yet".to_string(),
                            who => format!("acknowledged by {}", who.join(", ")),
                        };
                        if attempt == 1 {
                            r.note = Some(format!("already open since {at}, {ack}"));
                        }
                        Ok(r)
                    }
                    _ => Err(SendError::Rejected {
                        status: Some(400),
                        message,
                    }),
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn enqueue(&self, req: &HttpRequest) -> Result<Receipt, SendError> {
        let key = match &self.routing_key {
            Some(Ok(k)) => k,
            Some(Err(e)) => return Err(SendError::Auth { message: e.clone() }),
            None => return Err(SendError::NotConfigured("pagerduty.routing_key_env".into())),
        };
        let mut body = req.body.clone().unwrap_or(json!({}));
        body["routing_key"] = json!(key.expose());
        let url = http::join(&self.events, &req.path, &[]);
        let r = self
            .http
            .post(url)
            .header("Content-Type", "application/json")
            .body(serde_json::to_vec(&body).expect("json"));
        let hint = format!(
            "check the routing key in {} and run `inc doctor`",
            self.routing_key_env
        );
        let resp = http::execute(r, &http::Api::new(NAME, events_error, &hint)).await?;
        Ok(Receipt {
            id: resp.body["dedup_key"].as_str().map(str::to_string),
            body: resp.body,
            ..Default::default()
        })
    }

    /// `GET` with classic pagination (`limit`/`offset`/`more`), collecting `key` from every page.
    async fn get_all(
        &self,
        path: &str,
        query: &[(String, String)],
        key: &str,
    ) -> Result<Vec<Value>, SendError> {
        let mut items = Vec::new();
        let mut offset = 0;
        loop {
            let mut q = query.to_vec();
            q.push(("limit".into(), "100".into()));
            q.push(("offset".into(), offset.to_string()));
            let page = self.rest("GET", path, &q, None).await?.body;
            let got = page[key].as_array().cloned().unwrap_or_default();
            offset += got.len();
            items.extend(got);
            if !page["more"].as_bool().unwrap_or(false) || offset >= 10_000 || items.is_empty() {
                return Ok(items);
            }
        }
    }

    /// One object (`key` of the answer) at `path`, or `None` when PagerDuty has no such thing
    /// (404).
    async fn get_one(&self, path: &str, key: &str) -> Result<Option<Value>, SendError> {
        match self.rest("GET", path, &[], None).await {
            Ok(r) => Ok(Some(r.body[key].clone()).filter(|v| v.is_object())),
            Err(SendError::Rejected {
                status: Some(404), ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A service (with its escalation policy reference), `None` when there is no such service.
    pub async fn service(&self, id: &str) -> Result<Option<Value>, SendError> {
        self.get_one(&format!("/services/{id}"), "service").await
    }

    /// An escalation policy (with its rules), `None` when there is no such policy.
    pub async fn escalation_policy(&self, id: &str) -> Result<Option<Value>, SendError> {
        self.get_one(&format!("/escalation_policies/{id}"), "escalation_policy")
            .await
    }

    /// A schedule, `None` when there is no such schedule.
    pub async fn schedule(&self, id: &str) -> Result<Option<Value>, SendError> {
        self.get_one(&format!("/schedules/{id}"), "schedule").await
    }

    /// The open IC pages inc opened on `service` (any machine's: their key is the service's)
    /// since `since`, newest first.
    pub async fn open_ic_pages(
        &self,
        service: &str,
        since: jiff::Timestamp,
    ) -> Result<Vec<Value>, SendError> {
        let q = vec![
            ("service_ids[]".to_string(), service.to_string()),
            ("statuses[]".to_string(), "triggered".to_string()),
            ("statuses[]".to_string(), "acknowledged".to_string()),
            (
                "since".to_string(),
                since.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ),
            ("sort_by".to_string(), "created_at:desc".to_string()),
        ];
        let mut pages = self.get_all("/incidents", &q, "incidents").await?;
        pages.retain(|i| i["incident_key"].as_str().is_some_and(is_ic_page_key));
        Ok(pages)
    }

    /// One page of a service's change events between `since` and `until` (RFC 3339 in UTC:
    /// PagerDuty refuses other time zones), `GET /services/{id}/change_events`. Change events
    /// are a paid add-on: an account without them answers 402 or 403, which comes back as
    /// [`ChangeEvents::NotOnPlan`] in PagerDuty's words rather than as an error.
    pub async fn service_change_events(
        &self,
        service_id: &str,
        since: &str,
        until: &str,
        offset: usize,
    ) -> Result<ChangeEvents, SendError> {
        let q: Vec<(String, String)> = [
            ("since", since.to_string()),
            ("until", until.to_string()),
            ("limit", CHANGE_EVENTS_PER_PAGE.to_string()),
            ("offset", offset.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let url = http::join(
            &self.api,
            &format!("/services/{service_id}/change_events"),
            &q,
        );
        let auth = format!("Token token={}", self.token()?.expose());
        let req = http::request(&self.http, "GET", url, auth, None)?
            .header("Accept", ACCEPT)
            .header("Content-Type", "application/json");
        let hint = self.auth_hint();
        let api = http::Api::new(NAME, rest_error, &hint);
        let raw = http::fetch(req, &api).await?;
        if matches!(raw.status, 402 | 403) {
            let said = rest_error(&raw.body()).unwrap_or_else(|| "no reason given".into());
            return Ok(ChangeEvents::NotOnPlan(format!(
                "HTTP {}: {said}",
                raw.status
            )));
        }
        let body = http::classify(raw, &api)?.body;
        let events = body["change_events"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        // The list declares no pagination, yet its examples carry `more`: read it when it is
        // there, else a short page is the last.
        let more = body["more"]
            .as_bool()
            .unwrap_or(events.len() >= CHANGE_EVENTS_PER_PAGE);
        Ok(ChangeEvents::Page { events, more })
    }

    pub async fn find_open_by_key(&self, key: &str) -> Result<Option<Value>, SendError> {
        let q = vec![
            ("incident_key".to_string(), key.to_string()),
            ("statuses[]".to_string(), "triggered".to_string()),
            ("statuses[]".to_string(), "acknowledged".to_string()),
        ];
        Ok(
            self.rest("GET", "/incidents", &q, None).await?.body["incidents"]
                .as_array()
                .and_then(|a| a.first().cloned()),
        )
    }

    /// The newest incident with this `incident_key`, open or resolved.
    pub async fn find_by_key(&self, key: &str) -> Result<Option<Value>, SendError> {
        let q = vec![
            ("incident_key".to_string(), key.to_string()),
            ("date_range".to_string(), "all".to_string()),
        ];
        Ok(
            self.rest("GET", "/incidents", &q, None).await?.body["incidents"]
                .as_array()
                .and_then(|a| a.last().cloned()),
        )
    }

    pub async fn incident(&self, id: &str) -> Result<Value, SendError> {
        Ok(self
            .rest("GET", &format!("/incidents/{id}"), &[], None)
            .await?
            .body["incident"]
            .clone())
    }

    /// An incident with its body (`include[]=body`), where a declaration names the incident's
    /// rooms: what `inc attach` reads first.
    pub async fn incident_with_body(&self, id: &str) -> Result<Value, SendError> {
        let q = [("include[]".to_string(), "body".to_string())];
        Ok(self
            .rest("GET", &format!("/incidents/{id}"), &q, None)
            .await?
            .body["incident"]
            .clone())
    }

    /// An incident by id, or by its number (`#123`) among the recent ones.
    pub async fn incident_by_number(&self, number: u64) -> Result<Option<Value>, SendError> {
        let q = vec![
            ("date_range".to_string(), "all".to_string()),
            ("sort_by".to_string(), "created_at:desc".to_string()),
        ];
        let page = self.rest("GET", "/incidents", &q, None).await?.body;
        Ok(page["incidents"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|i| i["incident_number"].as_u64() == Some(number))
            .cloned())
    }

    /// The open (triggered or acknowledged) incidents on these services.
    pub async fn open_incidents(&self, services: &[String]) -> Result<Vec<Value>, SendError> {
        let mut q: Vec<(String, String)> = services
            .iter()
            .map(|s| ("service_ids[]".to_string(), s.clone()))
            .collect();
        q.push(("statuses[]".into(), "triggered".into()));
        q.push(("statuses[]".into(), "acknowledged".into()));
        self.get_all("/incidents", &q, "incidents").await
    }

    /// An incident's notes, oldest first (PagerDuty returns them all at once).
    pub async fn notes(&self, id: &str) -> Result<Vec<Value>, SendError> {
        let body = self
            .rest("GET", &format!("/incidents/{id}/notes"), &[], None)
            .await?
            .body;
        let mut notes = body["notes"].as_array().cloned().unwrap_or_default();
        notes.sort_by(|a, b| a["created_at"].as_str().cmp(&b["created_at"].as_str()));
        Ok(notes)
    }

    /// An incident's log entries since `since` (RFC 3339), oldest first.
    pub async fn log_entries(
        &self,
        id: &str,
        since: Option<&str>,
    ) -> Result<Vec<Value>, SendError> {
        let mut q = vec![("is_overview".to_string(), "false".to_string())];
        if let Some(s) = since {
            q.push(("since".into(), s.to_string()));
        }
        let mut entries = self
            .get_all(&format!("/incidents/{id}/log_entries"), &q, "log_entries")
            .await?;
        entries.sort_by(|a, b| a["created_at"].as_str().cmp(&b["created_at"].as_str()));
        Ok(entries)
    }

    /// The account's priorities, highest first (empty when the account has none).
    pub async fn priorities(&self) -> Result<Vec<Value>, SendError> {
        self.get_all("/priorities", &[], "priorities").await
    }

    /// Who is on call now: for the given schedules (in that order: primary, backup, shadows),
    /// or, with none given, for every schedule and escalation policy.
    pub async fn oncalls(&self, schedules: &[String]) -> Result<Vec<OnCall>, SendError> {
        let mut q: Vec<(String, String)> = schedules
            .iter()
            .map(|s| ("schedule_ids[]".to_string(), s.clone()))
            .collect();
        q.push(("include[]".into(), "users".into()));
        let entries = self.get_all("/oncalls", &q, "oncalls").await?;
        let mut out: Vec<OnCall> = Vec::new();
        for e in entries {
            let user = &e["user"];
            let Some(user_id) = user["id"].as_str() else {
                continue;
            };
            let schedule_id = e["schedule"]["id"].as_str().map(str::to_string);
            if out
                .iter()
                .any(|o| o.user_id == user_id && o.schedule_id == schedule_id)
            {
                continue;
            }
            let order = schedule_id
                .as_ref()
                .and_then(|s| schedules.iter().position(|x| x == s));
            let role = match (schedules.is_empty(), order) {
                (false, Some(0)) => "primary".to_string(),
                (false, Some(1)) => "backup".to_string(),
                (false, Some(_)) => "shadow".to_string(),
                _ => format!("level {}", e["escalation_level"].as_i64().unwrap_or(0)),
            };
            out.push(OnCall {
                role,
                schedule_id,
                schedule: e["schedule"]["summary"].as_str().map(str::to_string),
                escalation_policy: e["escalation_policy"]["summary"]
                    .as_str()
                    .map(str::to_string),
                escalation_policy_id: e["escalation_policy"]["id"].as_str().map(str::to_string),
                level: e["escalation_level"].as_i64(),
                user_id: user_id.to_string(),
                name: user["name"]
                    .as_str()
                    .or(user["summary"].as_str())
                    .unwrap_or(user_id)
                    .to_string(),
                email: user["email"].as_str().map(str::to_string),
                contacts: Vec::new(),
            });
        }
        if !schedules.is_empty() {
            out.sort_by_key(|o| {
                o.schedule_id
                    .as_ref()
                    .and_then(|s| schedules.iter().position(|x| x == s))
                    .unwrap_or(usize::MAX)
            });
        }
        Ok(out)
    }

    pub async fn contact_methods(&self, user_id: &str) -> Result<Vec<Contact>, SendError> {
        let body = self
            .rest(
                "GET",
                &format!("/users/{user_id}/contact_methods"),
                &[],
                None,
            )
            .await?
            .body;
        Ok(body["contact_methods"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| {
                let kind = match c["type"].as_str()? {
                    t if t.starts_with("phone") => "phone",
                    t if t.starts_with("sms") => "sms",
                    t if t.starts_with("email") => "email",
                    t if t.starts_with("push") => "push",
                    _ => return None,
                };
                let address = c["address"].as_str()?;
                let address = match (kind, c["country_code"].as_i64()) {
                    ("phone" | "sms", Some(cc)) => format!("+{cc} {address}"),
                    _ => address.to_string(),
                };
                Some(Contact {
                    kind: kind.into(),
                    address,
                    label: c["label"].as_str().map(str::to_string),
                })
            })
            .collect())
    }

    /// The user id behind an email (for responder requests and assignments).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<(String, String)>, SendError> {
        let q = vec![("query".to_string(), email.to_string())];
        let users = self.rest("GET", "/users", &q, None).await?.body;
        Ok(users["users"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|u| {
                u["email"]
                    .as_str()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
            })
            .map(|u| {
                (
                    u["id"].as_str().unwrap_or_default().to_string(),
                    u["name"].as_str().unwrap_or(email).to_string(),
                )
            }))
    }

    /// `inc doctor`: a read-only call that proves the token works.
    pub async fn check(&self) -> Result<String, SendError> {
        let body = self.rest("GET", "/abilities", &[], None).await?.body;
        let n = body["abilities"].as_array().map_or(0, Vec::len);
        Ok(format!("token accepted ({n} abilities)"))
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret::new(s)
    }
}

fn receipt(body: &Value) -> Receipt {
    let obj = ["incident", "note", "status_update", "responder_request"]
        .iter()
        .find_map(|k| body.get(*k))
        .unwrap_or(body);
    Receipt {
        id: obj["id"].as_str().map(str::to_string),
        url: obj["html_url"].as_str().map(str::to_string),
        note: None,
        body: body.clone(),
    }
}

/// `{"error":{"code","message","errors":[...]}}` in plain words.
fn rest_error(body: &Value) -> Option<String> {
    let e = body.get("error")?;
    let mut msg = e["message"].as_str()?.to_string();
    let details: Vec<&str> = e["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !details.is_empty() {
        msg.push_str(&format!(" ({})", details.join("; ")));
    }
    if let Some(code) = e["code"].as_i64() {
        msg.push_str(&format!(" [code {code}]"));
    }
    Some(msg)
}

fn events_error(body: &Value) -> Option<String> {
    let mut msg = body["message"].as_str()?.to_string();
    let details: Vec<&str> = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !details.is_empty() {
        msg.push_str(&format!(" ({})", details.join("; ")));
    }
    Some(msg)
}

// ---- Pure builders: each returns the delivery; nothing here touches the network. ----

fn delivery(
    action: &str,
    target: String,
    dedup_key: String,
    incident: Option<&str>,
    req: HttpRequest,
) -> Delivery {
    Delivery {
        provider: PROVIDER.into(),
        action: action.into(),
        target,
        dedup_key,
        incident: incident.map(str::to_string),
        request: Request::Http(req),
    }
}

/// What to open a PagerDuty incident with.
pub struct NewIncident<'a> {
    pub action: &'a str,
    pub title: String,
    pub service: &'a str,
    pub urgency: &'a str,
    pub incident_key: String,
    pub assignees: &'a [String],
    pub escalation_policy: Option<&'a str>,
    pub bridge: Option<(Option<String>, Option<String>)>,
    pub inc_id: Option<&'a str>,
}

pub fn create_incident(n: NewIncident<'_>) -> Delivery {
    let mut incident = json!({
        "type": "incident",
        "title": n.title.chars().take(1024).collect::<String>(),
        "service": { "id": n.service, "type": "service_reference" },
        "urgency": n.urgency,
        "incident_key": n.incident_key,
    });
    if !n.assignees.is_empty() {
        incident["assignments"] = n
            .assignees
            .iter()
            .map(|u| json!({ "assignee": { "id": u, "type": "user_reference" } }))
            .collect();
    } else if let Some(ep) = n.escalation_policy {
        incident["escalation_policy"] = json!({ "id": ep, "type": "escalation_policy_reference" });
    }
    if let Some((number, url)) = n.bridge {
        let mut b = json!({});
        if let Some(num) = number {
            b["conference_number"] = json!(num);
        }
        if let Some(u) = url {
            b["conference_url"] = json!(u);
        }
        incident["conference_bridge"] = b;
    }
    delivery(
        n.action,
        format!("service {}", n.service),
        n.incident_key,
        n.inc_id,
        HttpRequest::post("/incidents", json!({ "incident": incident })),
    )
}

/// The IC page's `incident_key` on `service`: the same on every machine, so that PagerDuty
/// itself refuses a second open IC page there (SPEC "The page is part of the incident").
pub fn ic_page_key(service: &str) -> String {
    format!("{IC_PAGE_KEY}{service}")
}

const IC_PAGE_KEY: &str = "inc-ic-page-";

/// Is this the `incident_key` of an IC page inc opened (on any machine)?
pub fn is_ic_page_key(key: &str) -> bool {
    key.starts_with(IC_PAGE_KEY)
}

/// A new incident that carries `details` as its body from its creation (the IC page's inc
/// marker: another machine's `inc attach` reads it back with `include[]=body`).
pub fn with_body(mut d: Delivery, details: &str) -> Delivery {
    if let Request::Http(h) = &mut d.request
        && let Some(b) = h.body.as_mut()
    {
        b["incident"]["body"] = json!({
            "type": "incident_body",
            "details": details.chars().take(10_000).collect::<String>(),
        });
    }
    d
}

/// An Events API v2 trigger; the routing key is added when it is sent, never stored.
pub fn trigger(summary: &str, dedup_key: String, details: Value, inc_id: Option<&str>) -> Delivery {
    let body = json!({
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "client": "inc",
        "payload": {
            "summary": summary.chars().take(1024).collect::<String>(),
            "source": "inc",
            "severity": "critical",
            "custom_details": details,
        },
    });
    delivery(
        "page_ic_event",
        "events v2 routing key".into(),
        dedup_key,
        inc_id,
        HttpRequest::post("/v2/enqueue", body).on("events"),
    )
}

/// An Events API v2 `acknowledge` or `resolve` for the alert opened with `dedup_key`.
pub fn event(action: &str, dedup_key: &str, inc_id: Option<&str>) -> Delivery {
    let body = json!({ "event_action": action, "dedup_key": dedup_key });
    delivery(
        &format!("{action}_event"),
        "events v2 routing key".into(),
        format!("{dedup_key}-{action}"),
        inc_id,
        HttpRequest::post("/v2/enqueue", body).on("events"),
    )
}

pub fn add_note(pd_id: &str, content: &str, dedup_key: String, inc_id: Option<&str>) -> Delivery {
    let body = json!({ "note": { "content": content } });
    delivery(
        "add_note",
        format!("incident {pd_id}"),
        dedup_key,
        inc_id,
        HttpRequest::post(format!("/incidents/{pd_id}/notes"), body),
    )
}

pub fn resolve(pd_id: &str, resolution: &str, dedup_key: String, inc_id: Option<&str>) -> Delivery {
    let body = json!({ "incident": { "type": "incident_reference", "status": "resolved", "resolution": resolution } });
    delivery(
        "resolve_incident",
        format!("incident {pd_id}"),
        dedup_key,
        inc_id,
        HttpRequest::put(format!("/incidents/{pd_id}"), body),
    )
}

/// Retitles an incident and sets its urgency and (when the account has one) its priority:
/// what `inc sev` changes on the pager.
pub fn update_incident(
    pd_id: &str,
    title: &str,
    urgency: &str,
    priority: Option<&str>,
    dedup_key: String,
    inc_id: Option<&str>,
) -> Delivery {
    let mut incident = json!({
        "type": "incident_reference",
        "title": title.chars().take(1024).collect::<String>(),
        "urgency": urgency,
    });
    if let Some(p) = priority {
        incident["priority"] = json!({ "id": p, "type": "priority_reference" });
    }
    delivery(
        "update_incident",
        format!("incident {pd_id}"),
        dedup_key,
        inc_id,
        HttpRequest::put(
            format!("/incidents/{pd_id}"),
            json!({ "incident": incident }),
        ),
    )
}

pub fn status_update(
    pd_id: &str,
    message: &str,
    dedup_key: String,
    inc_id: Option<&str>,
) -> Delivery {
    let body = json!({ "message": message });
    delivery(
        "status_update",
        format!("incident {pd_id}"),
        dedup_key,
        inc_id,
        HttpRequest::post(format!("/incidents/{pd_id}/status_updates"), body),
    )
}

/// Responder targets are sent in the wrapped form the API accepts (see shared/notes/apis.md §12.2).
pub fn responder_request(
    pd_id: &str,
    requester: &str,
    message: &str,
    targets: &[(String, &str)],
    dedup_key: String,
    inc_id: Option<&str>,
) -> Delivery {
    let body = json!({
        "requester_id": requester,
        "message": message,
        "responder_request_targets": targets.iter().map(|(id, kind)| json!({ "responder_request_target": { "id": id, "type": kind } })).collect::<Vec<_>>(),
    });
    let who = targets
        .iter()
        .map(|(id, _)| id.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    delivery(
        "request_responders",
        who,
        dedup_key,
        inc_id,
        HttpRequest::post(format!("/incidents/{pd_id}/responder_requests"), body),
    )
}

/// Subscribes stakeholder teams to an incident's status updates.
pub fn add_subscribers(
    pd_id: &str,
    teams: &[String],
    dedup_key: String,
    inc_id: Option<&str>,
) -> Delivery {
    let body = json!({ "subscribers": teams.iter().map(|t| json!({ "subscriber_id": t, "subscriber_type": "team" })).collect::<Vec<_>>() });
    delivery(
        "add_subscribers",
        format!("teams {}", teams.join(", ")),
        dedup_key,
        inc_id,
        HttpRequest::post(
            format!("/incidents/{pd_id}/status_updates/subscribers"),
            body,
        ),
    )
}

/// PagerDuty urgency for an inc severity: SEV-1..3 page (high), SEV-4..5 do not (low).
pub fn urgency(sev: crate::model::Severity) -> &'static str {
    if sev.number() <= 3 { "high" } else { "low" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_carry_no_secret_and_a_stable_key() {
        let d = trigger("IC needed", "inc/x/page-ic".into(), json!({}), Some("x"));
        let text = serde_json::to_string(&d).unwrap();
        assert!(!text.contains("routing_key"));
        assert_eq!(d.dedup_key, "inc/x/page-ic");
        let users = vec!["PU1".to_string(), "PU2".to_string()];
        let d = create_incident(NewIncident {
            action: "page_ic",
            title: "IC page".into(),
            service: "PSVC",
            urgency: "high",
            incident_key: "k".into(),
            assignees: &users,
            escalation_policy: None,
            bridge: None,
            inc_id: None,
        });
        let Request::Http(h) = &d.request else {
            panic!("an HTTP request")
        };
        assert_eq!(
            h.body.as_ref().unwrap()["incident"]["assignments"][1]["assignee"]["id"],
            "PU2"
        );
    }

    #[test]
    fn error_bodies_in_plain_words() {
        let b = json!({"error": {"code": 2001, "message": "Invalid Input Provided", "errors": ["Title is blank"]}});
        assert_eq!(
            rest_error(&b).unwrap(),
            "Invalid Input Provided (Title is blank) [code 2001]"
        );
    }
}
