//! A stateful fake Slack Web API on 127.0.0.1 (`{uri}/api/<method>`): checks the bearer token,
//! validates each JSON body against the official Slack description, answers like Slack
//! (`{ok:false,error}` for method errors, HTTP 429 + Retry-After when throttled).
//!
//! Methods the stored description (2020) lacks are its documented gaps, each checked by hand
//! as its method page says (tests/specs/SOURCES.md, "What the stored descriptions lack"):
//! `apps.connections.open` (Socket Mode, with the app-level token: it hands out a URL of the
//! [`SocketMode`] fake the Slack fake serves, see [`FakeSlack::serve_socket_mode`]).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

use super::fake::{Recording, Requests, SpecValidated, decode_body, fail_on_drop};
use super::socketmode::SocketMode;

pub const TOKEN: &str = "xoxb-fake-0123456789-slacktoken";
/// The app-level token (`xapp-…`, scope `connections:write`) that opens Socket Mode.
pub const APP_TOKEN: &str = "xapp-1-A0FAKE-0123456789-fakeapptoken";

/// Methods the stored description lacks, answered here all the same (SOURCES.md).
pub const DOCUMENTED_GAPS: &[&str] = &["apps.connections.open"];

#[derive(Clone, Debug)]
pub enum Fault {
    /// HTTP 429 with Retry-After for the next call of this method.
    RateLimited(&'static str, u64),
    /// `{ok:false,error}` for the next call of this method.
    Error(&'static str, &'static str),
    /// The next call of this method is applied, but its answer is lost (HTTP 503).
    AnswerLost(&'static str),
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
    /// The root of its thread, for a reply (Slack lists replies only in `conversations.replies`).
    pub thread_ts: Option<String>,
    pub blocks: Value,
    /// How many times `chat.update` edited it.
    pub edits: usize,
    /// A reply also sent to the channel (`reply_broadcast`): listed in its history, as Slack
    /// lists a `thread_broadcast`.
    pub broadcast: bool,
}

/// A person or bot of the workspace, as `users.info` describes them.
#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub is_bot: bool,
    /// A multi-channel guest.
    pub is_restricted: bool,
    /// A single-channel guest.
    pub is_ultra_restricted: bool,
    pub deleted: bool,
}

impl User {
    pub fn person(id: &str, name: &str, email: &str) -> User {
        User {
            id: id.into(),
            name: name.into(),
            email: Some(email.into()),
            is_bot: false,
            is_restricted: false,
            is_ultra_restricted: false,
            deleted: false,
        }
    }
}

/// The workspace's people: two responders, two kinds of guest, a deactivated account, a human
/// who types commands, and the bot itself.
fn workspace() -> Vec<User> {
    vec![
        User::person("UANN", "ann", "ann@example.com"),
        User::person("UBOB", "bob", "bob@example.com"),
        User::person("UHUMAN", "hugo", "hugo@example.com"),
        User {
            is_restricted: true,
            ..User::person("UGUEST", "gus", "gus@partner.example")
        },
        User {
            is_ultra_restricted: true,
            ..User::person("USOLO", "sol", "sol@partner.example")
        },
        User {
            deleted: true,
            ..User::person("UGONE", "gone", "gone@example.com")
        },
        User {
            is_bot: true,
            email: None,
            ..User::person("UBOT", "incbot", "")
        },
    ]
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
    /// (channel id, message ts, reaction name, token): one per `reactions.add` that took.
    pub reactions: Vec<(String, String, String, String)>,
    pub users: Vec<User>,
    /// The Socket Mode fake whose URLs `apps.connections.open` hands out.
    pub socket_mode: Option<SocketMode>,
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
        // a POST's in its body), whatever else is wrong with it; a documented gap to its
        // method page.
        let gap = DOCUMENTED_GAPS.contains(&method.as_str());
        let valid = if gap {
            self.check_gap(req, &method)
        } else {
            self.spec.check_and_record(req)
        };
        let mut st = self.state.lock().unwrap();
        st.log.push(method.clone());
        let bearer = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if gap {
            // apps.connections.open takes the app-level token only.
            match bearer {
                APP_TOKEN => {}
                TOKEN => return fail("not_allowed_token_type"),
                "" => return fail("not_authed"),
                _ => return fail("invalid_auth"),
            }
        } else if bearer != TOKEN {
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
        let mut lost = false;
        if let Some(pos) = st.faults.iter().position(|f| match f {
            Fault::RateLimited(m, _) | Fault::Error(m, _) | Fault::AnswerLost(m) => *m == method,
        }) {
            match st.faults.remove(pos).unwrap() {
                Fault::RateLimited(_, secs) => {
                    return ResponseTemplate::new(429)
                        .insert_header("retry-after", secs.to_string().as_str());
                }
                Fault::Error(_, code) => return fail(code),
                Fault::AnswerLost(_) => lost = true,
            }
        }
        let find = |st: &State, ch: &str| {
            st.channels
                .iter()
                .position(|c| c.id == ch || format!("#{}", c.name) == ch || c.name == ch)
        };
        let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
        let answer = match method.as_str() {
            "apps.connections.open" => match &st.socket_mode {
                Some(sm) => ok(json!({ "url": sm.issue_url() })),
                None => {
                    self.spec.record(
                        "apps.connections.open reached a Slack fake that serves no Socket Mode fake"
                            .into(),
                    );
                    fail("internal_error")
                }
            },
            "reactions.add" => {
                let (ch, ts, name) = (s("channel"), s("timestamp"), s("name"));
                if name.is_empty() || name.contains([':', ' ']) {
                    return fail("invalid_name");
                }
                let Some(m) = st.messages.iter().find(|m| {
                    m.ts == ts
                        && (m.channel == ch
                            || find(&st, &ch).is_some_and(|i| st.channels[i].id == m.channel))
                }) else {
                    return fail("message_not_found");
                };
                let key = (m.channel.clone(), ts, name, bearer.to_string());
                // Slack: a second add of the same name by the same token on the same message.
                if st.reactions.contains(&key) {
                    return fail("already_reacted");
                }
                st.reactions.push(key);
                ok(json!({}))
            }
            "chat.update" => {
                let (ch, ts) = (s("channel"), s("ts"));
                let id = find(&st, &ch)
                    .map(|i| st.channels[i].id.clone())
                    .unwrap_or(ch);
                let Some(m) = st
                    .messages
                    .iter_mut()
                    .find(|m| m.channel == id && m.ts == ts)
                else {
                    return fail("message_not_found");
                };
                if m.user != "UBOT" {
                    return fail("cant_update_message");
                }
                if body.get("text").is_some() {
                    m.text = s("text");
                }
                if body.get("blocks").is_some() {
                    m.blocks = body["blocks"].clone();
                }
                // Without `metadata` the message keeps its own.
                match &body["metadata"] {
                    Value::Null => {}
                    Value::String(t) => m.metadata = serde_json::from_str(t).unwrap_or(Value::Null),
                    other => m.metadata = other.clone(),
                }
                m.edits += 1;
                let text = m.text.clone();
                ok(json!({ "channel": id, "ts": ts, "text": text, "message": { "text": text } }))
            }
            "users.info" => match st.users.iter().find(|u| u.id == s("user")) {
                Some(u) => ok(json!({ "user": {
                    "id": u.id, "team_id": "T0FAKE", "name": u.name, "deleted": u.deleted,
                    "real_name": u.name, "is_bot": u.is_bot, "is_app_user": false,
                    "is_restricted": u.is_restricted, "is_ultra_restricted": u.is_ultra_restricted,
                    "profile": { "real_name": u.name, "display_name": u.name, "email": u.email },
                } })),
                None => fail("user_not_found"),
            },
            "conversations.replies" => {
                let Some(i) = find(&st, &s("channel")) else {
                    return fail("channel_not_found");
                };
                let id = st.channels[i].id.clone();
                let parent = s("ts");
                let with_meta = matches!(s("include_all_metadata").as_str(), "true" | "1");
                // The parent first, then its replies, oldest first, like Slack.
                let thread: Vec<Value> = st
                    .messages
                    .iter()
                    .filter(|m| m.channel == id)
                    .filter(|m| m.ts == parent || m.thread_ts.as_deref() == Some(parent.as_str()))
                    .map(|m| {
                        let mut v = json!({ "type": "message", "ts": m.ts, "text": m.text, "user": m.user, "thread_ts": parent });
                        if with_meta && !m.metadata.is_null() {
                            v["metadata"] = m.metadata.clone();
                        }
                        v
                    })
                    .collect();
                if thread.is_empty() {
                    return fail("thread_not_found");
                }
                ok(
                    json!({ "messages": thread, "has_more": false, "response_metadata": { "next_cursor": "" } }),
                )
            }
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
                    thread_ts: body["thread_ts"].as_str().map(str::to_string),
                    blocks: body["blocks"].clone(),
                    edits: 0,
                    broadcast: body["reply_broadcast"].as_bool() == Some(true),
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
                let latest: f64 = s("latest").parse().unwrap_or(f64::MAX);
                let inclusive = matches!(s("inclusive").as_str(), "true" | "1");
                let limit: usize = s("limit").parse().unwrap_or(100).clamp(1, 999);
                let offset: usize = s("cursor").parse().unwrap_or(0);
                // Newest first, like Slack.
                let all: Vec<&Message> = st
                    .messages
                    .iter()
                    .rev()
                    .filter(|m| m.channel == id)
                    // A thread's replies are not the channel's history, unless also sent there.
                    .filter(|m| m.broadcast || m.thread_ts.as_ref().is_none_or(|t| *t == m.ts))
                    .filter(|m| {
                        let t: f64 = m.ts.parse().unwrap();
                        (t > oldest || (inclusive && t == oldest))
                            && (t < latest || (inclusive && t == latest))
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
        };
        if lost {
            return ResponseTemplate::new(503).set_body_string("upstream connect error");
        }
        answer
    }
}

impl Responder {
    /// A documented gap, held to its method page (SOURCES.md): `apps.connections.open` is a
    /// POST with the form content type and no arguments.
    fn check_gap(&self, req: &Request, method: &str) -> Result<(), String> {
        let mut problems = Vec::new();
        if req.method.as_str() != "POST" {
            problems.push(format!("{method}: {} instead of POST", req.method));
        }
        let form = req
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !form {
            problems.push(format!("{method}: not application/x-www-form-urlencoded"));
        }
        if !req.body.iter().all(u8::is_ascii_whitespace) || req.url.query().is_some() {
            problems.push(format!(
                "{method}: takes no arguments (the token goes in Authorization)"
            ));
        }
        if problems.is_empty() {
            return Ok(());
        }
        let problem = problems.join("; ");
        self.spec.record(problem.clone());
        Err(problem)
    }
}

impl FakeSlack {
    pub async fn start() -> FakeSlack {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            users: workspace(),
            ..State::default()
        }));
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

    /// A message someone (or another app) posted in a channel, with optional metadata: its ts.
    pub fn add_message(&self, channel: &str, text: &str, metadata: Value) -> String {
        self.add_message_by(channel, "UHUMAN", text, None, metadata)
    }

    /// A message `user` posted in a channel (in the thread of `thread_ts` when given): its ts.
    pub fn add_message_by(
        &self,
        channel: &str,
        user: &str,
        text: &str,
        thread_ts: Option<&str>,
        metadata: Value,
    ) -> String {
        let mut st = self.state.lock().unwrap();
        let ts = format!("1700000000.{:06}", st.messages.len() + 1);
        st.messages.push(Message {
            channel: channel.into(),
            ts: ts.clone(),
            text: text.into(),
            user: user.into(),
            metadata,
            thread_ts: thread_ts.map(str::to_string),
            blocks: Value::Null,
            edits: 0,
            broadcast: false,
        });
        ts
    }

    /// `user` types `text` in `channel` (a reply when `thread_ts` is given): the message lands
    /// in the channel and its `message` event goes out to one of the app's sockets, as Slack
    /// does. Its `(ts, envelope_id)`.
    pub fn type_message(
        &self,
        sm: &SocketMode,
        channel: &str,
        user: &str,
        text: &str,
        thread_ts: Option<&str>,
    ) -> (String, String) {
        let private = self.channels().iter().any(|c| c.id == channel && c.private);
        let ts = self.add_message_by(channel, user, text, thread_ts, Value::Null);
        let event = super::socketmode::message_event(channel, private, user, text, &ts, thread_ts);
        let envelope = sm.send_event(event);
        (ts, envelope)
    }

    /// `apps.connections.open` (with [`APP_TOKEN`]) hands out URLs of `sm`.
    pub fn serve_socket_mode(&self, sm: &SocketMode) {
        self.state.lock().unwrap().socket_mode = Some(sm.clone());
    }

    /// A person or bot `users.info` knows (replacing one with the same id).
    pub fn add_user(&self, user: User) {
        let mut st = self.state.lock().unwrap();
        st.users.retain(|u| u.id != user.id);
        st.users.push(user);
    }

    /// The reactions on a message, in the order they were added.
    pub fn reactions(&self, channel: &str, ts: &str) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .reactions
            .iter()
            .filter(|(c, t, _, _)| c == channel && t == ts)
            .map(|(_, _, n, _)| n.clone())
            .collect()
    }

    /// A message someone posted at `ts` (a Slack timestamp, Unix seconds; messages stay in
    /// time order).
    pub fn add_message_at(&self, channel: &str, ts: &str, text: &str, user: &str) {
        let mut st = self.state.lock().unwrap();
        st.messages.push(Message {
            channel: channel.into(),
            ts: ts.into(),
            text: text.into(),
            user: user.into(),
            metadata: Value::Null,
            thread_ts: None,
            blocks: Value::Null,
            edits: 0,
            broadcast: false,
        });
        st.messages.sort_by(|a, b| {
            let t = |m: &Message| m.ts.parse::<f64>().unwrap_or(0.0);
            t(a).total_cmp(&t(b))
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
