//! A stateful fake GitHub REST API on 127.0.0.1, held to GitHub's official description
//! (`tests/specs/github/api.github.com.json`): every request's path, query string and body are
//! validated, and a request that breaks it, or reaches a route the fake does not know, fails
//! the test when the fake is dropped ([`fail_on_drop`]). It also checks the headers GitHub
//! documents (Bearer token, `Accept: application/vnd.github+json`, `X-GitHub-Api-Version`,
//! a `User-Agent`).
//!
//! It serves the issues of one repository (post-mortems, listed newest first) and, for
//! `inc changes`, any repository's deployments (newest first, paginated by `per_page` and
//! `page`), their statuses and its releases. A repository it does not know answers 404 like
//! GitHub; one marked forbidden answers 403 as a token without access gets; rate limits
//! (403 or 429 with GitHub's headers) and latency can be scripted.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

use super::fake::{Recording, Requests, SpecValidated, decode_body, fail_on_drop};

pub const TOKEN: &str = "ghp_fakeGithubToken0123456789abcdef";
pub const REPO: &str = "acme/ops";
pub const SPEC: &str = "github/api.github.com.json";

/// What a repository holds for `inc changes`.
#[derive(Default, Clone)]
pub struct RepoData {
    /// Newest first, as GitHub lists them.
    pub deployments: Vec<Value>,
    /// Deployment id → its statuses, newest first.
    pub statuses: BTreeMap<u64, Vec<Value>>,
    /// Newest first.
    pub releases: Vec<Value>,
}

/// A scripted rate limit for the next request: GitHub's 403 (secondary limit) or 429, with
/// its headers.
#[derive(Clone, Debug)]
pub struct RateLimit {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub message: String,
}

#[derive(Default)]
pub struct State {
    pub issues: Vec<Value>,
    pub repos: BTreeMap<String, RepoData>,
    /// Repositories the token may not read (403 "Resource not accessible").
    pub forbidden: BTreeSet<String>,
    pub rate_limits: VecDeque<RateLimit>,
    /// Every answer waits this long.
    pub latency: Duration,
    /// Every request as `METHOD path`.
    pub log: Vec<String>,
    /// Requests that broke the description or the documented rules.
    pub problems: Vec<String>,
}

pub struct FakeGithub {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
    pub spec: SpecValidated,
    /// Every request with its query, in order.
    pub requests: Requests,
}

struct Responder {
    state: Arc<Mutex<State>>,
    spec: SpecValidated,
    base: String,
}

fn message(status: u16, m: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(
        json!({ "message": m, "documentation_url": "https://docs.github.com/rest", "status": status.to_string() }),
    )
}

/// `?per_page=&page=` applied to a list (GitHub's defaults: 30 per page, page 1).
fn page(req: &Request, all: &[Value]) -> Vec<Value> {
    let q = |k: &str| {
        req.url
            .query_pairs()
            .find(|(n, _)| n == k)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    let per = q("per_page").unwrap_or(30).clamp(1, 100);
    let n = q("page").unwrap_or(1).max(1);
    all.iter().skip((n - 1) * per).take(per).cloned().collect()
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let valid = self.spec.check(req);
        let mut st = self.state.lock().unwrap();
        let p = req.url.path().to_string();
        st.log.push(format!("{} {p}", req.method));
        let latency = st.latency;
        let answer = self.answer(&mut st, req, &p, valid);
        answer.set_delay(latency)
    }
}

impl Responder {
    fn answer(
        &self,
        st: &mut State,
        req: &Request,
        p: &str,
        valid: Result<(), String>,
    ) -> ResponseTemplate {
        if let Err(e) = valid {
            st.problems.push(e.clone());
            return message(422, &format!("spec validation failed: {e}"));
        }
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
        if let Some(limit) = st.rate_limits.pop_front() {
            let mut r = message(limit.status, &limit.message);
            for (k, v) in &limit.headers {
                r = r.insert_header(k.as_str(), v.as_str());
            }
            return r;
        }
        let segs: Vec<&str> = p.trim_matches('/').split('/').collect();
        let method = req.method.as_str();
        let (repo, rest) = match segs.as_slice() {
            ["repos", owner, name, rest @ ..] => (format!("{owner}/{name}"), rest.to_vec()),
            _ => {
                st.problems
                    .push(format!("fake has no route for {method} {p}"));
                return message(404, "Not Found");
            }
        };
        if st.forbidden.contains(&repo) {
            return message(403, "Resource not accessible by personal access token")
                .insert_header("x-ratelimit-remaining", "4999");
        }
        if repo != REPO && !st.repos.contains_key(&repo) {
            return message(404, "Not Found");
        }
        let data = st.repos.get(&repo).cloned().unwrap_or_default();
        match (method, rest.as_slice()) {
            ("GET", []) => ResponseTemplate::new(200)
                .set_body_json(json!({ "full_name": repo, "has_issues": true })),
            ("GET", ["deployments"]) => {
                let env = req
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "environment")
                    .map(|(_, v)| v.into_owned());
                let all: Vec<Value> = data
                    .deployments
                    .iter()
                    .filter(|d| env.as_ref().is_none_or(|e| d["environment"] == json!(e)))
                    .cloned()
                    .collect();
                ResponseTemplate::new(200).set_body_json(Value::Array(page(req, &all)))
            }
            ("GET", ["deployments", id, "statuses"]) => {
                let id: u64 = id.parse().unwrap_or(0);
                match data.statuses.get(&id) {
                    Some(list) => {
                        ResponseTemplate::new(200).set_body_json(Value::Array(page(req, list)))
                    }
                    None if data.deployments.iter().any(|d| d["id"] == json!(id)) => {
                        ResponseTemplate::new(200).set_body_json(json!([]))
                    }
                    None => message(404, "Not Found"),
                }
            }
            ("GET", ["releases"]) => {
                ResponseTemplate::new(200).set_body_json(Value::Array(page(req, &data.releases)))
            }
            ("GET", ["issues"]) if repo == REPO => {
                let mut list = st.issues.clone();
                list.reverse();
                ResponseTemplate::new(200).set_body_json(Value::Array(page(req, &list)))
            }
            ("POST", ["issues"]) if repo == REPO => self.create_issue(st, req),
            _ => {
                st.problems
                    .push(format!("fake has no route for {method} {p}"));
                message(404, "Not Found")
            }
        }
    }

    fn create_issue(&self, st: &mut State, req: &Request) -> ResponseTemplate {
        let body = match decode_body(req) {
            Ok(b) => b,
            Err(e) => {
                st.problems.push(e.clone());
                return message(400, "Problems parsing JSON");
            }
        };
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
}

impl FakeGithub {
    pub async fn start() -> FakeGithub {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        let spec = SpecValidated::load(SPEC);
        let requests = Requests::default();
        Mock::given(any())
            .respond_with(Recording {
                requests: requests.clone(),
                inner: Responder {
                    state: state.clone(),
                    spec: spec.clone(),
                    base: server.uri(),
                },
            })
            .mount(&server)
            .await;
        FakeGithub {
            server,
            state,
            spec,
            requests,
        }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn issues(&self) -> Vec<Value> {
        self.state.lock().unwrap().issues.clone()
    }

    /// A repository with nothing deployed or released yet.
    pub fn add_repo(&self, repo: &str) {
        self.state
            .lock()
            .unwrap()
            .repos
            .entry(repo.to_string())
            .or_default();
    }

    /// Adds a deployment (kept newest first).
    pub fn deploy(&self, repo: &str, id: u64, git_ref: &str, env: &str, at: &str, creator: &str) {
        let d = json!({
            "url": format!("{}/repos/{repo}/deployments/{id}", self.uri()),
            "id": id, "node_id": format!("DE_{id}"), "sha": "a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d",
            "ref": git_ref, "task": "deploy", "payload": {}, "original_environment": env,
            "environment": env, "description": null,
            "creator": { "login": creator, "id": 1, "type": "User" },
            "created_at": at, "updated_at": at,
            "statuses_url": format!("{}/repos/{repo}/deployments/{id}/statuses", self.uri()),
            "repository_url": format!("{}/repos/{repo}", self.uri()),
            "production_environment": env == "production",
        });
        let mut st = self.state.lock().unwrap();
        let r = st.repos.entry(repo.to_string()).or_default();
        r.deployments.push(d);
        r.deployments.sort_by(|a, b| {
            b["created_at"]
                .as_str()
                .cmp(&a["created_at"].as_str())
                .then(b["id"].as_u64().cmp(&a["id"].as_u64()))
        });
    }

    /// Sets a deployment field (a hostile description, ...).
    pub fn set_deploy_field(&self, repo: &str, id: u64, key: &str, value: Value) {
        let mut st = self.state.lock().unwrap();
        let r = st.repos.get_mut(repo).expect("repo");
        let d = r
            .deployments
            .iter_mut()
            .find(|d| d["id"] == json!(id))
            .expect("deployment");
        d[key] = value;
    }

    /// A deployment's status (kept newest first).
    pub fn status(&self, repo: &str, id: u64, state: &str, at: &str, log_url: &str) {
        let mut st = self.state.lock().unwrap();
        let r = st.repos.entry(repo.to_string()).or_default();
        let list = r.statuses.entry(id).or_default();
        let sid = 9_000 + list.len() as u64;
        list.push(json!({
            "id": sid, "state": state, "description": "", "environment": "production",
            "created_at": at, "updated_at": at, "log_url": log_url, "target_url": log_url,
            "environment_url": "", "creator": { "login": "ci-bot" },
        }));
        list.sort_by(|a, b| b["created_at"].as_str().cmp(&a["created_at"].as_str()));
    }

    /// A published release (kept newest first).
    pub fn release(&self, repo: &str, id: u64, tag: &str, at: &str, author: &str) {
        let html = format!("https://github.com/{repo}/releases/tag/{tag}");
        let mut st = self.state.lock().unwrap();
        let r = st.repos.entry(repo.to_string()).or_default();
        r.releases.push(json!({
            "id": id, "tag_name": tag, "name": tag, "draft": false, "prerelease": false,
            "created_at": at, "published_at": at, "html_url": html,
            "author": { "login": author },
        }));
        r.releases
            .sort_by(|a, b| b["created_at"].as_str().cmp(&a["created_at"].as_str()));
    }

    pub fn forbid(&self, repo: &str) {
        self.state
            .lock()
            .unwrap()
            .forbidden
            .insert(repo.to_string());
    }

    pub fn rate_limit(&self, limit: RateLimit) {
        self.state.lock().unwrap().rate_limits.push_back(limit);
    }

    pub fn latency(&self, d: Duration) {
        self.state.lock().unwrap().latency = d;
    }

    /// Requests of `METHOD /path` (no query).
    pub fn requests_of(&self, line: &str) -> usize {
        super::fake::count(&self.requests, line)
    }

    /// The `page` query values of the requests to `/path`, in order.
    pub fn pages_of(&self, path: &str) -> Vec<String> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .map(|r| {
                r.query
                    .iter()
                    .find(|(k, _)| k == "page")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
            .collect()
    }

    pub fn total_requests(&self) -> usize {
        self.requests.lock().unwrap().len()
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

impl Drop for FakeGithub {
    fn drop(&mut self) {
        let problems = self
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .problems
            .clone();
        fail_on_drop("GitHub", problems);
    }
}
