//! A stateful fake GitHub REST API (issues of one repository) on 127.0.0.1. GitHub publishes no
//! description small enough to keep in tests/specs, so the fake checks the documented headers
//! and the create-issue body by hand (shared/notes/apis.md §10) and records every problem.
//! Issues are listed newest first, as `GET /repos/{owner}/{repo}/issues` does.
//! (tests/publish.rs keeps its own copy for its older tests.)

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

use super::fake::decode_body;

pub const TOKEN: &str = "ghp_fakeGithubToken0123456789abcdef";
pub const REPO: &str = "acme/ops";

#[derive(Default)]
pub struct State {
    pub issues: Vec<Value>,
    /// Every request as `METHOD path`.
    pub log: Vec<String>,
    /// Requests that broke the documented rules.
    pub problems: Vec<String>,
}

pub struct FakeGithub {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
}

struct Responder {
    state: Arc<Mutex<State>>,
    base: String,
}

fn message(status: u16, m: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(
        json!({ "message": m, "documentation_url": "https://docs.github.com/rest", "status": status.to_string() }),
    )
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap();
        let p = req.url.path().to_string();
        st.log.push(format!("{} {p}", req.method));
        let header = |n: &str| {
            req.headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        if header("authorization") != format!("Bearer {TOKEN}") {
            return message(401, "Bad credentials");
        }
        for (h, want) in [
            ("accept", "application/vnd.github+json"),
            ("x-github-api-version", "2022-11-28"),
        ] {
            if header(h) != want {
                st.problems.push(format!("{h}: {:?}", header(h)));
            }
        }
        if header("user-agent").is_empty() {
            st.problems
                .push("no User-Agent (GitHub requires one)".into());
        }
        let issues = format!("/repos/{REPO}/issues");
        match (req.method.as_str(), p.as_str()) {
            ("GET", path) if path == format!("/repos/{REPO}") => ResponseTemplate::new(200)
                .set_body_json(json!({ "full_name": REPO, "has_issues": true })),
            ("GET", path) if path == issues => {
                let mut list = st.issues.clone();
                list.reverse();
                ResponseTemplate::new(200).set_body_json(Value::Array(list))
            }
            ("POST", path) if path == issues => {
                let body = match decode_body(req) {
                    Ok(b) => b,
                    Err(e) => {
                        st.problems.push(e.clone());
                        return message(400, "Problems parsing JSON");
                    }
                };
                let mut errors = Vec::new();
                match &body["title"] {
                    Value::String(s) if !s.is_empty() => {}
                    Value::Number(_) => {}
                    other => errors.push(format!("title must be a non-empty string, got {other}")),
                }
                if !body["body"].is_string() {
                    errors.push("body must be a string".into());
                }
                if !body["labels"]
                    .as_array()
                    .is_none_or(|l| l.iter().all(Value::is_string))
                {
                    errors.push("labels must be an array of names".into());
                }
                for k in body.as_object().into_iter().flat_map(|o| o.keys()) {
                    if !["title", "body", "assignees", "labels", "milestone", "type"]
                        .contains(&k.as_str())
                    {
                        errors.push(format!("unknown field {k}"));
                    }
                }
                if !errors.is_empty() {
                    st.problems.extend(errors.clone());
                    return ResponseTemplate::new(422).set_body_json(json!({
                        "message": "Validation Failed",
                        "errors": errors.iter().map(|e| json!({ "resource": "Issue", "code": "invalid", "message": e })).collect::<Vec<_>>(),
                    }));
                }
                let number = 40 + st.issues.len() as u64;
                let issue = json!({
                    "id": 1_000_000 + number,
                    "number": number,
                    "title": body["title"],
                    "body": body["body"],
                    "labels": body["labels"].as_array().into_iter().flatten().map(|l| json!({ "name": l })).collect::<Vec<_>>(),
                    "state": "open",
                    "html_url": format!("{}/{REPO}/issues/{number}", self.base),
                });
                st.issues.push(issue.clone());
                ResponseTemplate::new(201).set_body_json(issue)
            }
            _ => message(404, "Not Found"),
        }
    }
}

impl FakeGithub {
    pub async fn start() -> FakeGithub {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        Mock::given(any())
            .respond_with(Responder {
                state: state.clone(),
                base: server.uri(),
            })
            .mount(&server)
            .await;
        FakeGithub { server, state }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn issues(&self) -> Vec<Value> {
        self.state.lock().unwrap().issues.clone()
    }

    #[track_caller]
    pub fn assert_clean(&self) {
        let p = self.state.lock().unwrap().problems.clone();
        assert!(
            p.is_empty(),
            "GitHub fake saw bad requests:\n{}",
            p.join("\n")
        );
    }

    /// A `[github]` table whose API URL is `base` (the fake, or a proxy in front of it).
    pub fn table(base: &str) -> String {
        format!("[github]\napi_url = \"{base}\"\nrepo = \"{REPO}\"\nlabels = [\"postmortem\"]\n")
    }
}
