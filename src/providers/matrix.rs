//! Matrix client-server API (`{homeserver}/_matrix/client/v3/...`, `Authorization: Bearer`,
//! JSON bodies). Errors arrive as `{errcode, error}` and are mapped here: `M_UNKNOWN_TOKEN` /
//! `M_MISSING_TOKEN` name the token's variable, `M_LIMIT_EXCEEDED` waits `retry_after_ms`,
//! `M_ROOM_IN_USE` on `createRoom` joins and reuses the existing room, and a room given as an
//! alias (`#incident-chat:example.com`) is joined and resolved to its room id at send time.
//! Messages are sent with `PUT .../send/m.room.message/{txnId}`, the txn id derived from the
//! delivery's dedup key: the homeserver deduplicates by it, so a retry never posts twice. Every
//! message carries `m.mentions` (empty unless it is the exec update's `@room`), so the text of a
//! note can never ping a room.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};

use super::{Delivery, HttpRequest, Receipt, Request, SendError};
use crate::config::{ConfigError, Env, MatrixConfig, Secret};

pub mod sync;

pub const PROVIDER: &str = "matrix";
pub const TOKEN_ENV: &str = "MATRIX_ACCESS_TOKEN";
const CS: &str = "/_matrix/client/v3";

/// Percent-encodes one path segment (a room id or alias): everything but RFC 3986 unreserved.
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn dec(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
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

/// The localpart of a per-incident room alias: `inc-20261126-checkout-returns-500s`
/// (lowercase letters, digits and `-`; at most 80 characters).
pub fn alias_localpart(prefix: &str, date: &str, name: &str) -> String {
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let clean = |s: &str| {
        s.to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
    };
    let mut a = format!(
        "{}{}-{}",
        clean(prefix),
        clean(date),
        slug.trim_matches('-')
    );
    a.truncate(80);
    a.trim_end_matches('-').to_string()
}

/// The transaction id of a message: the dedup key in the characters Matrix allows, with a short
/// hash when anything had to change, so two keys never share a txn id.
pub fn txn_id(dedup_key: &str) -> String {
    let clean: String = dedup_key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~') {
                c
            } else {
                '_'
            }
        })
        .take(200)
        .collect();
    if clean == dedup_key {
        return clean;
    }
    format!("{clean}.{}", fnv(dedup_key))
}

/// FNV-1a of `s` in 16 hex digits: stable across runs and machines (std's hasher is seeded).
pub fn fnv(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

// ---- Pure builders ----

fn delivery(
    action: &str,
    target: &str,
    dedup_key: String,
    inc_id: Option<&str>,
    request: HttpRequest,
) -> Delivery {
    Delivery {
        provider: PROVIDER.into(),
        action: action.into(),
        target: target.into(),
        dedup_key,
        incident: inc_id.map(str::to_string),
        request: Request::Http(request),
    }
}

/// Creates the incident's own room with the alias `#{alias}:{server}`: public to the server for
/// an ordinary incident, invite-only (`private_chat`) for a security one. The receipt's id is the
/// room id; when the alias is taken, the existing room is joined and reused.
pub fn create_room(
    alias: &str,
    name: &str,
    private: bool,
    dedup_key: String,
    inc_id: &str,
) -> Delivery {
    let body = json!({
        "room_alias_name": alias,
        "name": name,
        "preset": if private { "private_chat" } else { "public_chat" },
        "visibility": "private",
    });
    delivery(
        "create_room",
        &format!("#{alias}"),
        dedup_key,
        Some(inc_id),
        HttpRequest::post(format!("{CS}/createRoom"), body),
    )
}

/// Joins a room by alias or id (the shared incident room); the receipt's id is the room id.
pub fn join_room(room: &str, dedup_key: String, inc_id: &str) -> Delivery {
    delivery(
        "join_room",
        room,
        dedup_key,
        Some(inc_id),
        HttpRequest::post(format!("{CS}/join/{}", enc(room)), json!({})),
    )
}

/// Sets `m.room.topic`.
pub fn set_topic(room: &str, topic: &str, dedup_key: String, inc_id: &str) -> Delivery {
    delivery(
        "set_topic",
        room,
        dedup_key,
        Some(inc_id),
        HttpRequest::put(
            format!("{CS}/rooms/{}/state/m.room.topic", enc(room)),
            json!({ "topic": topic }),
        ),
    )
}

fn send(
    action: &str,
    room: &str,
    content: Value,
    dedup_key: String,
    inc_id: Option<&str>,
) -> Delivery {
    let path = format!(
        "{CS}/rooms/{}/send/m.room.message/{}",
        enc(room),
        enc(&txn_id(&dedup_key))
    );
    delivery(
        action,
        room,
        dedup_key,
        inc_id,
        HttpRequest::put(path, content),
    )
}

/// Points a request addressed to a room by its alias at the room's id (a post queued while
/// the room was still being created); other requests are left as they are.
pub fn retarget(req: &mut HttpRequest, room_id: &str) {
    let rooms = format!("{CS}/rooms/");
    if let Some(rest) = req.path.strip_prefix(&rooms) {
        let tail = rest.split_once('/').map_or("", |(_, t)| t);
        req.path = format!("{rooms}{}/{tail}", enc(room_id));
    }
}

/// A plain-text message that mentions nobody (`"m.mentions": {}`), whatever its text says.
pub fn post(room: &str, text: &str, dedup_key: String, inc_id: Option<&str>) -> Delivery {
    let content = json!({ "msgtype": "m.text", "body": text, "m.mentions": {} });
    send("post", room, content, dedup_key, inc_id)
}

/// A message that names people: `html` holds their pills ([`pill`]) and only `user_ids` are
/// notified (`"m.mentions": {"user_ids": [...]}`); `text` is the plain form.
pub fn post_mentioning(
    room: &str,
    text: &str,
    html: &str,
    user_ids: &[String],
    dedup_key: String,
    inc_id: Option<&str>,
) -> Delivery {
    let content = json!({
        "msgtype": "m.text",
        "body": text,
        "format": "org.matrix.custom.html",
        "formatted_body": html,
        "m.mentions": { "user_ids": user_ids },
    });
    send("post", room, content, dedup_key, inc_id)
}

/// A user pill: a matrix.to link to `user_id` showing `name` (clients render it as the user).
pub fn pill(user_id: &str, name: &str) -> String {
    format!(
        "<a href=\"https://matrix.to/#/{}\">{}</a>",
        html_escape(user_id),
        html_escape(name)
    )
}

/// Text for an HTML body (`formatted_body`).
pub fn html_text(s: &str) -> String {
    html_escape(s).replace('\n', "<br>")
}

/// Invites a user to a room (the people of an incident to its own room).
pub fn invite(room: &str, user_id: &str, dedup_key: String, inc_id: &str) -> Delivery {
    delivery(
        "invite",
        room,
        dedup_key,
        Some(inc_id),
        HttpRequest::post(
            format!("{CS}/rooms/{}/invite", enc(room)),
            json!({ "user_id": user_id }),
        ),
    )
}

/// A message that notifies the whole room: `@room` in the body, `"m.mentions": {"room": true}`,
/// and an HTML form with the first line in bold.
pub fn post_room_mention(
    room: &str,
    text: &str,
    dedup_key: String,
    inc_id: Option<&str>,
) -> Delivery {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let mut html = format!("@room <strong>{}</strong>", html_escape(first));
    for l in lines {
        html.push_str("<br>");
        html.push_str(&html_escape(l));
    }
    let content = json!({
        "msgtype": "m.text",
        "body": format!("@room {text}"),
        "format": "org.matrix.custom.html",
        "formatted_body": html,
        "m.mentions": { "room": true },
    });
    send("post", room, content, dedup_key, inc_id)
}

/// Puts a room state event (`org.inc.incident`: the incident's current facts).
pub fn set_state(
    room: &str,
    event_type: &str,
    content: Value,
    dedup_key: String,
    inc_id: &str,
) -> Delivery {
    delivery(
        "set_state",
        room,
        dedup_key,
        Some(inc_id),
        HttpRequest::put(
            format!("{CS}/rooms/{}/state/{}/", enc(room), enc(event_type)),
            content,
        ),
    )
}

/// Pins an event (the roster). The client adds it to the room's current pins at send time.
pub fn pin(room: &str, event_id: &str, dedup_key: String, inc_id: &str) -> Delivery {
    delivery(
        "pin",
        room,
        dedup_key,
        Some(inc_id),
        HttpRequest::put(
            format!("{CS}/rooms/{}/state/m.room.pinned_events", enc(room)),
            json!({ "pinned": [event_id] }),
        ),
    )
}

// ---- Errors ----

/// A failed call, before it becomes a [`SendError`].
#[derive(Debug)]
struct MxError {
    status: Option<u16>,
    errcode: String,
    message: String,
    retry_after: Option<Duration>,
}

impl MxError {
    fn is(&self, errcode: &str) -> bool {
        self.errcode == errcode
    }
}

/// Maps a Matrix error to the engine's classes. `hint` says where the token comes from.
fn classify(e: MxError, hint: &str) -> SendError {
    let said = if e.errcode.is_empty() {
        e.message.clone()
    } else {
        format!("{}: {}", e.errcode, e.message)
    };
    let with_status = match e.status {
        Some(s) => format!("Matrix: HTTP {s} {said}"),
        None => format!("Matrix: {said}"),
    };
    match (e.status, e.errcode.as_str()) {
        (_, "M_UNKNOWN_TOKEN" | "M_MISSING_TOKEN") | (Some(401), _) => SendError::Auth {
            message: format!("Matrix: the homeserver refused the access token ({said}); {hint}"),
        },
        (_, "M_LIMIT_EXCEEDED") | (Some(408 | 429 | 500..=599), _) | (None, _) => {
            SendError::Transient {
                message: with_status,
                retry_after: e.retry_after,
            }
        }
        (status, _) => SendError::Rejected {
            status,
            message: with_status,
        },
    }
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// The `{errcode, error, retry_after_ms}` of an error body.
fn mx_error(status: u16, header_retry: Option<Duration>, body: &Value) -> MxError {
    let retry_ms = body["retry_after_ms"].as_u64();
    MxError {
        status: Some(status),
        errcode: body["errcode"].as_str().unwrap_or_default().to_string(),
        message: match body["error"].as_str() {
            Some(m) => m.to_string(),
            None if body.is_null() => "no body".into(),
            None => body.to_string().chars().take(200).collect(),
        },
        retry_after: retry_ms.map(Duration::from_millis).or(header_retry),
    }
}

// ---- The client ----

pub struct Client {
    http: reqwest::Client,
    base: url::Url,
    token: Result<Secret, String>,
    token_source: String,
    /// Aliases joined and resolved in this run: alias → room id.
    rooms: Mutex<HashMap<String, String>>,
    /// The bot's user id (from `whoami`), for its server name.
    me: Mutex<Option<String>>,
}

impl Client {
    /// Why this client has no secret to send with (its variable unset, its `token_cmd`
    /// failing), naming the variable or `token_cmd`; asked before anything is sent.
    pub fn secret_error(&self) -> Option<String> {
        self.token.as_ref().err().cloned()
    }

    pub fn new(
        http: reqwest::Client,
        cfg: &MatrixConfig,
        env: &Env,
    ) -> Result<Client, ConfigError> {
        let hs = cfg
            .homeserver
            .as_deref()
            .ok_or_else(|| ConfigError::Invalid {
                key: "matrix.homeserver".into(),
                message: "missing: the homeserver's URL, e.g. https://matrix.example.com".into(),
            })?;
        let base = crate::config::check_http_url(hs).map_err(|message| ConfigError::Invalid {
            key: "matrix.homeserver".into(),
            message,
        })?;
        Ok(Client {
            http,
            base,
            token: cfg
                .secret
                .resolve(TOKEN_ENV, env)
                .map_err(|e| e.to_string()),
            token_source: cfg.secret.describe(TOKEN_ENV),
            rooms: Mutex::new(HashMap::new()),
            me: Mutex::new(None),
        })
    }

    fn hint(&self) -> String {
        format!(
            "check the access token in {} and run `inc doctor`",
            self.token_source
        )
    }

    /// Never lets the token through, whatever a server or a library put in a message.
    fn redact(&self, e: SendError) -> SendError {
        let Ok(token) = &self.token else { return e };
        let t = token.expose();
        let r = |m: String| if t.len() >= 4 { m.replace(t, "***") } else { m };
        match e {
            SendError::Transient {
                message,
                retry_after,
            } => SendError::Transient {
                message: r(message),
                retry_after,
            },
            SendError::Rejected { status, message } => SendError::Rejected {
                status,
                message: r(message),
            },
            SendError::Auth { message } => SendError::Auth {
                message: r(message),
            },
            SendError::Unconfirmed { message } => SendError::Unconfirmed {
                message: r(message),
            },
            other => other,
        }
    }

    /// One call; a non-2xx answer becomes an [`MxError`].
    async fn raw(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, MxError> {
        self.raw_q(method, path, &[], body).await
    }

    /// [`Self::raw`] with a query string.
    async fn raw_q(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Value, MxError> {
        let token = self.token.as_ref().map_err(|e| MxError {
            status: Some(401),
            errcode: "M_MISSING_TOKEN".into(),
            message: format!("no access token: {e}"),
            retry_after: None,
        })?;
        let url = super::http::join(&self.base, path, query);
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| MxError {
            status: None,
            errcode: String::new(),
            message: e.to_string(),
            retry_after: None,
        })?;
        let mut req = self
            .http
            .request(method, url)
            .header("Authorization", format!("Bearer {}", token.expose()));
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(serde_json::to_vec(b).expect("json"));
        }
        let transport = |e: reqwest::Error| MxError {
            status: None,
            errcode: String::new(),
            message: if e.is_timeout() {
                "timed out".into()
            } else if e.is_connect() {
                format!("could not connect: {}", root_cause(&e))
            } else {
                root_cause(&e)
            },
            retry_after: None,
        };
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let header_retry = super::http::retry_after(resp.headers());
        let text = resp.text().await;
        let ok = (200..300).contains(&status);
        // A 2xx whose answer is lost may have been applied: transient, and the retry (a send's
        // txn id, a room's alias) recognises what the first try did.
        let lost = |why: String| MxError {
            status: None,
            errcode: String::new(),
            message: format!("HTTP {status}, but {why}; it may have been applied"),
            retry_after: None,
        };
        let text = match text {
            Ok(t) => t,
            Err(e) if ok => {
                return Err(lost(format!(
                    "the answer was cut off ({})",
                    transport(e).message
                )));
            }
            Err(_) => String::new(),
        };
        let value: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(_) if ok => {
                    let start: String = text.chars().take(60).collect();
                    return Err(lost(format!("the answer is not JSON ({})", start.trim())));
                }
                Err(_) => Value::String(text),
            }
        };
        if ok {
            Ok(value)
        } else {
            Err(mx_error(status, header_retry, &value))
        }
    }

    /// [`Self::raw`] with the error classified.
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, SendError> {
        self.raw(method, path, body)
            .await
            .map_err(|e| self.redact(classify(e, &self.hint())))
    }

    /// The bot's user id (`whoami`, asked once per run).
    async fn user_id(&self) -> Result<String, SendError> {
        if let Some(me) = self.me.lock().expect("lock").clone() {
            return Ok(me);
        }
        let b = self
            .call("GET", &format!("{CS}/account/whoami"), None)
            .await?;
        let me = b["user_id"].as_str().unwrap_or_default().to_string();
        *self.me.lock().expect("lock") = Some(me.clone());
        Ok(me)
    }

    /// Resolves an alias and joins the room (joining a room the bot is in is a no-op).
    async fn join_alias(&self, alias: &str) -> Result<String, SendError> {
        if let Some(id) = self.rooms.lock().expect("lock").get(alias) {
            return Ok(id.clone());
        }
        let dir = format!("{CS}/directory/room/{}", enc(alias));
        let id = match self.raw("GET", &dir, None).await {
            Ok(b) => b["room_id"].as_str().unwrap_or_default().to_string(),
            Err(e) if e.is("M_NOT_FOUND") => {
                return Err(SendError::Rejected {
                    status: e.status,
                    message: format!("no room has the alias {alias}: create it, or fix the config"),
                });
            }
            Err(e) => return Err(self.redact(classify(e, &self.hint()))),
        };
        match self
            .raw(
                "POST",
                &format!("{CS}/join/{}", enc(alias)),
                Some(&json!({})),
            )
            .await
        {
            Ok(_) => {}
            Err(e) if e.is("M_FORBIDDEN") => {
                let me = self.user_id().await.unwrap_or_else(|_| "the bot".into());
                return Err(SendError::Rejected {
                    status: e.status,
                    message: format!(
                        "{alias} exists but {me} may not join it: invite {me} ({})",
                        e.message
                    ),
                });
            }
            Err(e) => return Err(self.redact(classify(e, &self.hint()))),
        }
        self.rooms
            .lock()
            .expect("lock")
            .insert(alias.to_string(), id.clone());
        Ok(id)
    }

    /// The user the access token belongs to (`GET /account/whoami`, asked once).
    pub async fn me(&self) -> Result<String, SendError> {
        self.user_id().await
    }

    /// Whether the homeserver has this user (`GET /profile/{userId}`): how an email's
    /// `@localpart:server` is checked before it is mentioned or invited.
    pub async fn user_exists(&self, user_id: &str) -> Result<bool, SendError> {
        let path = format!("{CS}/profile/{}", enc(user_id));
        match self.raw("GET", &path, None).await {
            Ok(_) => Ok(true),
            Err(e) if e.is("M_NOT_FOUND") || e.status == Some(404) => Ok(false),
            Err(e) => Err(self.redact(classify(e, &self.hint()))),
        }
    }

    /// The room id of an alias without joining it (read-only, for `inc doctor`).
    pub async fn resolve(&self, room: &str) -> Result<String, SendError> {
        if !room.starts_with('#') {
            return self.room_id(room).await;
        }
        let dir = format!("{CS}/directory/room/{}", enc(room));
        match self.raw("GET", &dir, None).await {
            Ok(b) => Ok(b["room_id"].as_str().unwrap_or_default().to_string()),
            Err(e) if e.is("M_NOT_FOUND") => Err(SendError::Rejected {
                status: e.status,
                message: "no room has this alias".into(),
            }),
            Err(e) => Err(self.redact(classify(e, &self.hint()))),
        }
    }

    /// The room id of an alias, `None` when no room has it (read-only). An alias given by its
    /// localpart alone (`#inc-20261130-checkout`, as a declaration names its room before it
    /// exists) is on this account's homeserver, as `createRoom` made it.
    pub async fn find_alias(&self, alias: &str) -> Result<Option<String>, SendError> {
        let full = if alias.contains(':') {
            alias.to_string()
        } else {
            let me = self.user_id().await?;
            let server = me.split_once(':').map(|(_, s)| s).unwrap_or_default();
            format!("#{}:{server}", alias.trim_start_matches('#'))
        };
        let dir = format!("{CS}/directory/room/{}", enc(&full));
        match self.raw("GET", &dir, None).await {
            Ok(b) => Ok(b["room_id"]
                .as_str()
                .filter(|r| !r.is_empty())
                .map(str::to_string)),
            Err(e) if e.is("M_NOT_FOUND") => Ok(None),
            Err(e) => Err(self.redact(classify(e, &self.hint()))),
        }
    }

    /// A room state event's content, or `None` when the room has none of that type.
    pub async fn state(&self, room_id: &str, event_type: &str) -> Result<Option<Value>, SendError> {
        let path = format!("{CS}/rooms/{}/state/{}/", enc(room_id), enc(event_type));
        match self.raw("GET", &path, None).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is("M_NOT_FOUND") => Ok(None),
            Err(e) => Err(self.redact(classify(e, &self.hint()))),
        }
    }

    /// Joins a room by id or alias (attach: the responder's bot may not be in it yet).
    pub async fn join(&self, room: &str) -> Result<String, SendError> {
        let b = self
            .call(
                "POST",
                &format!("{CS}/join/{}", enc(room)),
                Some(&json!({})),
            )
            .await?;
        Ok(b["room_id"].as_str().unwrap_or(room).to_string())
    }

    /// The room's messages after `from` (a pagination token; `None`: from the room's start),
    /// oldest first, and the token to continue from: one incremental pull.
    pub async fn messages(
        &self,
        room_id: &str,
        from: Option<&str>,
    ) -> Result<(Vec<Value>, Option<String>), SendError> {
        let path = format!("{CS}/rooms/{}/messages", enc(room_id));
        let mut out = Vec::new();
        let mut token = from.map(str::to_string);
        for _ in 0..100 {
            let mut q = vec![
                ("dir".to_string(), "f".to_string()),
                ("limit".to_string(), "500".to_string()),
                (
                    "filter".to_string(),
                    json!({ "types": ["m.room.message", "m.room.name", "m.room.topic"] })
                        .to_string(),
                ),
            ];
            if let Some(t) = &token {
                q.push(("from".into(), t.clone()));
            }
            let b = self
                .raw_q("GET", &path, &q, None)
                .await
                .map_err(|e| self.redact(classify(e, &self.hint())))?;
            let chunk = b["chunk"].as_array().cloned().unwrap_or_default();
            let end = b["end"].as_str().map(str::to_string);
            let done = chunk.is_empty() || end.is_none();
            out.extend(chunk);
            if end.is_some() {
                token = end;
            }
            if done {
                break;
            }
        }
        Ok((out, token))
    }

    /// A room's messages (`m.room.message`) sent at or after `since_ms` (origin_server_ts),
    /// newest first, at most `max`: read backwards from the room's end (`dir=b`), the way
    /// `inc changes` reads the team's deploy room.
    pub async fn recent_messages(
        &self,
        room_id: &str,
        since_ms: i64,
        max: usize,
    ) -> Result<Vec<Value>, SendError> {
        let path = format!("{CS}/rooms/{}/messages", enc(room_id));
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        while out.len() < max {
            let mut q = vec![
                ("dir".to_string(), "b".to_string()),
                ("limit".to_string(), "100".to_string()),
                (
                    "filter".to_string(),
                    json!({ "types": ["m.room.message"] }).to_string(),
                ),
            ];
            if let Some(t) = &token {
                q.push(("from".into(), t.clone()));
            }
            let b = self
                .raw_q("GET", &path, &q, None)
                .await
                .map_err(|e| self.redact(classify(e, &self.hint())))?;
            let chunk = b["chunk"].as_array().cloned().unwrap_or_default();
            let mut older = chunk.is_empty();
            for m in chunk {
                if m["origin_server_ts"].as_i64().unwrap_or(0) < since_ms {
                    older = true;
                    continue;
                }
                out.push(m);
            }
            match b["end"].as_str() {
                Some(end) if !older => token = Some(end.to_string()),
                _ => break,
            }
        }
        out.truncate(max);
        Ok(out)
    }

    /// Rooms the bot has joined that carry `org.inc.incident`: `(room id, its content)`.
    pub async fn incident_rooms(
        &self,
        state_type: &str,
    ) -> Result<Vec<(String, Value)>, SendError> {
        let b = self
            .call("GET", &format!("{CS}/joined_rooms"), None)
            .await?;
        let mut out = Vec::new();
        for r in b["joined_rooms"].as_array().into_iter().flatten().take(500) {
            let Some(id) = r.as_str() else { continue };
            if let Some(c) = self.state(id, state_type).await? {
                out.push((id.to_string(), c));
            }
        }
        Ok(out)
    }

    /// The room id of a configured room: an id as is, an alias joined and resolved.
    pub async fn room_id(&self, room: &str) -> Result<String, SendError> {
        if room.starts_with('!') {
            Ok(room.to_string())
        } else if room.starts_with('#') && room.contains(':') {
            self.join_alias(room).await
        } else {
            Err(SendError::Rejected {
                status: None,
                message: format!(
                    "'{room}' is not a Matrix room: use an alias (#name:server) or a room id (!id:server)"
                ),
            })
        }
    }

    /// Sends one delivery with Matrix's recoveries. A retried `createRoom` (`attempt` > 1: the
    /// earlier try may have made the room, its answer lost) first looks for the room's alias.
    pub async fn send(&self, d: &Delivery, attempt: u32) -> Result<Receipt, SendError> {
        let Request::Http(req) = &d.request else {
            return Err(SendError::Rejected {
                status: None,
                message: "not an HTTP delivery".into(),
            });
        };
        let body = req.body.clone().unwrap_or(json!({}));
        let mut path = req.path.clone();
        // A room given as an alias is joined and replaced by its id (sends need an id).
        let rooms = format!("{CS}/rooms/");
        if let Some(rest) = req.path.strip_prefix(&rooms) {
            let (seg, tail) = rest.split_once('/').unwrap_or((rest, ""));
            let room = dec(seg);
            if room.starts_with('#') {
                let id = self.room_id(&room).await?;
                path = format!("{rooms}{}/{tail}", enc(&id));
            }
        }
        if d.action == "pin" {
            return self.pin(&path, &body).await;
        }
        if d.action == "create_room" && attempt > 1 {
            let alias = self.own_alias(&body).await?;
            let dir = format!("{CS}/directory/room/{}", enc(&alias));
            if self.raw("GET", &dir, None).await.is_ok() {
                let id = self.join_alias(&alias).await?;
                return Ok(Receipt {
                    id: Some(id),
                    ..Default::default()
                });
            }
        }
        match self.raw(&req.method, &path, Some(&body)).await {
            Ok(b) => Ok(receipt(&b)),
            // Inviting someone who is already there (a re-run, `outbox retry`) is done.
            Err(e) if d.action == "invite" && e.message.contains("already in the room") => {
                Ok(Receipt {
                    note: Some("already in the room".into()),
                    ..Default::default()
                })
            }
            // The alias is taken (Synapse says M_ROOM_IN_USE, or 409 when another request made
            // it a moment earlier): join and reuse that room.
            Err(e)
                if d.action == "create_room"
                    && (e.is("M_ROOM_IN_USE") || e.status == Some(409)) =>
            {
                let alias = self.own_alias(&body).await?;
                let id = self.join_alias(&alias).await?;
                Ok(Receipt {
                    id: Some(id),
                    note: (attempt == 1).then(|| format!("reused the existing {alias}")),
                    ..Default::default()
                })
            }
            Err(e) => Err(self.redact(classify(e, &self.hint()))),
        }
    }

    /// The full alias a `createRoom` body asks for (`#local:server`, the bot's server).
    async fn own_alias(&self, body: &Value) -> Result<String, SendError> {
        let local = body["room_alias_name"].as_str().unwrap_or_default();
        let me = self.user_id().await?;
        let server = me.split_once(':').map(|(_, s)| s).unwrap_or_default();
        Ok(format!("#{local}:{server}"))
    }

    /// Adds the events to the room's pins (a no-op when they are pinned already).
    async fn pin(&self, path: &str, body: &Value) -> Result<Receipt, SendError> {
        let mut pinned: Vec<Value> = match self.raw("GET", path, None).await {
            Ok(b) => b["pinned"].as_array().cloned().unwrap_or_default(),
            Err(e) if e.is("M_NOT_FOUND") => Vec::new(),
            Err(e) => return Err(self.redact(classify(e, &self.hint()))),
        };
        let before = pinned.len();
        for ev in body["pinned"].as_array().into_iter().flatten() {
            if !pinned.contains(ev) {
                pinned.push(ev.clone());
            }
        }
        if pinned.len() == before {
            return Ok(Receipt {
                note: Some("already pinned".into()),
                ..Default::default()
            });
        }
        let b = self
            .call("PUT", path, Some(&json!({ "pinned": pinned })))
            .await?;
        Ok(receipt(&b))
    }

    /// `inc doctor`: `GET /account/whoami` proves the token.
    pub async fn check(&self) -> Result<String, SendError> {
        let b = self
            .call("GET", &format!("{CS}/account/whoami"), None)
            .await?;
        let user = b["user_id"].as_str().unwrap_or("?");
        Ok(format!(
            "whoami ok: {user} on {}",
            self.base.as_str().trim_end_matches('/')
        ))
    }

    /// Whether a room is closed to the public (join rule other than `public`), for exec updates
    /// about security incidents.
    pub async fn is_private(&self, room: &str) -> Result<bool, SendError> {
        let id = self.room_id(room).await?;
        let path = format!("{CS}/rooms/{}/state/m.room.join_rules", enc(&id));
        let b = self.call("GET", &path, None).await?;
        Ok(b["join_rule"].as_str() != Some("public"))
    }
}

fn receipt(b: &Value) -> Receipt {
    let id = b["room_id"]
        .as_str()
        .or(b["event_id"].as_str())
        .map(str::to_string);
    Receipt {
        id,
        url: None,
        note: None,
        body: b.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(d: &Delivery) -> &HttpRequest {
        let Request::Http(h) = &d.request else {
            panic!("not HTTP")
        };
        h
    }

    #[test]
    fn aliases_are_valid_localparts() {
        let a = alias_localpart("inc-", "20261126", "Checkout: 500s for ALL users!! (EU)");
        assert_eq!(a, "inc-20261126-checkout-500s-for-all-users-eu");
        let long = alias_localpart("inc-", "20261126", &"very long title ".repeat(20));
        assert!(long.len() <= 80 && !long.ends_with('-'));
    }

    #[test]
    fn paths_encode_room_ids_and_aliases() {
        assert_eq!(
            enc("#incident-chat:example.com"),
            "%23incident-chat%3Aexample.com"
        );
        assert_eq!(dec(&enc("!abc:example.com")), "!abc:example.com");
        let d = join_room("#ops:example.com", "k".into(), "i");
        assert_eq!(
            http(&d).path,
            "/_matrix/client/v3/join/%23ops%3Aexample.com"
        );
        let d = set_topic("!r:x", "SEV-1", "k".into(), "i");
        assert_eq!(http(&d).method, "PUT");
        assert_eq!(
            http(&d).path,
            "/_matrix/client/v3/rooms/%21r%3Ax/state/m.room.topic"
        );
    }

    #[test]
    fn txn_ids_come_from_the_dedup_key() {
        assert_eq!(
            txn_id("inc-261126-0304-k3f9-matrix-roster"),
            "inc-261126-0304-k3f9-matrix-roster"
        );
        let odd = txn_id("inc/a b");
        assert!(odd.starts_with("inc_a_b.") && odd != txn_id("inc/a:b"));
        let d = post("!r:x", "hi", "inc-1-note-0-matrix".into(), Some("1"));
        assert!(
            http(&d)
                .path
                .ends_with("/send/m.room.message/inc-1-note-0-matrix")
        );
    }

    #[test]
    fn only_the_exec_update_mentions_the_room() {
        let d = post("!r:x", "@room look", "k".into(), None);
        assert_eq!(http(&d).body.as_ref().unwrap()["m.mentions"], json!({}));
        let d = post_room_mention(
            "!r:x",
            "Executive update: SEV-1 <x>\nImpact: all",
            "k".into(),
            None,
        );
        let b = http(&d).body.clone().unwrap();
        assert_eq!(b["m.mentions"], json!({ "room": true }));
        assert!(
            b["body"]
                .as_str()
                .unwrap()
                .starts_with("@room Executive update")
        );
        assert_eq!(
            b["formatted_body"],
            "@room <strong>Executive update: SEV-1 &lt;x&gt;</strong><br>Impact: all"
        );
    }

    #[test]
    fn security_rooms_are_invite_only() {
        let d = create_room("inc-x", "Codename", true, "k".into(), "i");
        assert_eq!(http(&d).body.as_ref().unwrap()["preset"], "private_chat");
        let d = create_room("inc-x", "Title", false, "k".into(), "i");
        assert_eq!(http(&d).body.as_ref().unwrap()["preset"], "public_chat");
        assert_eq!(d.target, "#inc-x");
    }

    #[test]
    fn errors_are_classified() {
        let e = |status, code: &str, extra: Value| {
            let mut body = json!({ "errcode": code, "error": "x" });
            if let (Some(b), Some(x)) = (body.as_object_mut(), extra.as_object()) {
                b.extend(x.clone());
            }
            classify(mx_error(status, None, &body), "check $MATRIX_ACCESS_TOKEN")
        };
        assert!(matches!(
            e(429, "M_LIMIT_EXCEEDED", json!({"retry_after_ms": 1500})),
            SendError::Transient { retry_after: Some(d), .. } if d == Duration::from_millis(1500)
        ));
        match e(401, "M_UNKNOWN_TOKEN", json!({})) {
            SendError::Auth { message } => assert!(message.contains("$MATRIX_ACCESS_TOKEN")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            e(403, "M_FORBIDDEN", json!({})),
            SendError::Rejected {
                status: Some(403),
                ..
            }
        ));
        assert!(matches!(e(502, "", json!({})), SendError::Transient { .. }));
    }

    /// Property tests: a plain post mentions nobody whatever its text; the room mention of an
    /// exec update carries no HTML from the user's text and mentions the room only; the ids
    /// built from text stay valid.
    mod props {
        use super::*;
        use crate::providers::slack::tests::props::hostile;
        use proptest::prelude::*;

        fn content(d: &Delivery) -> Value {
            let Request::Http(h) = &d.request else {
                panic!("http")
            };
            h.body.clone().unwrap()
        }

        fn matrix_hostile() -> impl Strategy<Value = String> {
            prop_oneof![
                hostile(),
                prop::collection::vec(
                    prop::sample::select(vec![
                        "@room",
                        "@ROOM",
                        "@ann:example.com",
                        "<a href=\"https://matrix.to/#/@room\">x</a>",
                        "<strong>",
                        "</strong>",
                        "<br>",
                        "<script>",
                        "&",
                        "\"",
                        "\n",
                        "\r\n",
                        "x",
                    ]),
                    0..16,
                )
                .prop_map(|v| v.concat()),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn a_post_mentions_nobody(text in matrix_hostile()) {
                let c = content(&post("!r:x", &text, "k".into(), None));
                prop_assert_eq!(&c["m.mentions"], &json!({}));
                prop_assert_eq!(c["body"].as_str(), Some(text.as_str()));
                prop_assert!(c.get("formatted_body").is_none());
            }

            #[test]
            fn a_room_mention_carries_no_user_html(text in matrix_hostile()) {
                let c = content(&post_room_mention("!r:x", &text, "k".into(), None));
                prop_assert_eq!(&c["m.mentions"], &json!({ "room": true }));
                let html = c["formatted_body"].as_str().unwrap();
                prop_assert!(html.starts_with("@room <strong>"), "{}", html);
                let rest = html
                    .replace("<strong>", "")
                    .replace("</strong>", "")
                    .replace("<br>", "");
                prop_assert!(!rest.contains('<') && !rest.contains('>'), "{:?} → {:?}", text, html);
            }

            #[test]
            fn ids_from_text_stay_valid(name in matrix_hostile(), key in any::<String>()) {
                let a = alias_localpart("inc-", "20261126", &name);
                prop_assert!(a.len() <= 80);
                prop_assert!(a.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{}", a);
                let t = txn_id(&key);
                prop_assert!(!t.is_empty() || key.is_empty());
                prop_assert!(!t.contains('/') && !t.contains('?') && !t.contains('#'), "{}", t);
            }
        }
    }
}
