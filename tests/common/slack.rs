//! A stateful fake Slack Web API on 127.0.0.1 (`{uri}/api/<method>`): checks the bearer token,
//! validates each JSON body against the official Slack description, answers like Slack
//! (`{ok:false,error}` for method errors, HTTP 429 + Retry-After when throttled).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

use super::fake::{Recording, Requests, SpecValidated, decode_body, fail_on_drop};

pub const TOKEN: &str = "xoxb-fake-0123456789-slacktoken";

#[derive(Clone, Debug)]
pub enum Fault {
    /// HTTP 429 with Retry-After for the next call of this method.
    RateLimited(&'static str, u64),
    /// `{ok:false,error}` for the next call of this method.
    Error(&'static str, &'static str),
}

#[derive(Clone, Debug)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub private: bool,
    pub topic: String,
    pub members: Vec<String>,
    pub bot_joined: bool,
}

/// A message as `conversations.history` returns it.
#[derive(Clone, Debug)]
pub struct Message {
    pub channel: String,
    pub ts: String,
    pub text: String,
    pub user: String,
    /// `{event_type, event_payload}` or Null.
    pub metadata: Value,
}

#[derive(Default)]
pub struct State {
    pub channels: Vec<Channel>,
    /// (channel id or name, text, blocks)
    pub posts: Vec<(String, String, Value)>,
    /// Every message in every channel, oldest first (inc's posts and those a test adds).
    pub messages: Vec<Message>,
    pub pins: Vec<(String, String)>,
    pub log: Vec<String>,
    pub faults: VecDeque<Fault>,
}

/// Dropping the fake fails the test if any request broke the description or reached a method
/// the fake does not know (see [`fail_on_drop`]).
pub struct FakeSlack {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
    pub spec: SpecValidated,
    /// Every request, in order.
    pub requests: Requests,
}

struct Responder {
    state: Arc<Mutex<State>>,
    spec: SpecValidated,
}

fn ok(v: Value) -> ResponseTemplate {
    let mut v = v;
    v["ok"] = json!(true);
    ResponseTemplate::new(200).set_body_json(v)
}

fn fail(code: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "ok": false, "error": code }))
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let method = req.url.path().trim_start_matches("/api/").to_string();
        // Every request is held to the description (a GET's arguments in its query string,
        // a POST's in its body), whatever else is wrong with it.
        let valid = self.spec.check_and_record(req);
        let mut st = self.state.lock().unwrap();
        st.log.push(method.clone());
        if req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            != Some(&format!("Bearer {TOKEN}"))
        {
            return fail("invalid_auth");
        }
        let mut body = match decode_body(req) {
            Ok(b) => b,
            Err(e) => return ResponseTemplate::new(400).set_body_string(e),
        };
        if body.is_null() {
            // A GET read method: its arguments are in the query.
            body = Value::Object(
                req.url
                    .query_pairs()
                    .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                    .collect(),
            );
        }
        if let Err(e) = valid {
            return ResponseTemplate::new(400).set_body_string(e);
        }
        if let Some(pos) = st.faults.iter().position(|f| match f {
            Fault::RateLimited(m, _) | Fault::Error(m, _) => *m == method,
        }) {
            match st.faults.remove(pos).unwrap() {
                Fault::RateLimited(_, secs) => {
                    return ResponseTemplate::new(429)
                        .insert_header("retry-after", secs.to_string().as_str());
                }
                Fault::Error(_, code) => return fail(code),
            }
        }
        let find = |st: &State, ch: &str| {
            st.channels
                .iter()
                .position(|c| c.id == ch || format!("#{}", c.name) == ch || c.name == ch)
        };
        let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
        match method.as_str() {
            "auth.test" => ok(
                json!({ "url": "https://fake.slack/", "team": "Fake Team", "user": "incbot", "team_id": "T1", "user_id": "UBOT" }),
            ),
            "conversations.create" => {
                let name = s("name");
                if st.channels.iter().any(|c| c.name == name) {
                    return fail("name_taken");
                }
                let id = format!("C{:04}", st.channels.len() + 1);
                let private = body["is_private"].as_bool().unwrap_or(false);
                st.channels.push(Channel {
                    id: id.clone(),
                    name: name.clone(),
                    private,
                    topic: String::new(),
                    members: vec![],
                    bot_joined: true,
                });
                ok(json!({ "channel": { "id": id, "name": name, "is_private": private } }))
            }
            "conversations.list" => {
                let list: Vec<Value> = st
                    .channels
                    .iter()
                    .map(|c| json!({ "id": c.id, "name": c.name, "is_private": c.private }))
                    .collect();
                ok(json!({ "channels": list, "response_metadata": { "next_cursor": "" } }))
            }
            "conversations.info" => match find(&st, &s("channel")) {
                Some(i) => ok(
                    json!({ "channel": { "id": st.channels[i].id, "name": st.channels[i].name, "is_private": st.channels[i].private,
                        "topic": { "value": st.channels[i].topic } } }),
                ),
                None => fail("channel_not_found"),
            },
            "conversations.join" => match find(&st, &s("channel")) {
                Some(i) => {
                    st.channels[i].bot_joined = true;
                    ok(json!({ "channel": { "id": st.channels[i].id } }))
                }
                None => fail("channel_not_found"),
            },
            "conversations.setTopic" => match find(&st, &s("channel")) {
                Some(i) => {
                    st.channels[i].topic = s("topic");
                    ok(json!({ "channel": { "id": st.channels[i].id } }))
                }
                None => fail("channel_not_found"),
            },
            "conversations.invite" => match find(&st, &s("channel")) {
                Some(i) => {
                    let users: Vec<String> = s("users").split(',').map(str::to_string).collect();
                    st.channels[i].members.extend(users);
                    ok(json!({ "channel": { "id": st.channels[i].id } }))
                }
                None => fail("channel_not_found"),
            },
            "users.lookupByEmail" => {
                let user = |id: &str, name: &str, real: &str| {
                    ok(json!({ "user": { "id": id, "name": name, "real_name": real,
                        "profile": { "real_name": real, "display_name": name, "email": s("email") } } }))
                };
                match s("email").as_str() {
                    "ann@example.com" => user("UANN", "ann", "Ann Primary"),
                    "bob@example.com" => user("UBOB", "bob", "Bob Backup"),
                    "carol@example.com" => user("UCAROL", "carol", "Carol Scribe"),
                    _ => fail("users_not_found"),
                }
            }
            "chat.postMessage" => {
                let ch = s("channel");
                let Some(i) = find(&st, &ch) else {
                    return fail("channel_not_found");
                };
                if !st.channels[i].bot_joined {
                    return fail("not_in_channel");
                }
                let ts = format!("1700000000.{:06}", st.messages.len() + 1);
                let id = st.channels[i].id.clone();
                st.posts
                    .push((id.clone(), s("text"), body["blocks"].clone()));
                // A form post carries metadata as a JSON string, a JSON body as an object.
                let metadata = match &body["metadata"] {
                    Value::String(t) => serde_json::from_str(t).unwrap_or(Value::Null),
                    other => other.clone(),
                };
                st.messages.push(Message {
                    channel: id.clone(),
                    ts: ts.clone(),
                    text: s("text"),
                    user: "UBOT".into(),
                    metadata,
                });
                ok(json!({ "channel": id, "ts": ts, "message": { "text": s("text") } }))
            }
            "conversations.history" => {
                let Some(i) = find(&st, &s("channel")) else {
                    return fail("channel_not_found");
                };
                let id = st.channels[i].id.clone();
                let with_meta = matches!(s("include_all_metadata").as_str(), "true" | "1");
                let oldest: f64 = s("oldest").parse().unwrap_or(0.0);
                let inclusive = matches!(s("inclusive").as_str(), "true" | "1");
                let limit: usize = s("limit").parse().unwrap_or(100).clamp(1, 999);
                let offset: usize = s("cursor").parse().unwrap_or(0);
                // Newest first, like Slack.
                let all: Vec<&Message> = st
                    .messages
                    .iter()
                    .rev()
                    .filter(|m| m.channel == id)
                    .filter(|m| {
                        let t: f64 = m.ts.parse().unwrap();
                        t > oldest || (inclusive && t == oldest)
                    })
                    .collect();
                let page: Vec<Value> = all
                    .iter()
                    .skip(offset)
                    .take(limit)
                    .map(|m| {
                        let mut v = json!({ "type": "message", "ts": m.ts, "text": m.text, "user": m.user });
                        if with_meta && !m.metadata.is_null() {
                            v["metadata"] = m.metadata.clone();
                        }
                        v
                    })
                    .collect();
                let more = offset + page.len() < all.len();
                let next = if more {
                    (offset + page.len()).to_string()
                } else {
                    String::new()
                };
                ok(
                    json!({ "messages": page, "has_more": more, "response_metadata": { "next_cursor": next } }),
                )
            }
            "pins.add" => {
                st.pins.push((s("channel"), s("timestamp")));
                ok(json!({}))
            }
            other => {
                self.spec
                    .record(format!("fake has no route for {} /api/{other}", req.method));
                fail(&format!("unknown_method_{other}"))
            }
        }
    }
}

impl FakeSlack {
    pub async fn start() -> FakeSlack {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        let spec = SpecValidated::load("slack/web-api/slack_web_openapi_v2.json");
        let requests = Requests::default();
        Mock::given(any())
            .respond_with(Recording {
                requests: requests.clone(),
                inner: Responder {
                    state: state.clone(),
                    spec: spec.clone(),
                },
            })
            .mount(&server)
            .await;
        FakeSlack {
            server,
            state,
            spec,
            requests,
        }
    }

    /// The problems seen so far (spec violations, unknown methods).
    pub fn violations(&self) -> Vec<String> {
        self.spec.failure_list()
    }

    /// Takes the problems seen so far, for a test that provokes them on purpose.
    pub fn take_violations(&self) -> Vec<String> {
        self.spec.take_failures()
    }

    pub fn api_url(&self) -> String {
        format!("{}/api", self.server.uri())
    }

    /// A shared channel that exists before inc runs (for per_incident_channel = false).
    pub fn add_channel(&self, name: &str, private: bool, bot_joined: bool) -> String {
        let mut st = self.state.lock().unwrap();
        let id = format!("C{:04}", st.channels.len() + 1);
        st.channels.push(Channel {
            id: id.clone(),
            name: name.into(),
            private,
            topic: String::new(),
            members: vec![],
            bot_joined,
        });
        id
    }

    pub fn fault(&self, f: Fault) {
        self.state.lock().unwrap().faults.push_back(f);
    }

    pub fn posts(&self) -> Vec<(String, String, Value)> {
        self.state.lock().unwrap().posts.clone()
    }

    /// A message someone (or another app) posted in a channel, with optional metadata.
    pub fn add_message(&self, channel: &str, text: &str, metadata: Value) {
        let mut st = self.state.lock().unwrap();
        let ts = format!("1700000000.{:06}", st.messages.len() + 1);
        st.messages.push(Message {
            channel: channel.into(),
            ts,
            text: text.into(),
            user: "UHUMAN".into(),
            metadata,
        });
    }

    /// Every message of a channel, oldest first.
    pub fn messages(&self, channel: &str) -> Vec<Message> {
        self.state
            .lock()
            .unwrap()
            .messages
            .iter()
            .filter(|m| m.channel == channel)
            .cloned()
            .collect()
    }

    pub fn channels(&self) -> Vec<Channel> {
        self.state.lock().unwrap().channels.clone()
    }

    pub fn calls(&self, method: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|m| *m == method)
            .count()
    }

    pub fn assert_clean(&self) {
        self.spec.assert_clean();
    }
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        fail_on_drop("Slack", self.violations());
    }
}
