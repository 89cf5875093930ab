//! The shared HTTP client and the mapping of HTTP outcomes to [`SendError`]: transport errors,
//! 408, 429 and 5xx are transient (with `Retry-After`, in seconds or as an HTTP date, or the
//! provider's reset header); a 2xx whose answer was lost (cut off, or not JSON) is transient
//! too, for the adapter's retry to find what the first try did; 401/403 are credential errors;
//! other 4xx are rejections in the provider's own words. Every message names the provider.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

use super::SendError;
use crate::config::{Config, ConfigError, Env};

/// Builds the one `reqwest::Client` of a run (rustls with ring; system roots plus `[tls] ca_file`
/// or `$SSL_CERT_FILE`; `HTTPS_PROXY`/`NO_PROXY` honoured by reqwest).
pub fn client(config: &Config, env: &Env) -> Result<reqwest::Client, ConfigError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut b = reqwest::Client::builder()
        .user_agent(concat!("inc/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(5));
    let ca = config
        .values
        .tls
        .ca_file
        .clone()
        .or_else(|| env.get("SSL_CERT_FILE").map(str::to_string));
    if let Some(path) = ca {
        let key = "tls.ca_file";
        let pem = std::fs::read(&path).map_err(|e| ConfigError::Invalid {
            key: key.into(),
            message: format!("{path}: {e}"),
        })?;
        let certs =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| ConfigError::Invalid {
                key: key.into(),
                message: format!("{path}: {e}"),
            })?;
        b = b.tls_certs_merge(certs);
    }
    b.build().map_err(|e| ConfigError::Invalid {
        key: "tls".into(),
        message: e.to_string(),
    })
}

/// A request as the adapters send it: the method a delivery spells (`"POST"`), the given
/// `Authorization` value, and, when there is a body, JSON with its `Content-Type`.
pub fn request(
    http: &reqwest::Client,
    method: &str,
    url: url::Url,
    authorization: String,
    body: Option<&Value>,
) -> Result<reqwest::RequestBuilder, SendError> {
    let method =
        reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| SendError::Rejected {
            status: None,
            message: e.to_string(),
        })?;
    let mut req = http
        .request(method, url)
        .header("Authorization", authorization);
    if let Some(b) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(serde_json::to_vec(b).expect("json"));
    }
    Ok(req)
}

/// A response that came back with a 2xx status.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Value,
}

/// How one provider answers, for [`execute`]: its name (every message starts with it, so a
/// failure always says who failed), how to read its error bodies, what to tell the user when
/// it refuses the credentials, and the statuses it also throttles with.
#[derive(Clone, Copy)]
pub struct Api<'a> {
    pub name: &'a str,
    pub message: fn(&Value) -> Option<String>,
    pub auth_hint: &'a str,
    /// Statuses besides 408, 429 and 5xx that mean "try again later" (Statuspage: 420).
    pub throttled: &'a [u16],
    /// Whether a 2xx must carry a readable JSON body (or none). When it does not (cut off, or
    /// not JSON), the request may have been applied but its answer is lost: a transient error,
    /// so the adapter's retry finds what the first try did. `false` (chat webhooks): a 2xx is
    /// delivered whatever follows it.
    pub json: bool,
}

impl<'a> Api<'a> {
    pub fn new(name: &'a str, message: fn(&Value) -> Option<String>, auth_hint: &'a str) -> Self {
        Api {
            name,
            message,
            auth_hint,
            throttled: &[],
            json: true,
        }
    }
}

/// An answer as it arrived, before it is judged: its status, headers, and its body's text (or
/// why the body could not be read).
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: Result<String, String>,
}

impl Raw {
    /// The body as JSON; a body that is not JSON is kept as a string, none is `Null`.
    pub fn body(&self) -> Value {
        match &self.text {
            Ok(t) if t.trim().is_empty() => Value::Null,
            Ok(t) => serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.clone())),
            Err(_) => Value::Null,
        }
    }
}

/// Sends one request and judges the answer (see [`classify`]).
pub async fn execute(req: reqwest::RequestBuilder, api: &Api<'_>) -> Result<Response, SendError> {
    classify(fetch(req, api).await?, api)
}

/// Sends one request and reads the whole answer; only a request that got no answer at all is
/// an error here (transient).
pub async fn fetch(req: reqwest::RequestBuilder, api: &Api<'_>) -> Result<Raw, SendError> {
    // `without_url`: a reqwest error with no deeper cause would otherwise print the URL.
    let resp = req.send().await.map_err(|e| SendError::Transient {
        message: format!("{}: {}", api.name, transport_error(&e.without_url())),
        retry_after: None,
    })?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp
        .text()
        .await
        .map_err(|e| transport_error(&e.without_url()));
    Ok(Raw {
        status,
        headers,
        text,
    })
}

/// Judges an answer: 2xx is delivered (unless its body is lost, see [`Api::json`]); 408, 429,
/// 5xx and the provider's own throttling statuses are transient, with the wait the provider
/// asked for; 401/403 are credential errors; other 4xx are rejections in the provider's words.
pub fn classify(raw: Raw, api: &Api<'_>) -> Result<Response, SendError> {
    let status = raw.status;
    let name = api.name;
    let body = raw.body();
    if (200..300).contains(&status) {
        let lost = match (&raw.text, &body) {
            (Err(e), _) => Some(format!("the answer was cut off ({e})")),
            (Ok(t), Value::String(_)) => Some(format!(
                "the answer is not JSON ({})",
                t.chars().take(60).collect::<String>().trim()
            )),
            _ => None,
        };
        return match lost {
            Some(why) if api.json => Err(SendError::Transient {
                message: format!(
                    "{name}: HTTP {status}, but {why}; it may have been applied, so the retry checks first"
                ),
                retry_after: None,
            }),
            _ => Ok(Response { status, body }),
        };
    }
    // Discord's 429 body carries the exact wait (`retry_after`, seconds, a float).
    let retry_after = body["retry_after"]
        .as_f64()
        .filter(|s| status == 429 && s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_millis((s * 1000.0).ceil() as u64))
        .or_else(|| retry_after(&raw.headers))
        // X and Mastodon say when the rate-limit window resets (on every answer): a wait only
        // for a 429.
        .or_else(|| {
            (status == 429)
                .then(|| reset_at(&raw.headers, jiff::Timestamp::now()))
                .flatten()
        });
    let said = match &raw.text {
        Err(e) => format!("the answer was cut off ({e})"),
        Ok(_) => (api.message)(&body).unwrap_or_else(|| short(&body)),
    };
    match status {
        401 | 403 => Err(SendError::Auth {
            message: format!("{name}: HTTP {status}: {said}; {}", api.auth_hint),
        }),
        s if matches!(s, 408 | 429 | 500..=599) || api.throttled.contains(&s) => {
            Err(SendError::Transient {
                message: format!("{name}: HTTP {status}: {said}"),
                retry_after,
            })
        }
        _ => Err(SendError::Rejected {
            status: Some(status),
            message: format!("{name}: HTTP {status}: {said}"),
        }),
    }
}

fn short(body: &Value) -> String {
    match body {
        Value::Null => "no body".into(),
        Value::String(s) => s.chars().take(200).collect(),
        other => other.to_string().chars().take(200).collect(),
    }
}

/// Says what went wrong without the URL (a webhook URL is a secret).
pub fn transport_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        format!("could not connect: {}", root_cause(e))
    } else {
        root_cause(e)
    }
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// How long the provider asked to wait: `Retry-After` in seconds or as an HTTP date (counted
/// from the answer's own `Date`, so a skewed local clock does not matter), else PagerDuty's
/// `ratelimit-reset` or Discord's `x-ratelimit-reset-after` (seconds).
pub fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let value = |name: &str| h.get(name)?.to_str().ok().map(str::trim);
    if let Some(v) = value("retry-after") {
        if let Some(d) = seconds(v) {
            return Some(d);
        }
        if let Some(at) = http_date(v) {
            let now = value("date")
                .and_then(http_date)
                .unwrap_or_else(jiff::Timestamp::now);
            let ms = at.duration_since(now).as_millis().max(0);
            return Some(Duration::from_millis(u64::try_from(ms).unwrap_or(0)));
        }
    }
    // A `ratelimit-reset` past 10⁹ is the Unix time a Bluesky PDS gives, not seconds.
    ["ratelimit-reset", "x-ratelimit-reset-after"]
        .iter()
        .find_map(|name| {
            let v = value(name)?;
            match v.parse::<f64>() {
                Ok(s) if s.is_finite() && s > 1e9 => {
                    let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
                    Some(Duration::from_millis(((s - now).max(0.0) * 1000.0) as u64))
                }
                _ => seconds(v),
            }
        })
}

/// The wait until a rate-limit window resets, from an absolute time: X's `x-rate-limit-reset`
/// (Unix seconds) or Mastodon's `X-RateLimit-Reset` (an RFC 3339 time).
fn reset_at(h: &HeaderMap, now: jiff::Timestamp) -> Option<Duration> {
    let at = ["x-rate-limit-reset", "x-ratelimit-reset"]
        .iter()
        .find_map(|name| {
            let v = h.get(*name)?.to_str().ok()?.trim();
            match v.parse::<f64>() {
                Ok(secs) if secs.is_finite() => {
                    jiff::Timestamp::from_millisecond((secs * 1000.0) as i64).ok()
                }
                _ => v.parse::<jiff::Timestamp>().ok(),
            }
        })?;
    let ms = (at.as_millisecond() - now.as_millisecond()).max(0);
    Some(Duration::from_millis(ms as u64))
}

fn seconds(v: &str) -> Option<Duration> {
    v.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_millis((s * 1000.0) as u64))
}

/// An HTTP date (RFC 9110 IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn http_date(v: &str) -> Option<jiff::Timestamp> {
    jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(v)
        .ok()
}

/// Joins a base URL and a path (`{api_url}/incidents`), keeping any path the base has.
pub fn join(base: &url::Url, path: &str, query: &[(String, String)]) -> url::Url {
    let mut u = base.clone();
    let p = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    u.set_path(&p);
    if !query.is_empty() {
        u.query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_keep_the_base_path() {
        let base = url::Url::parse("http://127.0.0.1:8080/pd/").unwrap();
        assert_eq!(
            join(&base, "/incidents", &[]).as_str(),
            "http://127.0.0.1:8080/pd/incidents"
        );
        let q = vec![("schedule_ids[]".to_string(), "P1".to_string())];
        assert_eq!(
            join(&base, "oncalls", &q).as_str(),
            "http://127.0.0.1:8080/pd/oncalls?schedule_ids%5B%5D=P1"
        );
    }

    #[test]
    fn a_reset_time_becomes_a_wait() {
        let now: jiff::Timestamp = "2026-11-26T03:00:00Z".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            "x-rate-limit-reset",
            (now.as_second() + 3).to_string().parse().unwrap(),
        );
        assert_eq!(reset_at(&h, now), Some(Duration::from_secs(3)));
        let mut h = HeaderMap::new();
        h.insert(
            "x-ratelimit-reset",
            "2026-11-26T03:00:01.500000Z".parse().unwrap(),
        );
        assert_eq!(reset_at(&h, now), Some(Duration::from_millis(1500)));
        h.insert("x-ratelimit-reset", "2026-11-26T02:00:00Z".parse().unwrap());
        assert_eq!(reset_at(&h, now), Some(Duration::ZERO), "already past");
    }

    #[test]
    fn retry_after_reads_either_header() {
        let mut h = HeaderMap::new();
        h.insert("ratelimit-reset", "2".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after", "0.5".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(500)));
    }

    #[test]
    fn retry_after_as_an_http_date_counts_from_the_answers_date() {
        let mut h = HeaderMap::new();
        h.insert("date", "Thu, 26 Nov 2026 03:04:05 GMT".parse().unwrap());
        h.insert(
            "retry-after",
            "Thu, 26 Nov 2026 03:04:35 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::from_secs(30)));
        // A date already past: no wait.
        h.insert(
            "retry-after",
            "Thu, 26 Nov 2026 03:00:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        // Without `Date`, from now.
        let mut h = HeaderMap::new();
        let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(90);
        let text = jiff::fmt::rfc2822::DateTimePrinter::new()
            .timestamp_to_rfc9110_string(&soon)
            .unwrap();
        h.insert("retry-after", text.parse().unwrap());
        let wait = retry_after(&h).unwrap();
        assert!(
            wait > Duration::from_secs(85) && wait <= Duration::from_secs(90),
            "{wait:?}"
        );
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    fn raw(status: u16, text: Result<&str, &str>) -> Raw {
        Raw {
            status,
            headers: HeaderMap::new(),
            text: text.map(str::to_string).map_err(str::to_string),
        }
    }

    #[test]
    fn a_lost_answer_to_a_json_api_is_transient_and_names_the_provider() {
        let api = Api::new("PagerDuty", |_| None, "check the token");
        for r in [
            raw(201, Ok("{\"incident\": {\"id\": \"PI")),
            raw(201, Err("connection reset")),
        ] {
            match classify(r, &api) {
                Err(SendError::Transient { message, .. }) => {
                    assert!(message.starts_with("PagerDuty: HTTP 201, but"), "{message}")
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(classify(raw(204, Ok("")), &api).is_ok());
        // A webhook's 2xx is delivered, whatever follows it.
        let hook = Api {
            json: false,
            ..Api::new("Mattermost", |_| None, "")
        };
        assert!(classify(raw(200, Err("connection reset")), &hook).is_ok());
        assert_eq!(classify(raw(200, Ok("ok")), &hook).unwrap().body, "ok");
        match classify(raw(401, Ok("")), &api) {
            Err(SendError::Auth { message }) => {
                assert_eq!(message, "PagerDuty: HTTP 401: no body; check the token")
            }
            other => panic!("{other:?}"),
        }
    }
}
