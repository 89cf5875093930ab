//! Fake chat webhooks on 127.0.0.1, one server per provider, each behind a secret-looking URL
//! that tests hand to inc through an environment variable (as users do):
//! - Teams (Workflows): checks the envelope and validates each `attachments[].content` against
//!   the Adaptive Card 1.5 schema (`tests/specs/msteams/1.5.0/adaptive-card.json`); 202, empty.
//! - Mattermost: checks the Slack-compatible body by hand; 200 `text/plain` `ok`, AppError JSON.
//! - Discord: validates against `tests/specs/discord/openapi.json`; with `?wait=true` answers
//!   200 + the message, else 204; 429 `{message, retry_after, global}` + `Retry-After`.
//!
//! Every fake can be scripted to fail (429, any status) and to answer slowly.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use jsonschema::{Draft, Validator};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

use super::fake::{Recording, Requests, SpecValidated, decode_body, fail_on_drop};
use super::spec::Spec;

pub const TEAMS_ENV: &str = "INC_TEAMS_WEBHOOK";
pub const MATTERMOST_ENV: &str = "INC_MATTERMOST_WEBHOOK";
pub const DISCORD_ENV: &str = "INC_DISCORD_WEBHOOK";

pub const TEAMS_WORKFLOW: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
pub const TEAMS_SIG: &str = "TeamsSig0SECRETxyz0123456789abcdefGHIJ";
pub const MATTERMOST_KEY: &str = "mmkey0secret0123456789abcd";
pub const DISCORD_ID: &str = "112233445566778899";
pub const DISCORD_TOKEN: &str =
    "DiscordTok0SECRET_abcdefghijklmnopqrstuvwxyz0123456789-ABCDEFGHIJKL";

/// The parts of the three URLs that must never be shown anywhere.
pub const SECRETS: [&str; 5] = [
    TEAMS_WORKFLOW,
    TEAMS_SIG,
    MATTERMOST_KEY,
    DISCORD_ID,
    DISCORD_TOKEN,
];

pub const CONFIG: &str = r#"
[webhooks]
teams = { url_env = "INC_TEAMS_WEBHOOK" }
mattermost = { url_env = "INC_MATTERMOST_WEBHOOK" }
discord = { url_env = "INC_DISCORD_WEBHOOK" }
"#;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Teams,
    Mattermost,
    Discord,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Teams => "teams",
            Kind::Mattermost => "mattermost",
            Kind::Discord => "discord",
        }
    }

    pub fn env(self) -> &'static str {
        match self {
            Kind::Teams => TEAMS_ENV,
            Kind::Mattermost => MATTERMOST_ENV,
            Kind::Discord => DISCORD_ENV,
        }
    }

    /// The secret path (and query) of this provider's webhook URL.
    pub fn secret_path(self) -> String {
        match self {
            Kind::Teams => format!(
                "/workflows/{TEAMS_WORKFLOW}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={TEAMS_SIG}"
            ),
            Kind::Mattermost => format!("/hooks/{MATTERMOST_KEY}"),
            Kind::Discord => format!("/api/v10/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}"),
        }
    }
}

/// A scripted answer for the next request.
#[derive(Clone, Debug)]
pub enum Fault {
    /// 429; Discord also puts `retry_after` (seconds, float) in the body.
    RateLimited {
        retry_after: f64,
    },
    Status(u16),
}

#[derive(Default)]
pub struct State {
    /// Bodies of the messages the fake accepted (posted).
    pub posts: Vec<Value>,
    /// When each request arrived.
    pub arrivals: Vec<Instant>,
    pub faults: VecDeque<Fault>,
    /// Fail every request with this status (after the scripted faults).
    pub always: Option<u16>,
    /// Problems with requests (wrong envelope, invalid card, wrong URL).
    pub problems: Vec<String>,
    pub delay: Duration,
}

/// Dropping the fake fails the test if any request had the wrong URL or an invalid body (see
/// [`fail_on_drop`]).
pub struct FakeHook {
    pub kind: Kind,
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
    /// Discord only: the OpenAPI validator.
    pub spec: Option<SpecValidated>,
    /// Every request, in order.
    pub requests: Requests,
}

struct Responder {
    kind: Kind,
    state: Arc<Mutex<State>>,
    spec: Option<SpecValidated>,
}

/// The Adaptive Card 1.5 schema, compiled once (draft-06).
pub fn card_validator() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| {
        let path = Spec::dir().join("msteams/1.5.0/adaptive-card.json");
        let text = std::fs::read_to_string(&path).expect("adaptive card schema");
        let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        jsonschema::options()
            .with_draft(Draft::Draft6)
            .build(&schema)
            .expect("adaptive card schema compiles")
    })
}

/// Problems with a Teams Workflows payload (empty: fine).
pub fn teams_problems(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if body["type"] != "message" {
        out.push(format!("type must be \"message\": {}", body["type"]));
    }
    let Some(atts) = body["attachments"].as_array().filter(|a| !a.is_empty()) else {
        out.push("attachments must be a non-empty array".into());
        return out;
    };
    for (i, a) in atts.iter().enumerate() {
        if a["contentType"] != "application/vnd.microsoft.card.adaptive" {
            out.push(format!(
                "attachments[{i}].contentType: {}",
                a["contentType"]
            ));
        }
        let card = &a["content"];
        if card["type"] != "AdaptiveCard" {
            out.push(format!(
                "attachments[{i}].content.type must be AdaptiveCard"
            ));
        }
        for e in card_validator().iter_errors(card) {
            out.push(format!(
                "attachments[{i}].content{}: {e}",
                e.instance_path().as_str()
            ));
        }
    }
    out
}

/// Problems with a Mattermost incoming-webhook body (checked by hand: no spec covers it).
pub fn mattermost_problems(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(obj) = body.as_object() else {
        return vec!["body must be a JSON object".into()];
    };
    match obj.get("text").and_then(Value::as_str) {
        Some(t) if !t.trim().is_empty() => {
            if t.chars().count() > 16_383 {
                out.push("text is longer than 16383 characters".into());
            }
        }
        _ => out.push("text must be a non-empty string".into()),
    }
    let known = [
        "text",
        "channel",
        "username",
        "icon_url",
        "icon_emoji",
        "attachments",
        "type",
        "props",
        "priority",
    ];
    for k in obj.keys() {
        if !known.contains(&k.as_str()) {
            out.push(format!("unknown field {k}"));
        }
    }
    for k in ["mrkdwn", "parse", "link_names"] {
        if obj.contains_key(k) {
            out.push(format!("{k} is not supported by Mattermost"));
        }
    }
    out
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap();
        st.arrivals.push(Instant::now());
        let delay = st.delay;
        let answer = |t: ResponseTemplate| t.set_delay(delay);
        let want = self.kind.secret_path();
        let (want_path, want_query) = want.split_once('?').unwrap_or((&want, ""));
        if req.method.as_str() != "POST" || req.url.path() != want_path {
            st.problems
                .push(format!("{} {}", req.method, req.url.path()));
            return answer(ResponseTemplate::new(404).set_body_string(format!(
                "Cannot {} {}",
                req.method,
                req.url.path()
            )));
        }
        if self.kind == Kind::Teams && req.url.query().unwrap_or("") != want_query {
            st.problems
                .push("teams: the query string (signature) was not kept".into());
            return answer(ResponseTemplate::new(401).set_body_json(json!({ "error": { "code": "DirectApiAuthorizationRequired", "message": "The request must be authenticated" } })));
        }
        let body = match decode_body(req) {
            Ok(b) => b,
            Err(e) => {
                st.problems.push(e.clone());
                return answer(ResponseTemplate::new(400).set_body_string(e));
            }
        };
        let problems = match self.kind {
            Kind::Teams => teams_problems(&body),
            Kind::Mattermost => mattermost_problems(&body),
            Kind::Discord => match self.spec.as_ref().map(|s| s.check_and_record(req)) {
                Some(Err(e)) => vec![e],
                _ => Vec::new(),
            },
        };
        if !problems.is_empty() {
            st.problems.extend(problems.clone());
            let msg = problems.join("; ");
            return answer(match self.kind {
                Kind::Discord => ResponseTemplate::new(400).set_body_json(
                    json!({ "code": 50035, "message": "Invalid Form Body", "errors": msg }),
                ),
                Kind::Mattermost => ResponseTemplate::new(400).set_body_json(app_error(400, &msg)),
                Kind::Teams => ResponseTemplate::new(400).set_body_json(
                    json!({ "error": { "code": "InvalidTemplate", "message": msg } }),
                ),
            });
        }
        let fault = st.faults.pop_front().or(st.always.map(Fault::Status));
        if let Some(f) = fault {
            return answer(match (f, self.kind) {
                (Fault::RateLimited { retry_after }, Kind::Discord) => ResponseTemplate::new(429)
                    .insert_header("Retry-After", format!("{}", retry_after.ceil() as u64).as_str())
                    .insert_header("X-RateLimit-Reset-After", format!("{retry_after}").as_str())
                    .set_body_json(json!({ "message": "You are being rate limited.", "retry_after": retry_after, "global": false })),
                (Fault::RateLimited { retry_after }, _) => ResponseTemplate::new(429)
                    .insert_header("Retry-After", format!("{}", retry_after.ceil() as u64).as_str()),
                (Fault::Status(s), Kind::Mattermost) => ResponseTemplate::new(s)
                    // A server that echoes the secret path back: inc must not show it.
                    .set_body_json(app_error(s, &format!("Invalid webhook {}", req.url.path()))),
                (Fault::Status(s), Kind::Discord) => ResponseTemplate::new(s)
                    .set_body_json(json!({ "code": 10015, "message": format!("Unknown Webhook {}", req.url) })),
                (Fault::Status(s), Kind::Teams) => ResponseTemplate::new(s)
                    .set_body_string(format!("Cannot POST {}", req.url)),
            });
        }
        st.posts.push(body.clone());
        let n = st.posts.len();
        answer(match self.kind {
            Kind::Teams => ResponseTemplate::new(202),
            Kind::Mattermost => ResponseTemplate::new(200)
                .insert_header("Content-Type", "text/plain")
                .set_body_string("ok"),
            Kind::Discord
                if req
                    .url
                    .query_pairs()
                    .any(|(k, v)| k == "wait" && v == "true") =>
            {
                ResponseTemplate::new(200).set_body_json(json!({
                    "id": format!("13000000000000000{n:02}"),
                    "type": 0,
                    "channel_id": "120000000000000001",
                    "content": body["content"],
                    "webhook_id": DISCORD_ID,
                    "timestamp": "2026-11-26T03:04:05.000000+00:00",
                }))
            }
            Kind::Discord => ResponseTemplate::new(204),
        })
    }
}

fn app_error(status: u16, message: &str) -> Value {
    json!({ "id": "web.incoming_webhook.error", "message": message, "detailed_error": "", "request_id": "r1", "status_code": status })
}

impl FakeHook {
    pub async fn start(kind: Kind) -> FakeHook {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        let spec = (kind == Kind::Discord)
            .then(|| SpecValidated::load("discord/openapi.json").without_header_checks());
        let requests = Requests::default();
        Mock::given(any())
            .respond_with(Recording {
                requests: requests.clone(),
                inner: Responder {
                    kind,
                    state: state.clone(),
                    spec: spec.clone(),
                },
            })
            .mount(&server)
            .await;
        FakeHook {
            kind,
            server,
            state,
            spec,
            requests,
        }
    }

    /// The problems seen so far (wrong URL, invalid body, spec violations).
    pub fn violations(&self) -> Vec<String> {
        let mut v = self
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .problems
            .clone();
        if let Some(s) = &self.spec {
            for f in s.failure_list() {
                if !v.contains(&f) {
                    v.push(f);
                }
            }
        }
        v
    }

    /// Takes the problems seen so far, for a test that provokes them on purpose.
    pub fn take_violations(&self) -> Vec<String> {
        let mut v = std::mem::take(
            &mut self
                .state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .problems,
        );
        if let Some(s) = &self.spec {
            for f in s.take_failures() {
                if !v.contains(&f) {
                    v.push(f);
                }
            }
        }
        v
    }

    /// The full secret URL (what the user puts in the variable).
    pub fn url(&self) -> String {
        format!("{}{}", self.server.uri(), self.kind.secret_path())
    }

    pub fn posts(&self) -> Vec<Value> {
        self.state.lock().unwrap().posts.clone()
    }

    /// The text a post carries, whatever the provider's shape.
    pub fn texts(&self) -> Vec<String> {
        self.posts().iter().map(|b| text_of(self.kind, b)).collect()
    }

    pub fn requests(&self) -> usize {
        self.state.lock().unwrap().arrivals.len()
    }

    pub fn arrivals(&self) -> Vec<Instant> {
        self.state.lock().unwrap().arrivals.clone()
    }

    pub fn fault(&self, f: Fault) {
        self.state.lock().unwrap().faults.push_back(f);
    }

    pub fn fail_always(&self, status: u16) {
        self.state.lock().unwrap().always = Some(status);
    }

    pub fn set_delay(&self, d: Duration) {
        self.state.lock().unwrap().delay = d;
    }

    /// Panics on any request that had the wrong URL or an invalid body.
    #[track_caller]
    pub fn assert_clean(&self) {
        let problems = self.state.lock().unwrap().problems.clone();
        assert!(
            problems.is_empty(),
            "{} fake saw bad requests:\n{}",
            self.kind.name(),
            problems.join("\n")
        );
        if let Some(s) = &self.spec {
            s.assert_clean();
        }
    }
}

impl Drop for FakeHook {
    fn drop(&mut self) {
        fail_on_drop(self.kind.name(), self.violations());
    }
}

/// The text of one posted body: Discord `content`, Mattermost `text`, or the Teams card's text
/// blocks and facts, one per line.
pub fn text_of(kind: Kind, body: &Value) -> String {
    match kind {
        Kind::Discord => body["content"].as_str().unwrap_or_default().to_string(),
        Kind::Mattermost => body["text"].as_str().unwrap_or_default().to_string(),
        Kind::Teams => {
            let mut lines = Vec::new();
            for el in body["attachments"][0]["content"]["body"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if let Some(t) = el["text"].as_str() {
                    lines.push(t.to_string());
                }
                for f in el["facts"].as_array().into_iter().flatten() {
                    lines.push(format!(
                        "{}: {}",
                        f["title"].as_str().unwrap_or(""),
                        f["value"].as_str().unwrap_or("")
                    ));
                }
            }
            lines.join("\n")
        }
    }
}

/// All three fakes.
pub struct FakeHooks {
    pub teams: FakeHook,
    pub mattermost: FakeHook,
    pub discord: FakeHook,
}

impl FakeHooks {
    pub async fn start() -> FakeHooks {
        let (teams, mattermost, discord) = tokio::join!(
            FakeHook::start(Kind::Teams),
            FakeHook::start(Kind::Mattermost),
            FakeHook::start(Kind::Discord)
        );
        FakeHooks {
            teams,
            mattermost,
            discord,
        }
    }

    pub fn all(&self) -> [&FakeHook; 3] {
        [&self.teams, &self.mattermost, &self.discord]
    }

    /// (variable, URL) for each fake.
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        self.all().iter().map(|f| (f.kind.env(), f.url())).collect()
    }

    #[track_caller]
    pub fn assert_clean(&self) {
        for f in self.all() {
            f.assert_clean();
        }
    }
}
