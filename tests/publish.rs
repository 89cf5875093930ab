//! `inc postmortem new --publish confluence|github` against local wiremock fakes. The Confluence
//! fake validates every request against the official v2 description
//! (`confluence/openapi-v2.v3.json`); the GitHub fake validates every request against GitHub's
//! REST description (`github/api.github.com.json`) and checks the documented headers and
//! fields by hand (shared/notes/apis.md §10). Both keep what was created, so a re-run that
//! would duplicate a page or an issue is caught.

mod common;

use std::process::Output;
use std::sync::{Arc, Mutex};

use common::cmd::{TestEnv, json, run, text};
use common::fake::{SpecValidated, decode_body, fail_on_drop};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const CONFLUENCE_TOKEN: &str = "fakeConfluenceToken0123";
/// base64("pm-bot@example.com:fakeConfluenceToken0123")
const CONFLUENCE_BASIC: &str = "Basic cG0tYm90QGV4YW1wbGUuY29tOmZha2VDb25mbHVlbmNlVG9rZW4wMTIz";
const GITHUB_TOKEN: &str = "ghp_fakeGithubToken0123456789abcdef";

/// A resolved SEV-1 incident with a TODO.
fn incident(env: &TestEnv) -> String {
    let at = |t: &str, args: &[&str]| {
        let o = env
            .inc()
            .env("INC_NOW", format!("2026-11-26T{t}Z"))
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {:?}", text(&o));
        o
    };
    let o = at(
        "03:04:00",
        &["declare", "Checkout returns 500s", "--sev", "1", "-q"],
    );
    at("03:10:00", &["todo", "Alert on queue depth"]);
    at("03:34:00", &["resolve"]);
    text(&o).0.trim().to_string()
}

/// No token anywhere inc writes.
#[track_caller]
fn assert_no_secret(env: &TestEnv, outputs: &[&Output], secret: &str) {
    for o in outputs {
        let (out, err) = text(o);
        assert!(
            !out.contains(secret) && !err.contains(secret),
            "token printed"
        );
    }
    for f in env.state_files() {
        let body = std::fs::read_to_string(&f).unwrap_or_default();
        assert!(!body.contains(secret), "token in {}", f.display());
    }
}

// ---- Confluence ----

#[derive(Default)]
struct Wiki {
    pages: Vec<Value>,
    log: Vec<String>,
    auth_seen: Vec<String>,
}

struct WikiResponder {
    state: Arc<Mutex<Wiki>>,
    base: String,
    spec: SpecValidated,
}

impl Respond for WikiResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap();
        let p = req.url.path().to_string();
        st.log.push(format!("{} {p}", req.method));
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        st.auth_seen.push(auth.clone());
        if auth != CONFLUENCE_BASIC {
            return ResponseTemplate::new(401).set_body_json(json!({
                "errors": [{ "status": 401, "code": "UNAUTHORIZED", "title": "Unauthorized", "detail": null }]
            }));
        }
        let q: Vec<(String, String)> = req.url.query_pairs().into_owned().collect();
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        match (req.method.as_str(), p.as_str()) {
            ("GET", "/wiki/api/v2/spaces") => {
                let results = if get("keys").as_deref() == Some("ENG") {
                    vec![
                        json!({ "id": "98304", "key": "ENG", "name": "Engineering", "type": "global", "status": "current" }),
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
                        Some(pg["spaceId"].as_str().unwrap_or("").to_string()) == get("space-id")
                            && get("title").is_none_or(|t| pg["title"] == t.as_str())
                    })
                    .cloned()
                    .collect();
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "results": results, "_links": {} }))
            }
            ("POST", "/wiki/api/v2/pages") => {
                let body = decode_body(req).unwrap();
                if st.pages.iter().any(|pg| pg["title"] == body["title"]) {
                    return ResponseTemplate::new(400).set_body_json(json!({
                        "errors": [{ "status": 400, "code": "BAD_REQUEST", "title": "A page with this title already exists", "detail": null }]
                    }));
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
                        "webui": format!("/spaces/ENG/pages/{id}/Post-mortem"),
                        "base": format!("{}/wiki", self.base),
                    },
                });
                st.pages.push(page.clone());
                ResponseTemplate::new(200).set_body_json(page)
            }
            _ => {
                self.spec
                    .record(format!("fake has no route for {} {p}", req.method));
                ResponseTemplate::new(404)
                    .set_body_json(json!({ "errors": [{ "status": 404, "title": "Not Found" }] }))
            }
        }
    }
}

/// Dropping the fake fails the test if any request broke the description or reached a route
/// the fake does not know.
struct FakeWiki {
    server: MockServer,
    state: Arc<Mutex<Wiki>>,
    spec: SpecValidated,
}

impl FakeWiki {
    async fn start() -> FakeWiki {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(Wiki::default()));
        let spec = SpecValidated::load("confluence/openapi-v2.v3.json");
        let responder = || WikiResponder {
            state: state.clone(),
            base: server.uri(),
            spec: spec.clone(),
        };
        // Every request is validated against the description; an invalid one gets a 400.
        Mock::given(method("POST"))
            .and(path("/wiki/api/v2/pages"))
            .respond_with(spec.respond(responder()))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(spec.respond(responder()))
            .mount(&server)
            .await;
        // Anything else is a request the fake does not know: recorded, so the test fails.
        Mock::given(wiremock::matchers::any())
            .respond_with(spec.respond(responder()))
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        FakeWiki {
            server,
            state,
            spec,
        }
    }

    fn config(&self, extra: &str) -> String {
        format!(
            "[delivery]\ntimeout = \"2s\"\nretry_for = \"2s\"\nbackoff = \"50ms\"\n\n\
             [postmortem]\npublish = \"confluence\"\n\n\
             [confluence]\nbase_url = \"{}\"\nspace_key = \"ENG\"\nemail = \"pm-bot@example.com\"\n{extra}",
            self.server.uri()
        )
    }

    fn pages(&self) -> Vec<Value> {
        self.state.lock().unwrap().pages.clone()
    }
}

impl Drop for FakeWiki {
    fn drop(&mut self) {
        fail_on_drop("Confluence", self.spec.failure_list());
    }
}

impl FakeWiki {
    fn count(&self, what: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|l| *l == what)
            .count()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn confluence_page_is_created_once_in_storage_format() {
    let wiki = FakeWiki::start().await;
    let mut env = TestEnv::with_config(&wiki.config(""));
    env.set("CONFLUENCE_API_TOKEN", CONFLUENCE_TOKEN);
    let id = incident(&env);
    let first = run(
        &env,
        &["postmortem", "new", "--owner", "ann@example.com", "--json"],
    )
    .await;
    let doc = json(&first);
    assert!(first.status.success(), "{:?}", text(&first));
    let url = format!(
        "{}/wiki/spaces/ENG/pages/327680/Post-mortem",
        wiki.server.uri()
    );
    assert_eq!(doc["postmortem"]["status"], "published");
    assert_eq!(doc["postmortem"]["url"], url.as_str());
    assert_eq!(doc["deliveries"][0]["provider"], "confluence");
    assert_eq!(doc["deliveries"][0]["url"], url.as_str());
    let pages = wiki.pages();
    assert_eq!(pages.len(), 1);
    assert_eq!(
        pages[0]["title"],
        format!("Post-mortem {id}: Checkout returns 500s")
    );
    assert_eq!(pages[0]["spaceId"], "98304", "space resolved from its key");
    let storage = &pages[0]["body"]["storage"];
    assert_eq!(storage["representation"], "storage");
    let html = storage["value"].as_str().unwrap();
    assert!(
        html.contains("<h1>Post-mortem: Checkout returns 500s</h1>"),
        "{html}"
    );
    assert!(html.contains("<table>"), "{html}");
    assert!(html.contains("<td>Time in SEV-1</td>"), "{html}");
    assert!(html.contains("sev1_20261126"), "{html}");
    // The re-run finds the page by title and creates nothing.
    let again = run(&env, &["postmortem", "new", "--json"]).await;
    let doc = json(&again);
    assert!(again.status.success(), "{:?}", text(&again));
    assert_eq!(doc["postmortem"]["status"], "already published");
    assert_eq!(doc["postmortem"]["url"], url.as_str());
    assert_eq!(wiki.pages().len(), 1);
    assert_eq!(wiki.count("POST /wiki/api/v2/pages"), 1);
    // Journaled and shown by status.
    let st = env.json(&["status"]);
    assert_eq!(st["incident"]["postmortem"]["path_or_url"], url.as_str());
    let o = env.inc().arg("status").output().unwrap();
    assert!(text(&o).0.contains(&url), "{}", text(&o).0);
    // Every call carried Basic email:token.
    assert!(
        wiki.state
            .lock()
            .unwrap()
            .auth_seen
            .iter()
            .all(|a| a == CONFLUENCE_BASIC)
    );
    wiki.spec.assert_clean();
    assert_no_secret(&env, &[&first, &again, &o], CONFLUENCE_TOKEN);
    assert_no_secret(&env, &[&first, &again, &o], &CONFLUENCE_BASIC[6..]);
}

#[tokio::test(flavor = "multi_thread")]
async fn confluence_token_from_token_env_and_refused_token() {
    let wiki = FakeWiki::start().await;
    let mut env =
        TestEnv::with_config(&wiki.config("token_env = \"WIKI_TOKEN\"\nspace_id = \"98304\"\n"));
    env.set("WIKI_TOKEN", "wrong-token-4242");
    incident(&env);
    let o = run(&env, &["postmortem", "new", "--owner", "ann"]).await;
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let err = text(&o).1;
    assert!(err.contains("401"), "{err}");
    assert!(err.contains("$WIKI_TOKEN"), "{err}");
    assert!(wiki.pages().is_empty());
    assert_no_secret(&env, &[&o], "wrong-token-4242");
    // The right token: with space_id configured no space lookup is needed.
    env.set("WIKI_TOKEN", CONFLUENCE_TOKEN);
    let o = run(&env, &["postmortem", "new", "--owner", "ann"]).await;
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(wiki.pages().len(), 1);
    assert_eq!(wiki.count("GET /wiki/api/v2/spaces"), 0);
    wiki.spec.assert_clean();
}

// ---- GitHub ----

#[derive(Default)]
struct Repo {
    issues: Vec<Value>,
    log: Vec<String>,
    problems: Vec<String>,
}

struct RepoResponder {
    state: Arc<Mutex<Repo>>,
    base: String,
    spec: SpecValidated,
}

impl Respond for RepoResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let valid = self.spec.check(req);
        let mut st = self.state.lock().unwrap();
        if let Err(e) = valid {
            st.problems.push(e);
        }
        let p = req.url.path().to_string();
        st.log.push(format!("{} {p}", req.method));
        let header = |n: &str| {
            req.headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        if header("authorization") != format!("Bearer {GITHUB_TOKEN}") {
            return ResponseTemplate::new(401).set_body_json(json!({
                "message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"
            }));
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
        match (req.method.as_str(), p.as_str()) {
            ("GET", "/repos/acme/ops") => ResponseTemplate::new(200).set_body_json(json!({
                "full_name": "acme/ops", "has_issues": true
            })),
            ("GET", "/repos/acme/ops/issues") => {
                let mut list = st.issues.clone();
                list.reverse();
                ResponseTemplate::new(200).set_body_json(Value::Array(list))
            }
            ("POST", "/repos/acme/ops/issues") => {
                let body = match decode_body(req) {
                    Ok(b) => b,
                    Err(e) => {
                        st.problems.push(e.clone());
                        return ResponseTemplate::new(400).set_body_json(json!({ "message": e }));
                    }
                };
                // The documented body: `title` required (string or integer), `body` string,
                // `labels` array of names, nothing unknown.
                let mut errors = Vec::new();
                match &body["title"] {
                    Value::String(s) if !s.is_empty() => {}
                    Value::Number(_) => {}
                    other => errors.push(format!("title must be a non-empty string, got {other}")),
                }
                if !body["body"].is_string() {
                    errors.push("body must be a string".into());
                }
                match body["labels"].as_array() {
                    Some(l) if l.iter().all(Value::is_string) => {}
                    _ => errors.push("labels must be an array of names".into()),
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
                    "labels": body["labels"].as_array().unwrap().iter().map(|l| json!({ "name": l })).collect::<Vec<_>>(),
                    "state": "open",
                    "html_url": format!("{}/acme/ops/issues/{number}", self.base),
                });
                st.issues.push(issue.clone());
                ResponseTemplate::new(201).set_body_json(issue)
            }
            _ => {
                st.problems
                    .push(format!("fake has no route for {} {p}", req.method));
                ResponseTemplate::new(404).set_body_json(json!({ "message": "Not Found" }))
            }
        }
    }
}

/// Dropping the fake fails the test if any request lacked GitHub's required headers, had an
/// invalid body or reached a route the fake does not know.
struct FakeGithub {
    server: MockServer,
    state: Arc<Mutex<Repo>>,
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

async fn fake_github() -> FakeGithub {
    let server = MockServer::start().await;
    let state = Arc::new(Mutex::new(Repo::default()));
    // A pull request with the same title must not count as the post-mortem issue.
    state.lock().unwrap().issues.push(json!({
        "number": 7, "title": "unrelated", "pull_request": { "url": "x" }, "html_url": "x"
    }));
    Mock::given(wiremock::matchers::any())
        .respond_with(RepoResponder {
            state: state.clone(),
            base: server.uri(),
            spec: SpecValidated::load(common::github::SPEC),
        })
        .mount(&server)
        .await;
    FakeGithub { server, state }
}

#[tokio::test(flavor = "multi_thread")]
async fn github_issue_is_created_once_with_labels() {
    let gh = fake_github().await;
    let (server, state) = (&gh.server, &gh.state);
    let mut env = TestEnv::with_config(&format!(
        "[github]\napi_url = \"{}\"\nrepo = \"acme/ops\"\nlabels = [\"postmortem\", \"sev1\"]\n",
        server.uri()
    ));
    env.set("GITHUB_TOKEN", GITHUB_TOKEN);
    let id = incident(&env);
    let first = run(
        &env,
        &[
            "postmortem",
            "new",
            "--owner",
            "ann@example.com",
            "--publish",
            "github",
            "--json",
        ],
    )
    .await;
    let doc = json(&first);
    assert!(first.status.success(), "{:?}", text(&first));
    let url = format!("{}/acme/ops/issues/41", server.uri());
    assert_eq!(doc["postmortem"]["url"], url.as_str());
    assert_eq!(doc["deliveries"][0]["provider"], "github");
    {
        let st = state.lock().unwrap();
        assert!(st.problems.is_empty(), "{:?}", st.problems);
        let issue = st.issues.last().unwrap();
        assert_eq!(
            issue["title"],
            format!("Post-mortem {id}: Checkout returns 500s")
        );
        let labels: Vec<&str> = issue["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["postmortem", "sev1", "sev1_20261126"]);
        let body = issue["body"].as_str().unwrap();
        assert!(
            body.starts_with("# Post-mortem: Checkout returns 500s"),
            "{body}"
        );
        assert!(
            body.contains("| 1 | Alert on queue depth | `sev1_20261126` `sev1` | |"),
            "{body}"
        );
    }
    // The re-run finds the issue by title: no second one.
    let again = run(
        &env,
        &["postmortem", "new", "--publish", "github", "--json"],
    )
    .await;
    assert!(again.status.success(), "{:?}", text(&again));
    assert_eq!(json(&again)["postmortem"]["status"], "already published");
    let posts = state
        .lock()
        .unwrap()
        .log
        .iter()
        .filter(|l| *l == "POST /repos/acme/ops/issues")
        .count();
    assert_eq!(posts, 1);
    // The link is journaled.
    let st = env.json(&["show"]);
    assert_eq!(st["incident"]["postmortem"]["path_or_url"], url.as_str());
    assert_no_secret(&env, &[&first, &again], GITHUB_TOKEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn github_bad_token_and_dry_run() {
    let gh = fake_github().await;
    let (server, state) = (&gh.server, &gh.state);
    let mut env = TestEnv::with_config(&format!(
        "[github]\napi_url = \"{}\"\nrepo = \"acme/ops\"\n[postmortem]\npublish = \"github\"\n",
        server.uri()
    ));
    incident(&env);
    // No token: a configuration error naming the variable and `inc doctor`; nothing reaches
    // GitHub, nothing is written or queued.
    let before = env.state_files();
    let o = run(&env, &["postmortem", "new", "--owner", "ann"]).await;
    assert_eq!(o.status.code(), Some(78), "{:?}", text(&o));
    assert!(
        text(&o).1.contains("$GITHUB_TOKEN is not set") && text(&o).1.contains("inc doctor"),
        "{}",
        text(&o).1
    );
    assert_eq!(env.state_files(), before, "nothing written");
    assert!(state.lock().unwrap().log.is_empty());
    // A refused token: the provider's words, never the token.
    env.set("GITHUB_TOKEN", "ghp_wrong");
    let o = run(&env, &["postmortem", "new", "--owner", "ann"]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("Bad credentials"), "{}", text(&o).1);
    assert_no_secret(&env, &[&o], "ghp_wrong");
    // --dry-run prints the request, sends and writes nothing.
    env.set("GITHUB_TOKEN", GITHUB_TOKEN);
    let before = env.state_files();
    state.lock().unwrap().log.clear();
    let o = run(&env, &["postmortem", "new", "--owner", "ann", "--dry-run"]).await;
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(
        text(&o).0.contains("POST api:/repos/acme/ops/issues"),
        "{}",
        text(&o).0
    );
    assert!(state.lock().unwrap().log.is_empty());
    assert_eq!(env.state_files(), before);
}

#[test]
fn the_confluence_description_has_teeth() {
    let spec = SpecValidated::load("confluence/openapi-v2.v3.json");
    let v = |body: Value| spec.spec().validate("POST", "/wiki/api/v2/pages", &body);
    let page = json!({
        "spaceId": "98304", "status": "current", "title": "t",
        "body": { "representation": "storage", "value": "<p>x</p>" },
    });
    assert!(v(page.clone()).is_ok(), "{:?}", v(page.clone()));
    let nested = json!({ "spaceId": "1", "title": "t", "body": { "storage": { "representation": "storage", "value": "<p/>" } } });
    assert!(v(nested).is_ok());
    for bad in [
        json!({ "title": "no space", "body": page["body"].clone() }),
        json!({ "spaceId": 98304, "title": "t" }),
        json!({ "spaceId": "1", "status": "published", "title": "t" }),
        json!({ "spaceId": "1", "title": "t", "body": { "representation": "markdown", "value": "x" } }),
        json!({ "spaceId": "1", "title": "t", "body": {} }),
    ] {
        assert!(v(bad.clone()).is_err(), "accepted {bad}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_proves_both_tokens() {
    let wiki = FakeWiki::start().await;
    let gh = fake_github().await;
    let mut env = TestEnv::with_config(&format!(
        "{}\n[github]\napi_url = \"{}\"\nrepo = \"acme/ops\"\n",
        wiki.config(""),
        gh.server.uri()
    ));
    env.set("CONFLUENCE_API_TOKEN", CONFLUENCE_TOKEN);
    env.set("GITHUB_TOKEN", GITHUB_TOKEN);
    let o = run(&env, &["doctor", "--json"]).await;
    let doc = json(&o);
    let find = |name: &str| {
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == name)
            .unwrap_or_else(|| panic!("no {name} check: {doc}"))
            .clone()
    };
    let c = find("confluence");
    assert_eq!(c["ok"], true, "{c}");
    assert!(
        c["detail"].as_str().unwrap().contains("space ENG is 98304"),
        "{c}"
    );
    let g = find("github");
    assert_eq!(g["ok"], true, "{g}");
    assert!(
        g["detail"].as_str().unwrap().contains("$GITHUB_TOKEN"),
        "{g}"
    );
    assert_no_secret(&env, &[&o], GITHUB_TOKEN);
    assert_no_secret(&env, &[&o], CONFLUENCE_TOKEN);
    wiki.spec.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn security_postmortem_is_not_published_without_force() {
    let gh = fake_github().await;
    let (server, state) = (&gh.server, &gh.state);
    let mut env = TestEnv::with_config(&format!(
        "[github]\napi_url = \"{}\"\nrepo = \"acme/ops\"\n",
        server.uri()
    ));
    env.set("GITHUB_TOKEN", GITHUB_TOKEN);
    let o = env
        .inc()
        .args([
            "declare",
            "Leaked credentials",
            "--security",
            "--sev",
            "1",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let o = run(
        &env,
        &["postmortem", "new", "--owner", "ann", "--publish", "github"],
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("security incident"), "{}", text(&o).1);
    assert!(state.lock().unwrap().log.is_empty());
    let o = run(
        &env,
        &[
            "postmortem",
            "new",
            "--owner",
            "ann",
            "--publish",
            "github",
            "--force",
            "--json",
        ],
    )
    .await;
    assert!(o.status.success(), "{:?}", text(&o));
    // The issue this run created (the fake holds an unrelated one from before), once.
    let url = json(&o)["postmortem"]["url"].as_str().unwrap().to_string();
    let st = state.lock().unwrap();
    let posts = st
        .log
        .iter()
        .filter(|l| *l == "POST /repos/acme/ops/issues")
        .count();
    assert_eq!(posts, 1, "one issue created: {:?}", st.log);
    let created: Vec<&Value> = st.issues.iter().filter(|i| i["html_url"] == url).collect();
    assert_eq!(created.len(), 1, "the issue at {url}: {:?}", st.issues);
    let title = created[0]["title"].as_str().unwrap();
    assert!(title.starts_with("Post-mortem "), "{title}");
    assert!(
        !title.contains("Leaked credentials"),
        "the codename, not the title: {title}"
    );
    let body = created[0]["body"].as_str().unwrap();
    assert!(
        !body.contains("Leaked credentials"),
        "the body names the codename only: {body}"
    );
}
