//! wiremock helpers that hold fake servers to the official API descriptions.
//!
//! ```ignore
//! let pd = SpecValidated::load("pagerduty/REST/openapiv3.json");
//! Mock::given(method("POST"))
//!     .and(path("/incidents"))
//!     .and(pd.clone()) // only a spec-valid request matches …
//!     .respond_with(pd.respond(ResponseTemplate::new(201))) // … or answer 400 + reason
//!     .mount(&server)
//!     .await;
//! // … run inc …
//! pd.assert_clean(); // every spec violation seen by any mock fails the test
//! ```
//!
//! The stateful fakes (`pagerduty.rs`, `slack.rs`, …) go further: each validates every request
//! (query string, declared headers, body), records it ([`Recording`]), records a request to a
//! route it does not know as a problem, and fails the test that made a bad request when it is
//! dropped ([`fail_on_drop`]), so no test can forget `assert_clean()`. A test that provokes a
//! bad request on purpose takes the problems with `take_violations()`.
//!
//! wiremock evaluates matchers in order and stops at the first miss, so add `SpecValidated`
//! *after* the method/path matchers: otherwise it also judges requests meant for other mocks
//! (e.g. another provider's fake on the same server) and records bogus failures.

use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};
use wiremock::{Match, Request, Respond, ResponseTemplate};

use super::spec::Spec;

/// Validation failures seen so far (shared by all clones of a [`SpecValidated`]).
pub type Failures = Arc<Mutex<Vec<String>>>;

/// Matches a request only if its body (and declared header parameters) are valid for the
/// operation the request's method + path resolve to in `spec`. Every failure is also recorded.
#[derive(Clone)]
pub struct SpecValidated {
    spec: &'static Spec,
    prefix: String,
    check_headers: bool,
    failures: Failures,
}

impl SpecValidated {
    pub fn new(spec: &'static Spec) -> Self {
        SpecValidated {
            spec,
            prefix: String::new(),
            check_headers: true,
            failures: Failures::default(),
        }
    }

    /// `SpecValidated::new(Spec::load(rel))`.
    pub fn load(rel: &str) -> Self {
        Self::new(Spec::load(rel))
    }

    /// Remove a test-only mount prefix (e.g. `/pd` when several fakes share one server) from
    /// request paths before looking them up in the spec.
    pub fn strip_prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.trim_end_matches('/').to_string();
        self
    }

    /// Skip the spec's header parameters (`Accept`, `Content-Type`, `From`, …).
    pub fn without_header_checks(mut self) -> Self {
        self.check_headers = false;
        self
    }

    pub fn spec(&self) -> &'static Spec {
        self.spec
    }

    /// The shared failure log.
    pub fn failures(&self) -> Failures {
        self.failures.clone()
    }

    /// Snapshot of the failures recorded so far.
    pub fn failure_list(&self) -> Vec<String> {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Panic, listing them, if any request failed validation.
    #[track_caller]
    pub fn assert_clean(&self) {
        let failures = self.failure_list();
        assert!(
            failures.is_empty(),
            "{} request(s) violated {}:\n{}",
            failures.len(),
            self.spec.rel(),
            failures.join("\n")
        );
    }

    /// Record a problem the fake found itself (a request to a route it does not know, …): it
    /// fails the test like a spec violation.
    pub fn record(&self, problem: String) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if !failures.contains(&problem) {
            failures.push(problem);
        }
    }

    /// Takes (and forgets) the failures recorded so far: for a test that provokes them on
    /// purpose and checks them itself.
    pub fn take_failures(&self) -> Vec<String> {
        std::mem::take(&mut *self.failures.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Validate one request (query string, declared headers, body); does not record.
    pub fn check(&self, request: &Request) -> Result<(), String> {
        let method = request.method.as_str();
        let full = request.url.path();
        let path = full.strip_prefix(self.prefix.as_str()).unwrap_or(full);
        let query: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let query_check = self.spec.validate_query(method, path, &query);
        let body = decode_body(request).map_err(|e| format!("{method} {full}: {e}"))?;
        let body_check = self.check_body(request, method, path, &body);
        match (query_check, body_check) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(e),
            (Err(q), Err(b)) if q == b => Err(q),
            (Err(q), Err(b)) => Err(format!("{q}\n{b}")),
        }
    }

    fn check_body(
        &self,
        request: &Request,
        method: &str,
        path: &str,
        body: &Value,
    ) -> Result<(), String> {
        if self.check_headers {
            let headers: Vec<(String, String)> = request
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            self.spec.validate_request(method, path, &headers, body)
        } else {
            self.spec.validate(method, path, body)
        }
    }

    /// Validate one request and record a failure.
    pub fn check_and_record(&self, request: &Request) -> Result<(), String> {
        let result = self.check(request);
        if let Err(e) = &result {
            let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
            // Several mocks may evaluate the same request; log it once.
            if !failures.contains(e) {
                failures.push(e.clone());
            }
        }
        result
    }

    /// Wrap a responder: valid requests get `inner`'s response, invalid ones a 400 whose body
    /// is the validation error (and the failure is recorded).
    pub fn respond<R: Respond>(&self, inner: R) -> Validating<R> {
        Validating {
            check: self.clone(),
            inner,
        }
    }
}

impl Match for SpecValidated {
    fn matches(&self, request: &Request) -> bool {
        self.check_and_record(request).is_ok()
    }
}

/// Fails the test (panics) when a fake is dropped with problems nobody took: the fake's end
/// is the test's end, so no test can forget to look. Does nothing while the thread is already
/// panicking (the test has failed anyway; a second panic would abort).
pub fn fail_on_drop(fake: &str, problems: Vec<String>) {
    if problems.is_empty() || std::thread::panicking() {
        return;
    }
    panic!(
        "the {fake} fake saw {} bad request(s) (spec violations, unknown routes, invalid query \
         strings); fix inc, or the fake if the description is known to be wrong:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// One request as a fake received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The path, without the query.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn new(request: &Request) -> Recorded {
        Recorded {
            method: request.method.as_str().to_string(),
            path: request.url.path().to_string(),
            query: request
                .url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            body: request.body.clone(),
        }
    }

    /// `METHOD /path`.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The body as JSON (form posts as an object of strings), `Null` when empty or unreadable.
    pub fn json(&self) -> Value {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Value::Null;
        }
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            Value::Object(
                url::form_urlencoded::parse(&self.body)
                    .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                    .collect(),
            )
        })
    }
}

/// Every request a fake received, in order (shared with its responder).
pub type Requests = Arc<Mutex<Vec<Recorded>>>;

/// Wraps a fake's responder: every request is recorded before it is answered.
pub struct Recording<R> {
    pub requests: Requests,
    pub inner: R,
}

impl<R: Respond> Respond for Recording<R> {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Recorded::new(request));
        self.inner.respond(request)
    }
}

/// The records of `requests` whose `METHOD /path` is `line`.
pub fn count(requests: &Requests, line: &str) -> usize {
    requests
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|r| r.line() == line)
        .count()
}

/// See [`SpecValidated::respond`].
pub struct Validating<R> {
    check: SpecValidated,
    inner: R,
}

impl<R> Validating<R> {
    pub fn failures(&self) -> Failures {
        self.check.failures()
    }
}

impl<R: Respond> Respond for Validating<R> {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match self.check.check_and_record(request) {
            Ok(()) => self.inner.respond(request),
            Err(e) => ResponseTemplate::new(400)
                .insert_header("content-type", "text/plain")
                .set_body_string(format!("spec validation failed: {e}")),
        }
    }
}

/// Request body as JSON: empty → `Null`; form-urlencoded → flat object of strings (repeated
/// keys → array); otherwise parsed as JSON.
pub fn decode_body(request: &Request) -> Result<Value, String> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    let content_type = request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let mut map = Map::new();
        for (k, v) in url::form_urlencoded::parse(&request.body) {
            let v = Value::String(v.into_owned());
            match map.get_mut(k.as_ref()) {
                None => {
                    map.insert(k.into_owned(), v);
                }
                Some(Value::Array(items)) => items.push(v),
                Some(existing) => *existing = Value::Array(vec![existing.take(), v]),
            }
        }
        return Ok(Value::Object(map));
    }
    serde_json::from_slice(&request.body)
        .map_err(|e| format!("body is not JSON ({e}; content-type {content_type:?})"))
}

/// Matches if some value of header `name` equals `value` exactly (wiremock's `header` splits
/// values on commas, which breaks e.g. `Accept: application/json, text/event-stream`).
pub fn header_exact(name: &str, value: &str) -> HeaderExact {
    HeaderExact {
        name: name.to_ascii_lowercase(),
        value: value.to_string(),
    }
}

pub struct HeaderExact {
    name: String,
    value: String,
}

impl Match for HeaderExact {
    fn matches(&self, request: &Request) -> bool {
        request
            .headers
            .get_all(self.name.as_str())
            .iter()
            .any(|v| v.as_bytes() == self.value.as_bytes())
    }
}
