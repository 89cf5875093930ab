//! A stateful fake Confluence Cloud (REST v2) on 127.0.0.1: spaces by key, pages by space and
//! title, page creation (a second page with the same title in a space is refused, as Confluence
//! does). It checks the exact Basic auth and validates every request against the official
//! description (`confluence/openapi-v2.v3.json`); an invalid request gets a 400 and is recorded.
//! (tests/publish.rs keeps its own copy for its older tests.)

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

use super::fake::{SpecValidated, decode_body};

pub const TOKEN: &str = "fakeConfluenceToken0123";
pub const EMAIL: &str = "pm-bot@example.com";
/// base64("pm-bot@example.com:fakeConfluenceToken0123")
pub const BASIC: &str = "Basic cG0tYm90QGV4YW1wbGUuY29tOmZha2VDb25mbHVlbmNlVG9rZW4wMTIz";
pub const SPACE_KEY: &str = "ENG";
pub const SPACE_ID: &str = "98304";

#[derive(Default)]
pub struct State {
    pub pages: Vec<Value>,
    /// Every request as `METHOD path`.
    pub log: Vec<String>,
}

pub struct FakeConfluence {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
    pub spec: SpecValidated,
}

struct Responder {
    state: Arc<Mutex<State>>,
    base: String,
}

fn errors(status: u16, code: &str, title: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(
        json!({ "errors": [{ "status": status, "code": code, "title": title, "detail": null }] }),
    )
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap();
        let p = req.url.path().to_string();
        st.log.push(format!("{} {p}", req.method));
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if auth != BASIC {
            return errors(401, "UNAUTHORIZED", "Unauthorized");
        }
        let q: Vec<(String, String)> = req.url.query_pairs().into_owned().collect();
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        match (req.method.as_str(), p.as_str()) {
            ("GET", "/wiki/api/v2/spaces") => {
                let results = if get("keys").as_deref() == Some(SPACE_KEY) {
                    vec![
                        json!({ "id": SPACE_ID, "key": SPACE_KEY, "name": "Engineering", "type": "global", "status": "current" }),
                    ]
                } else {
                    vec![]
                };
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "results": results, "_links": {} }))
            }
            ("GET", "/wiki/api/v2/pages") => {
                let results: Vec<Value> = st
                    .pages
                    .iter()
                    .filter(|pg| {
                        get("space-id").as_deref() == pg["spaceId"].as_str()
                            && get("title").is_none_or(|t| pg["title"] == t.as_str())
                    })
                    .cloned()
                    .collect();
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "results": results, "_links": {} }))
            }
            ("POST", "/wiki/api/v2/pages") => {
                let body = match decode_body(req) {
                    Ok(b) => b,
                    Err(e) => return errors(400, "INVALID_REQUEST_PARAMETER", &e),
                };
                if st
                    .pages
                    .iter()
                    .any(|pg| pg["title"] == body["title"] && pg["spaceId"] == body["spaceId"])
                {
                    return errors(400, "BAD_REQUEST", "A page with this title already exists");
                }
                let id = format!("{}", 327_680 + st.pages.len());
                let page = json!({
                    "id": id,
                    "status": "current",
                    "title": body["title"],
                    "spaceId": body["spaceId"],
                    "body": { "storage": body["body"].clone() },
                    "version": { "number": 1 },
                    "_links": {
                        "webui": format!("/spaces/{SPACE_KEY}/pages/{id}/Post-mortem"),
                        "base": format!("{}/wiki", self.base),
                    },
                });
                st.pages.push(page.clone());
                ResponseTemplate::new(200).set_body_json(page)
            }
            _ => errors(404, "NOT_FOUND", "Not Found"),
        }
    }
}

impl FakeConfluence {
    pub async fn start() -> FakeConfluence {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        let spec = SpecValidated::load("confluence/openapi-v2.v3.json");
        Mock::given(any())
            .respond_with(spec.respond(Responder {
                state: state.clone(),
                base: server.uri(),
            }))
            .mount(&server)
            .await;
        FakeConfluence {
            server,
            state,
            spec,
        }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn pages(&self) -> Vec<Value> {
        self.state.lock().unwrap().pages.clone()
    }

    /// A `[confluence]` table whose base URL is `base` (the fake, or a proxy in front of it).
    pub fn table(base: &str) -> String {
        format!(
            "[confluence]\nbase_url = \"{base}\"\nspace_key = \"{SPACE_KEY}\"\nemail = \"{EMAIL}\"\n"
        )
    }
}
