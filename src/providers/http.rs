//! The shared HTTP client and the mapping of HTTP outcomes to [`SendError`]: transport errors,
//! 408, 429 and 5xx are transient (with `Retry-After` or the provider's reset header); 401/403
//! are credential errors; other 4xx are rejections in the provider's own words.

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

/// Sends one request and classifies the outcome. `message` pulls the provider's own error text
/// out of an error body.
pub async fn execute(
    req: reqwest::RequestBuilder,
    message: fn(&Value) -> Option<String>,
    auth_hint: &str,
) -> Result<Response, SendError> {
    execute_with(req, message, auth_hint, &[]).await
}

/// [`execute`], with statuses this provider also uses to throttle (Statuspage: 420).
pub async fn execute_with(
    req: reqwest::RequestBuilder,
    message: fn(&Value) -> Option<String>,
    auth_hint: &str,
    also_transient: &[u16],
) -> Result<Response, SendError> {
    // `without_url`: a reqwest error with no deeper cause would otherwise print the URL.
    let resp = req.send().await.map_err(|e| SendError::Transient {
        message: transport_error(&e.without_url()),
        retry_after: None,
    })?;
    let status = resp.status().as_u16();
    // X and Mastodon say when the rate-limit window resets (on every answer): a wait only for a 429.
    let retry_after = retry_after(resp.headers()).or_else(|| {
        (status == 429)
            .then(|| reset_at(resp.headers(), jiff::Timestamp::now()))
            .flatten()
    });
    let text = resp.text().await.map_err(|e| SendError::Transient {
        message: transport_error(&e.without_url()),
        retry_after: None,
    })?;
    let body: Value = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    // Discord's 429 body carries the exact wait (`retry_after`, seconds, a float).
    let retry_after = body["retry_after"]
        .as_f64()
        .filter(|s| status == 429 && s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_millis((s * 1000.0).ceil() as u64))
        .or(retry_after);
    let said = || message(&body).unwrap_or_else(|| short(&body));
    match status {
        200..=299 => Ok(Response { status, body }),
        401 | 403 => Err(SendError::Auth {
            message: format!("HTTP {status}: {}; {auth_hint}", said()),
        }),
        s if matches!(s, 408 | 429 | 500..=599) || also_transient.contains(&s) => {
            Err(SendError::Transient {
                message: format!("HTTP {status}: {}", said()),
                retry_after,
            })
        }
        _ => Err(SendError::Rejected {
            status: Some(status),
            message: format!("HTTP {status}: {}", said()),
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
fn transport_error(e: &reqwest::Error) -> String {
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

/// `Retry-After` in seconds, else `ratelimit-reset`: PagerDuty's seconds until the window
/// resets, or (a value past 10⁹) the Unix time a Bluesky PDS gives.
fn retry_after(h: &HeaderMap) -> Option<Duration> {
    ["retry-after", "ratelimit-reset", "x-ratelimit-reset-after"]
        .iter()
        .find_map(|name| h.get(*name)?.to_str().ok()?.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| {
            if s > 1e9 {
                let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
                (s - now).max(0.0)
            } else {
                s
            }
        })
        .map(|s| Duration::from_millis((s * 1000.0) as u64))
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
}
