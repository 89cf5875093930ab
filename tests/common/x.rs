//! A stateful fake X API v2 on 127.0.0.1. It checks the exact auth header (`Authorization:
//! Bearer <user token>`), validates every request against X's own description
//! (`x/openapi.json`), keeps the account's posts, refuses what X refuses (a post over 280
//! weighted characters, the same words twice), answers with links rewritten to t.co as X
//! does, and can be scripted to fail: 401/403, 429 with X's rate-limit headers, 5xx, or a slow
//! answer after the post landed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

use super::fake::{SpecValidated, decode_body};

pub const TOKEN: &str = "fakeXUserAccessToken0123456789";
pub const USER_ID: &str = "1500000000000000001";
pub const USERNAME: &str = "acmestatus";

#[derive(Clone, Debug)]
pub enum Fault {
    Status(u16),
    /// 429 with `x-rate-limit-reset` this many seconds ahead.
    RateLimited(u64),
    /// Make the post, but answer only after this delay (the client times out first).
    SlowAfterWrite(Duration),
}

#[derive(Default)]
pub struct State {
    /// The account's posts, newest last: (id, text as X stores it).
    pub posts: Vec<(String, String)>,
    pub deleted: Vec<String>,
    /// Every request as `METHOD path`.
    pub log: Vec<String>,
    /// Every post body's text, refused ones included.
    pub attempts: Vec<String>,
    pub faults: VecDeque<Fault>,
    next_id: u64,
}

pub struct FakeX {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
    pub spec: SpecValidated,
}

fn problem(status: u16, title: &str, detail: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "title": title, "type": "about:blank", "status": status, "detail": detail,
    }))
}

/// X's weighted length for the tests' texts: URLs 23, other characters 1 (the tests post
/// Latin text; CJK and emoji weights are unit-tested in the adapter).
pub fn weighted(text: &str) -> usize {
    text.split_inclusive(char::is_whitespace)
        .map(|w| {
            let word = w.trim_end();
            let space = w.len() - word.len();
            if word.starts_with("https://") || word.starts_with("http://") {
                23 + space
            } else {
                w.chars().count()
            }
        })
        .sum()
}

/// How X returns a post's text: every link a t.co link, `&` escaped.
fn stored(text: &str, id: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|w| {
            let word = w.trim_end();
            if word.starts_with("https://") || word.starts_with("http://") {
                format!("https://t.co/{id}{}", &w[word.len()..])
            } else {
                w.replace('&', "&amp;")
            }
        })
        .collect()
}

struct Responder {
    state: Arc<Mutex<State>>,
    spec: SpecValidated,
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
            return problem(401, "Unauthorized", "Unauthorized");
        }
        if let Err(e) = self.spec.check_and_record(req) {
            return problem(
                400,
                "Invalid Request",
                &format!("spec validation failed: {e}"),
            );
        }
        let body = decode_body(req).unwrap_or(Value::Null);
        let mut delay = None;
        if method != "GET"
            && let Some(f) = st.faults.pop_front()
        {
            match f {
                Fault::Status(401) => return problem(401, "Unauthorized", "Unauthorized"),
                Fault::Status(403) => {
                    return problem(
                        403,
                        "Forbidden",
                        "You are not permitted to perform this action.",
                    );
                }
                Fault::Status(s) => return problem(s, "Service Unavailable", "Try again later."),
                Fault::RateLimited(secs) => {
                    let reset = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .as_secs()
                        + secs;
                    return problem(429, "Too Many Requests", "Too Many Requests")
                        .insert_header("x-rate-limit-limit", "100")
                        .insert_header("x-rate-limit-remaining", "0")
                        .insert_header("x-rate-limit-reset", reset.to_string().as_str());
                }
                Fault::SlowAfterWrite(d) => delay = Some(d),
            }
        }
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        let resp = match (method, segs.as_slice()) {
            ("GET", ["2", "users", "me"]) => ResponseTemplate::new(200).set_body_json(json!({
                "data": { "id": USER_ID, "name": "Acme Status", "username": USERNAME }
            })),
            ("GET", ["2", "users", id, "tweets"]) if *id == USER_ID => {
                let data: Vec<Value> = st
                    .posts
                    .iter()
                    .rev()
                    .take(20)
                    .map(|(id, text)| json!({ "id": id, "text": text, "edit_history_tweet_ids": [id] }))
                    .collect();
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "data": data, "meta": { "result_count": data.len() } }))
            }
            ("POST", ["2", "tweets"]) => {
                let text = body["text"].as_str().unwrap_or_default().to_string();
                st.attempts.push(text.clone());
                let n = weighted(&text);
                if n > 280 {
                    return problem(
                        403,
                        "Forbidden",
                        &format!("Your Tweet text is too long ({n} characters)."),
                    );
                }
                let id = format!("18{:017}", st.next_id + 1);
                let text_stored = stored(&text, &id);
                if st.posts.iter().any(|(pid, t)| stored(&text, pid) == *t) {
                    return problem(
                        403,
                        "Forbidden",
                        "You are not allowed to create a Tweet with duplicate content.",
                    );
                }
                st.next_id += 1;
                st.posts.push((id.clone(), text_stored.clone()));
                ResponseTemplate::new(201).set_body_json(json!({
                    "data": { "id": id, "text": text_stored, "edit_history_tweet_ids": [id] }
                }))
            }
            ("DELETE", ["2", "tweets", id]) => {
                match st.posts.iter().position(|(pid, _)| pid == id) {
                    Some(i) => {
                        st.posts.remove(i);
                        st.deleted.push(id.to_string());
                        ResponseTemplate::new(200)
                            .set_body_json(json!({ "data": { "deleted": true } }))
                    }
                    None => problem(404, "Not Found Error", "Could not find tweet."),
                }
            }
            _ => problem(
                404,
                "Not Found Error",
                &format!("fake has no route for {method} {path}"),
            ),
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

impl FakeX {
    pub async fn start() -> FakeX {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        let spec = SpecValidated::load("x/openapi.json");
        Mock::given(any())
            .respond_with(Responder {
                state: state.clone(),
                spec: spec.clone(),
            })
            .mount(&server)
            .await;
        FakeX {
            server,
            state,
            spec,
        }
    }

    pub fn fault(&self, f: Fault) {
        self.state.lock().unwrap().faults.push_back(f);
    }

    /// The posts on the account now (id, text as X returns it).
    pub fn posts(&self) -> Vec<(String, String)> {
        self.state.lock().unwrap().posts.clone()
    }

    /// How many requests of `METHOD /path-prefix…` arrived.
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

    /// The `x = {...}` line of a `[social]` table for this fake.
    pub fn config(&self) -> String {
        format!("x = {{ api_url = \"{}\" }}\n", self.server.uri())
    }
}
