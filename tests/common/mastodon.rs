//! A stateful fake Mastodon instance on 127.0.0.1. It checks the exact auth header
//! (`Authorization: Bearer <token>`), validates every request against the description of
//! Mastodon's API (`mastodon/schema.json`, OpenAPI 3.1), keeps the account's statuses, honours
//! `Idempotency-Key` as Mastodon does (the same key answers with the same status), refuses a
//! status over 500 characters (graphemes, every URL 23) with 422, and can be scripted to fail:
//! 401/403, 429 with Mastodon's rate-limit headers, 5xx, or a slow answer after the post.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

use super::fake::{SpecValidated, decode_body};

pub const TOKEN: &str = "fakeMastodonToken_0123456789abcdef";
pub const ACCT: &str = "status";

#[derive(Clone, Debug)]
pub enum Fault {
    Status(u16),
    /// 429 with `X-RateLimit-Reset` this many milliseconds ahead.
    RateLimited(u64),
    SlowAfterWrite(Duration),
}

#[derive(Default)]
pub struct State {
    /// id → status text, in order of creation.
    pub statuses: Vec<(String, String)>,
    pub deleted: Vec<String>,
    /// Idempotency-Key → status id.
    pub keys: BTreeMap<String, String>,
    pub log: Vec<String>,
    pub faults: VecDeque<Fault>,
    next_id: u64,
}

pub struct FakeMastodon {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
    pub spec: SpecValidated,
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "error": message }))
}

/// Mastodon's count for the tests' texts: characters, every `http(s)://` URL 23.
pub fn counted(text: &str) -> usize {
    text.split_inclusive(char::is_whitespace)
        .map(|w| {
            let word = w.trim_end();
            if word.starts_with("https://") || word.starts_with("http://") {
                23 + w.len() - word.len()
            } else {
                w.chars().count()
            }
        })
        .sum()
}

fn status(base: &str, id: &str, text: &str) -> Value {
    json!({
        "id": id,
        "uri": format!("{base}/users/{ACCT}/statuses/{id}"),
        "url": format!("{base}/@{ACCT}/{id}"),
        "created_at": "2026-11-26T03:10:00.000Z",
        "content": format!("<p>{text}</p>"),
        "text": text,
        "visibility": "public",
        "account": { "id": "1", "username": ACCT, "acct": ACCT },
    })
}

struct Responder {
    state: Arc<Mutex<State>>,
    spec: SpecValidated,
    base: String,
}

impl Responder {
    fn route(&self, req: &Request, st: &mut State) -> ResponseTemplate {
        let method = req.method.as_str();
        let path = req.url.path().to_string();
        st.log.push(format!("{method} {path}"));
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if auth != format!("Bearer {TOKEN}") {
            return error(401, "The access token is invalid");
        }
        if let Err(e) = self.spec.check_and_record(req) {
            return error(422, &format!("spec validation failed: {e}"));
        }
        let body = decode_body(req).unwrap_or(Value::Null);
        let mut delay = None;
        if method != "GET"
            && let Some(f) = st.faults.pop_front()
        {
            match f {
                Fault::Status(401) => return error(401, "The access token is invalid"),
                Fault::Status(403) => return error(403, "This action is not allowed"),
                Fault::Status(s) => return error(s, "Service unavailable"),
                Fault::RateLimited(ms) => {
                    let reset =
                        jiff::Timestamp::now() + jiff::SignedDuration::from_millis(ms as i64);
                    return error(429, "Too many requests")
                        .insert_header("X-RateLimit-Limit", "300")
                        .insert_header("X-RateLimit-Remaining", "0")
                        .insert_header("X-RateLimit-Reset", reset.to_string().as_str());
                }
                Fault::SlowAfterWrite(d) => delay = Some(d),
            }
        }
        let resp = match (method, path.as_str()) {
            ("GET", "/api/v1/accounts/verify_credentials") => ResponseTemplate::new(200)
                .set_body_json(json!({
                    "id": "1", "username": ACCT, "acct": ACCT, "display_name": "Acme Status",
                    "url": format!("{}/@{ACCT}", self.base),
                })),
            ("POST", "/api/v1/statuses") => {
                let key = req
                    .headers
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                if let Some(id) = key.as_ref().and_then(|k| st.keys.get(k)) {
                    let text = st
                        .statuses
                        .iter()
                        .find(|(i, _)| i == id)
                        .map(|(_, t)| t.clone())
                        .unwrap_or_default();
                    return ResponseTemplate::new(200).set_body_json(status(&self.base, id, &text));
                }
                let text = body["status"].as_str().unwrap_or_default().to_string();
                if counted(&text) > 500 {
                    return error(
                        422,
                        "Validation failed: Text character limit of 500 exceeded",
                    );
                }
                st.next_id += 1;
                let id = format!("1130{:014}", st.next_id);
                st.statuses.push((id.clone(), text.clone()));
                if let Some(k) = key {
                    st.keys.insert(k, id.clone());
                }
                ResponseTemplate::new(200).set_body_json(status(&self.base, &id, &text))
            }
            ("DELETE", p) if p.starts_with("/api/v1/statuses/") => {
                let id = p.rsplit('/').next().unwrap_or_default();
                match st.statuses.iter().position(|(i, _)| i == id) {
                    Some(i) => {
                        let (id, text) = st.statuses.remove(i);
                        st.deleted.push(id.clone());
                        ResponseTemplate::new(200).set_body_json(status(&self.base, &id, &text))
                    }
                    None => error(404, "Record not found"),
                }
            }
            _ => error(404, &format!("fake has no route for {method} {path}")),
        };
        match delay {
            Some(d) => resp.set_delay(d),
            None => resp,
        }
    }
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap();
        self.route(req, &mut st)
    }
}

impl FakeMastodon {
    pub async fn start() -> FakeMastodon {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        let spec = SpecValidated::load("mastodon/schema.json");
        Mock::given(any())
            .respond_with(Responder {
                state: state.clone(),
                spec: spec.clone(),
                base: server.uri(),
            })
            .mount(&server)
            .await;
        FakeMastodon {
            server,
            state,
            spec,
        }
    }

    pub fn fault(&self, f: Fault) {
        self.state.lock().unwrap().faults.push_back(f);
    }

    /// The statuses on the account now (id, text).
    pub fn statuses(&self) -> Vec<(String, String)> {
        self.state.lock().unwrap().statuses.clone()
    }

    pub fn count(&self, prefix: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|l| l.starts_with(prefix))
            .count()
    }

    pub fn assert_clean(&self) {
        self.spec.assert_clean();
    }

    /// The `mastodon = {...}` line of a `[social]` table for this fake.
    pub fn config(&self) -> String {
        format!("mastodon = {{ instance = \"{}\" }}\n", self.server.uri())
    }
}
