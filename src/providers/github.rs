//! GitHub REST: publish the post-mortem as an issue (shared/notes/apis.md §10), and read what
//! changed on a repository for `inc changes` (deployments with their statuses, releases).
//! Requests follow `tests/specs/github/api.github.com.json`.
//! `Authorization: Bearer` with the token from `$GITHUB_TOKEN` (or `token_env`/`token_cmd`),
//! added when sending.
//!
//! A publish first looks for an issue with the same title in the repository, so a retry or a
//! re-run never opens a second one.
//!
//! GitHub throttles with 403 as well as 429 (its "secondary" rate limits): a 403 or 429 that
//! carries `retry-after`, or `x-ratelimit-remaining: 0` with `x-ratelimit-reset`, or says it
//! is a rate limit, is transient and waited out per its headers (GitHub's docs: at least a
//! minute when it gives none), within the delivery budget; any other 403 is a credential error.

use serde_json::{Value, json};

use super::http::{self, Response};
use super::{Delivery, HttpRequest, Receipt, Request, SendError};
use crate::config::{ConfigError, Env, GithubConfig, Secret};

pub const PROVIDER: &str = "github";
pub const TOKEN_ENV: &str = "GITHUB_TOKEN";
pub const DEFAULT_API: &str = "https://api.github.com";
/// The action that publishes a post-mortem (looked up by title before it is created).
pub const PUBLISH: &str = "publish_postmortem";
const ACCEPT: &str = "application/vnd.github+json";
const API_VERSION: &str = "2022-11-28";
/// How many pages of 100 issues the duplicate check reads (newest first).
const LOOKUP_PAGES: usize = 10;
/// Deployments and releases per page (GitHub's largest).
pub const PER_PAGE: usize = 100;
/// Statuses read per deployment: its latest few (GitHub lists the newest first).
const STATUSES_PER_PAGE: usize = 10;

pub struct Client {
    http: reqwest::Client,
    api: url::Url,
    token: Result<Secret, String>,
    token_source: String,
    repo: Option<String>,
}

/// `owner/name`, checked.
pub fn check_repo(repo: &str) -> Result<(), String> {
    let ok = repo.split('/').count() == 2
        && repo.split('/').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        });
    if ok {
        Ok(())
    } else {
        Err(format!("'{repo}' is not a repository: use \"owner/name\""))
    }
}

impl Client {
    /// Why this client has no secret to send with (its variable unset, its `token_cmd`
    /// failing), naming the variable or `token_cmd`; asked before anything is sent.
    pub fn secret_error(&self) -> Option<String> {
        self.token.as_ref().err().cloned()
    }

    pub fn new(
        http: reqwest::Client,
        cfg: &GithubConfig,
        env: &Env,
    ) -> Result<Client, ConfigError> {
        let api = crate::config::check_http_url(cfg.api_url.as_deref().unwrap_or(DEFAULT_API))
            .map_err(|message| ConfigError::Invalid {
                key: "github.api_url".into(),
                message,
            })?;
        Ok(Client {
            http,
            api,
            token: cfg
                .secret
                .resolve(TOKEN_ENV, env)
                .map_err(|e| e.to_string()),
            token_source: cfg.secret.describe(TOKEN_ENV),
            repo: cfg.repo.clone(),
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Response, SendError> {
        let token = self.token.as_ref().map_err(|e| SendError::Auth {
            message: format!("no GitHub token: {e}; run `inc doctor`"),
        })?;
        let url = http::join(&self.api, path, query);
        let mut req = self
            .http
            .request(method, url)
            .bearer_auth(token.expose())
            .header("Accept", ACCEPT)
            .header("X-GitHub-Api-Version", API_VERSION);
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(serde_json::to_vec(b).expect("json"));
        }
        let hint = format!(
            "check the token in {} and run `inc doctor`",
            self.token_source
        );
        let api = http::Api::new("GitHub", error_message, &hint);
        let raw = http::fetch(req, &api).await?;
        if let Some(e) = rate_limited(&raw) {
            return Err(e);
        }
        http::classify(raw, &api)
    }

    /// An issue (not a pull request) of the repository with exactly this title.
    async fn find_issue(&self, issues_path: &str, title: &str) -> Result<Option<Value>, SendError> {
        for page in 1..=LOOKUP_PAGES {
            let q: Vec<(String, String)> = [
                ("state", "all".to_string()),
                ("sort", "created".into()),
                ("direction", "desc".into()),
                ("per_page", "100".into()),
                ("page", page.to_string()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            let body = self
                .call(reqwest::Method::GET, issues_path, &q, None)
                .await?
                .body;
            let items = body.as_array().cloned().unwrap_or_default();
            if let Some(found) = items
                .iter()
                .find(|i| i.get("pull_request").is_none() && i["title"].as_str() == Some(title))
            {
                return Ok(Some(found.clone()));
            }
            if items.len() < 100 {
                break;
            }
        }
        Ok(None)
    }

    pub async fn send(&self, d: &Delivery) -> Result<Receipt, SendError> {
        let Request::Http(req) = &d.request else {
            return Err(SendError::Rejected {
                status: None,
                message: "github sends only HTTP requests".into(),
            });
        };
        if d.action == PUBLISH
            && let Some(title) = req.body.as_ref().and_then(|b| b["title"].as_str())
            && let Some(issue) = self.find_issue(&req.path, title).await?
        {
            let mut r = receipt(&issue);
            r.note = Some("already published; left as it is".into());
            return Ok(r);
        }
        let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| {
            SendError::Rejected {
                status: None,
                message: e.to_string(),
            }
        })?;
        let resp = self
            .call(method, &req.path, &req.query, req.body.as_ref())
            .await?;
        Ok(receipt(&resp.body))
    }

    /// One page of a repository's deployments (`GET /repos/{owner}/{repo}/deployments`), as
    /// GitHub lists them: newest first. `environment` keeps only that environment's.
    pub async fn deployments(
        &self,
        repo: &str,
        environment: Option<&str>,
        page: u32,
    ) -> Result<Vec<Value>, SendError> {
        let mut q = page_query(page);
        if let Some(env) = environment {
            q.push(("environment".into(), env.to_string()));
        }
        self.list(&format!("/repos/{repo}/deployments"), &q).await
    }

    /// A deployment's statuses (`GET .../deployments/{id}/statuses`), the first page: the
    /// newest ones.
    pub async fn deployment_statuses(&self, repo: &str, id: u64) -> Result<Vec<Value>, SendError> {
        let q = vec![("per_page".to_string(), STATUSES_PER_PAGE.to_string())];
        self.list(&format!("/repos/{repo}/deployments/{id}/statuses"), &q)
            .await
    }

    /// One page of a repository's releases (`GET /repos/{owner}/{repo}/releases`), newest first.
    pub async fn releases(&self, repo: &str, page: u32) -> Result<Vec<Value>, SendError> {
        self.list(&format!("/repos/{repo}/releases"), &page_query(page))
            .await
    }

    /// A GET that answers a JSON array (anything else reads as none).
    async fn list(&self, path: &str, q: &[(String, String)]) -> Result<Vec<Value>, SendError> {
        let body = self.call(reqwest::Method::GET, path, q, None).await?.body;
        Ok(body.as_array().cloned().unwrap_or_default())
    }

    /// Where people look at a repository (`https://github.com/acme/web`): the API's host
    /// without `api.` (GitHub) or without its `/api/v3` path (GitHub Enterprise Server).
    pub fn web_url(&self, repo: &str) -> String {
        let mut u = self.api.clone();
        if let Some(h) = u
            .host_str()
            .and_then(|h| h.strip_prefix("api."))
            .map(str::to_string)
        {
            let _ = u.set_host(Some(&h));
        }
        let base = u
            .path()
            .trim_end_matches('/')
            .trim_end_matches("/api/v3")
            .to_string();
        u.set_path(&format!("{base}/{repo}"));
        u.set_query(None);
        u.to_string()
    }

    /// `inc doctor`: reads the repository (proves the token and that it can see the repo).
    pub async fn check(&self) -> Result<String, SendError> {
        let Some(repo) = &self.repo else {
            return Err(SendError::Rejected {
                status: None,
                message: "github.repo is not set".into(),
            });
        };
        let body = self
            .call(reqwest::Method::GET, &format!("/repos/{repo}"), &[], None)
            .await?
            .body;
        let issues = body["has_issues"].as_bool().unwrap_or(true);
        Ok(format!(
            "token accepted; {repo}{}",
            if issues { "" } else { " has issues disabled" }
        ))
    }
}

/// A 403 or 429 that is GitHub's rate limit (primary or secondary), as a transient error that
/// waits as long as GitHub asks (shared/notes/apis.md §10).
fn rate_limited(raw: &http::Raw) -> Option<SendError> {
    if !matches!(raw.status, 403 | 429) {
        return None;
    }
    let header = |n: &str| raw.headers.get(n)?.to_str().ok().map(str::trim);
    let said = error_message(&raw.body()).unwrap_or_else(|| "rate limited".into());
    let wait = if let Some(d) = header("retry-after").and(http::retry_after(&raw.headers)) {
        d
    } else if header("x-ratelimit-remaining") == Some("0") {
        let reset: i64 = header("x-ratelimit-reset")?.parse().ok()?;
        let now = header("date")
            .and_then(http::http_date)
            .unwrap_or_else(jiff::Timestamp::now);
        std::time::Duration::from_secs(u64::try_from(reset - now.as_second()).unwrap_or(0))
    } else if said.to_lowercase().contains("rate limit") {
        std::time::Duration::from_secs(60)
    } else {
        return None;
    };
    Some(SendError::Transient {
        message: format!(
            "GitHub: HTTP {}: {said} (rate limited: GitHub asks to wait {}s)",
            raw.status,
            wait.as_secs()
        ),
        retry_after: Some(wait),
    })
}

fn page_query(page: u32) -> Vec<(String, String)> {
    vec![
        ("per_page".to_string(), PER_PAGE.to_string()),
        ("page".to_string(), page.to_string()),
    ]
}

fn receipt(issue: &Value) -> Receipt {
    Receipt {
        id: issue["number"]
            .as_u64()
            .map(|n| n.to_string())
            .or_else(|| issue["id"].as_u64().map(|n| n.to_string())),
        url: issue["html_url"].as_str().map(str::to_string),
        note: None,
        body: issue.clone(),
    }
}

/// `{"message", "errors": [{resource, field, code, message?}]}` in plain words.
fn error_message(body: &Value) -> Option<String> {
    let mut msg = body["message"].as_str()?.to_string();
    let details: Vec<String> = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| match e["message"].as_str() {
            Some(m) => m.to_string(),
            None => format!(
                "{} {} {}",
                e["resource"].as_str().unwrap_or(""),
                e["field"].as_str().unwrap_or(""),
                e["code"].as_str().unwrap_or("")
            )
            .trim()
            .to_string(),
        })
        .collect();
    if !details.is_empty() {
        msg.push_str(&format!(" ({})", details.join("; ")));
    }
    Some(msg)
}

// ---- Pure builder ----

/// Publishes a post-mortem as an issue of `repo` with `labels`.
pub fn publish_issue(
    repo: &str,
    title: &str,
    body: String,
    labels: Vec<String>,
    dedup_key: String,
    inc_id: Option<&str>,
) -> Delivery {
    let body = json!({ "title": title, "body": body, "labels": labels });
    Delivery {
        provider: PROVIDER.into(),
        action: PUBLISH.into(),
        target: repo.to_string(),
        dedup_key,
        incident: inc_id.map(str::to_string),
        request: Request::Http(HttpRequest::post(format!("/repos/{repo}/issues"), body)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_names() {
        assert!(check_repo("acme/ops").is_ok());
        assert!(check_repo("acme/ops.github.io").is_ok());
        for bad in ["acme", "acme/", "/ops", "a/b/c", "acme/o ps"] {
            assert!(check_repo(bad).is_err(), "{bad}");
        }
    }

    fn raw(status: u16, headers: &[(&'static str, &str)], body: &str) -> http::Raw {
        let mut h = reqwest::header::HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, v.parse().unwrap());
        }
        http::Raw {
            status,
            headers: h,
            text: Ok(body.into()),
        }
    }

    #[test]
    fn rate_limits_are_waited_out_and_other_403s_are_credential_errors() {
        let secondary = r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#;
        let wait = |r: &http::Raw| match rate_limited(r) {
            Some(SendError::Transient { retry_after, .. }) => retry_after,
            other => panic!("{other:?}"),
        };
        let r = raw(403, &[("retry-after", "7")], secondary);
        assert_eq!(wait(&r), Some(std::time::Duration::from_secs(7)));
        let r = raw(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1795662275"),
                ("date", "Thu, 26 Nov 2026 03:04:05 GMT"),
            ],
            r#"{"message":"API rate limit exceeded for user ID 1."}"#,
        );
        assert_eq!(wait(&r), Some(std::time::Duration::from_secs(30)));
        let r = raw(403, &[], secondary);
        assert_eq!(wait(&r), Some(std::time::Duration::from_secs(60)));
        // Not a rate limit: the token's own problem.
        let r = raw(
            403,
            &[("x-ratelimit-remaining", "4999")],
            r#"{"message":"Resource not accessible by personal access token"}"#,
        );
        assert!(rate_limited(&r).is_none());
        assert!(rate_limited(&raw(404, &[("retry-after", "1")], "{}")).is_none());
    }

    #[test]
    fn issue_body_and_errors() {
        let d = publish_issue(
            "acme/ops",
            "t",
            "b".into(),
            vec!["sev1".into()],
            "k".into(),
            None,
        );
        let Request::Http(h) = &d.request else {
            panic!()
        };
        assert_eq!(h.path, "/repos/acme/ops/issues");
        assert_eq!(h.body.as_ref().unwrap()["labels"][0], "sev1");
        let e = json!({"message":"Validation Failed","errors":[{"resource":"Issue","field":"title","code":"missing_field"}]});
        assert_eq!(
            error_message(&e).unwrap(),
            "Validation Failed (Issue title missing_field)"
        );
    }
}
