//! Email over SMTP with lettre (shared/notes/apis.md §11). A delivery carries a plain,
//! serializable [`EmailMessage`] (never the password); the client adds the credentials when it
//! sends. `[email] smtp_url` is mapped here, not by lettre's `from_url` (which treats `smtp://`
//! without `?tls=` as unencrypted): `smtp://` requires STARTTLS (plain SMTP only to a loopback
//! host), `smtps://` is implicit TLS.

use std::time::Duration;

use jiff::Timestamp;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};

use super::{Delivery, Receipt, Request, SendError};
use crate::config::{Config, ConfigError, EmailConfig, Env, Secret, SecretSpec};

pub const PROVIDER: &str = "email";
pub const PASSWORD_ENV: &str = "INC_SMTP_PASSWORD";

/// One email, as data: what `--dry-run` prints and the outbox keeps.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EmailMessage {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    /// Plain text.
    pub body: String,
    /// Stable for one logical email, so a retried send can be recognised by recipients.
    pub message_id: String,
    /// When it was written (the `Date:` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Timestamp>,
}

/// How to reach the SMTP server, from `[email] smtp_url`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpTarget {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// `smtp://`: STARTTLS, required.
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Implicit,
    /// `smtp://` to a loopback host: no TLS.
    Plain,
}

impl Security {
    pub fn describe(self) -> &'static str {
        match self {
            Security::StartTls => "STARTTLS",
            Security::Implicit => "implicit TLS",
            Security::Plain => "plain SMTP to loopback",
        }
    }
}

/// Parses `[email] smtp_url` (SPEC: `smtp://` STARTTLS, `smtps://` implicit TLS, plain SMTP
/// only to a loopback host). A password in the URL is refused: secrets come from the
/// environment or `password_cmd`.
pub fn parse_smtp_url(u: &str) -> Result<SmtpTarget, String> {
    let url = url::Url::parse(u.trim()).map_err(|e| format!("is not a URL: {e}"))?;
    if url.password().is_some() {
        return Err(format!(
            "the URL holds a password: remove it and set ${PASSWORD_ENV} (or password_env / password_cmd)"
        ));
    }
    if url.query().is_some() {
        return Err(format!(
            "'{u}': query options are not supported; smtp:// means STARTTLS (plain only to a loopback host), smtps:// implicit TLS"
        ));
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) if !d.is_empty() => d.to_string(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        _ => return Err(format!("'{u}' names no host")),
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let (security, default_port) = match url.scheme() {
        "smtps" => (Security::Implicit, 465),
        "smtp" if loopback => (Security::Plain, 25),
        "smtp" => (Security::StartTls, 587),
        other => {
            return Err(format!(
                "'{u}': unsupported scheme {other}://; use smtp:// (STARTTLS) or smtps:// (implicit TLS)"
            ));
        }
    };
    let username = (!url.username().is_empty()).then(|| percent_decode(url.username()));
    Ok(SmtpTarget {
        host,
        port: url.port().unwrap_or(default_port),
        security,
        username,
    })
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("u={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

/// Where the SMTP password comes from: `password_cmd`, else `password_env`, else `$INC_SMTP_PASSWORD`.
pub fn password_spec(cfg: &EmailConfig) -> SecretSpec {
    SecretSpec {
        token_env: cfg.password_env.clone(),
        token_cmd: cfg.password_cmd.clone(),
    }
}

/// The SMTP client: lettre's async transport on tokio with rustls (system roots plus
/// `[tls] ca_file` / `$SSL_CERT_FILE`).
pub struct Client {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// Why the credentials could not be read, when some were asked for.
    auth_error: Option<String>,
    pub target: SmtpTarget,
}

impl Client {
    /// Why this client has no secret to send with (its variable unset, its `token_cmd`
    /// failing), naming the variable or `token_cmd`; asked before anything is sent.
    pub fn secret_error(&self) -> Option<String> {
        let e = self.auth_error.as_deref()?;
        Some(
            e.trim_end_matches("; set it or run `inc doctor`")
                .to_string(),
        )
    }

    pub fn new(
        cfg: &EmailConfig,
        config: &Config,
        env: &Env,
        timeout: Duration,
    ) -> Result<Client, ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            key: key.into(),
            message,
        };
        let raw = cfg.smtp_url.as_deref().ok_or_else(|| {
            invalid(
                "email.smtp_url",
                "is not set (e.g. smtp_url = \"smtp://smtp.example.com:587\")".into(),
            )
        })?;
        let target = parse_smtp_url(raw).map_err(|m| invalid("email.smtp_url", m))?;
        let _ = rustls::crypto::ring::default_provider().install_default();
        let tls = || -> Result<TlsParameters, ConfigError> {
            let mut b = TlsParameters::builder(target.host.clone());
            let ca = config
                .values
                .tls
                .ca_file
                .clone()
                .or_else(|| env.get("SSL_CERT_FILE").map(str::to_string));
            if let Some(path) = ca {
                let pem = std::fs::read(&path)
                    .map_err(|e| invalid("tls.ca_file", format!("{path}: {e}")))?;
                let cert = Certificate::from_pem(&pem)
                    .map_err(|e| invalid("tls.ca_file", format!("{path}: {e}")))?;
                b = b.add_root_certificate(cert);
            }
            b.build().map_err(|e| invalid("tls", e.to_string()))
        };
        let tls = match target.security {
            Security::Plain => Tls::None,
            Security::StartTls => Tls::Required(tls()?),
            Security::Implicit => Tls::Wrapper(tls()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&target.host)
            .port(target.port)
            .tls(tls)
            .timeout(Some(timeout));
        // Credentials: asked for by a username or a password setting; else only when the
        // default variable is set.
        let spec = password_spec(cfg);
        let asked = cfg.username.is_some()
            || target.username.is_some()
            || cfg.password_env.is_some()
            || cfg.password_cmd.is_some();
        let mut auth_error = None;
        match spec.resolve(PASSWORD_ENV, env) {
            Ok(password) => {
                let user = cfg
                    .username
                    .clone()
                    .or_else(|| target.username.clone())
                    .or_else(|| cfg.from.clone());
                match user {
                    Some(u) => builder = builder.credentials(credentials(u, &password)),
                    None => {
                        auth_error = Some(
                            "an SMTP password is set but no user: set [email] username or from"
                                .into(),
                        )
                    }
                }
            }
            Err(e) if asked => {
                auth_error = Some(format!(
                    "no SMTP password ({e}); set it or run `inc doctor`"
                ))
            }
            Err(_) => {}
        }
        Ok(Client {
            transport: builder.build(),
            auth_error,
            target,
        })
    }

    /// Sends one email delivery.
    pub async fn send(&self, d: &Delivery) -> Result<Receipt, SendError> {
        let Request::Email(m) = &d.request else {
            return Err(SendError::Rejected {
                status: None,
                message: "the email provider sends only email messages".into(),
            });
        };
        if let Some(e) = &self.auth_error {
            return Err(SendError::Auth { message: e.clone() });
        }
        let message = build(m).map_err(|message| SendError::Rejected {
            status: None,
            message,
        })?;
        match self.transport.send(message).await {
            Ok(_) => Ok(Receipt {
                id: Some(m.message_id.clone()),
                ..Default::default()
            }),
            Err(e) => Err(classify(&e)),
        }
    }

    /// `inc doctor`: connects (and upgrades to TLS), says hello, sends nothing.
    pub async fn check(&self) -> Result<String, SendError> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(format!(
                "{}:{} answers ({})",
                self.target.host,
                self.target.port,
                self.target.security.describe()
            )),
            Ok(false) => Err(SendError::Transient {
                message: "the server did not answer NOOP".into(),
                retry_after: None,
            }),
            Err(e) => Err(classify(&e)),
        }
    }
}

fn credentials(user: String, password: &Secret) -> Credentials {
    Credentials::new(user, password.expose().to_string())
}

/// The lettre message for an [`EmailMessage`].
pub fn build(m: &EmailMessage) -> Result<Message, String> {
    let mailbox = |s: &str, what: &str| {
        s.parse::<Mailbox>()
            .map_err(|e| format!("{what} '{s}' is not an email address: {e}"))
    };
    let mut b = Message::builder()
        .from(mailbox(&m.from, "from")?)
        .subject(m.subject.clone())
        .message_id(Some(m.message_id.clone()))
        .user_agent(concat!("inc/", env!("CARGO_PKG_VERSION")).to_string());
    for to in &m.to {
        b = b.to(mailbox(to, "to")?);
    }
    if let Some(at) = m.date {
        let secs = u64::try_from(at.as_second()).unwrap_or(0);
        b = b.date(std::time::UNIX_EPOCH + Duration::from_secs(secs));
    }
    b.header(ContentType::TEXT_PLAIN)
        .body(m.body.clone())
        .map_err(|e| e.to_string())
}

/// SMTP outcomes as [`SendError`]s: 4xx replies and connection trouble are worth another try;
/// 530/534/535 are credential errors; other 5xx replies and TLS failures are not retried.
fn classify(e: &lettre::transport::smtp::Error) -> SendError {
    let message = format!("SMTP: {}", describe(e));
    if e.is_transient() || e.is_timeout() {
        return SendError::Transient {
            message,
            retry_after: None,
        };
    }
    if e.is_permanent() {
        let code = e.status().map(|c| c.to_string()).unwrap_or_default();
        if matches!(code.as_str(), "530" | "534" | "535") {
            return SendError::Auth {
                message: format!(
                    "{message}; check the SMTP user and password (${PASSWORD_ENV} or password_env / password_cmd)"
                ),
            };
        }
        return SendError::Rejected {
            status: code.parse().ok(),
            message,
        };
    }
    if message.contains("authentication mechanism") {
        return SendError::Auth {
            message: format!(
                "{message}: the server offers no login inc can use; many offer AUTH only over TLS (smtps:// or STARTTLS), and a relay that needs no login needs no password"
            ),
        };
    }
    if e.is_tls() || e.is_client() {
        return SendError::Rejected {
            status: None,
            message,
        };
    }
    SendError::Transient {
        message,
        retry_after: None,
    }
}

/// The error and its causes in one line (lettre's errors carry no secret).
fn describe(e: &lettre::transport::smtp::Error) -> String {
    let mut s = e.to_string();
    let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

// ---- Pure builder ----

/// An email delivery. `key` is stable for the logical email (a retry reuses its Message-ID).
pub fn send_email(m: EmailMessage, key: String, inc_id: Option<&str>) -> Delivery {
    Delivery {
        provider: PROVIDER.into(),
        action: "send_email".into(),
        target: m.to.join(", "),
        dedup_key: key,
        incident: inc_id.map(str::to_string),
        request: Request::Email(m),
    }
}

/// `<inc.KEY@DOMAIN>`, with the sender's domain.
pub fn message_id(key: &str, from: &str) -> String {
    let domain = from
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>'))
        .filter(|d| !d.is_empty())
        .unwrap_or("inc.invalid");
    let local: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-.".contains(c) {
                c
            } else {
                '.'
            }
        })
        .collect();
    format!("<inc.{local}@{domain}>")
}

/// The domain of an address (`Ann <ann@example.com>` → `example.com`), lower-cased.
pub fn domain_of(addr: &str) -> Option<String> {
    let mbox: Mailbox = addr.parse().ok()?;
    Some(mbox.email.domain().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_url_mapping() {
        let t = parse_smtp_url("smtp://smtp.example.com").unwrap();
        assert_eq!((t.security, t.port), (Security::StartTls, 587));
        let t = parse_smtp_url("smtp://smtp.example.com:2525").unwrap();
        assert_eq!((t.security, t.port), (Security::StartTls, 2525));
        let t = parse_smtp_url("smtps://smtp.example.com").unwrap();
        assert_eq!((t.security, t.port), (Security::Implicit, 465));
        for local in [
            "smtp://127.0.0.1:2525",
            "smtp://localhost:2525",
            "smtp://[::1]:2525",
        ] {
            let t = parse_smtp_url(local).unwrap();
            assert_eq!(t.security, Security::Plain, "{local}");
            assert_eq!(t.port, 2525);
        }
        // smtps:// stays TLS even to loopback.
        assert_eq!(
            parse_smtp_url("smtps://127.0.0.1").unwrap().security,
            Security::Implicit
        );
        let t = parse_smtp_url("smtp://bot%40example.com@smtp.example.com").unwrap();
        assert_eq!(t.username.as_deref(), Some("bot@example.com"));
        assert_eq!(t.host, "smtp.example.com");
    }

    #[test]
    fn smtp_url_refusals() {
        let e = parse_smtp_url("smtp://u:hunter2@smtp.example.com").unwrap_err();
        assert!(e.contains("password") && !e.contains("hunter2"), "{e}");
        assert!(
            parse_smtp_url("smtp://smtp.example.com?tls=none")
                .unwrap_err()
                .contains("query")
        );
        assert!(
            parse_smtp_url("http://smtp.example.com")
                .unwrap_err()
                .contains("scheme")
        );
        assert!(parse_smtp_url("not a url").is_err());
    }

    #[test]
    fn message_is_data_without_secrets() {
        let m = EmailMessage {
            from: "incidents@example.com".into(),
            to: vec!["eng@example.com".into()],
            subject: "SEV-1 incident: x".into(),
            body: "hello".into(),
            message_id: message_id("inc-1-email", "incidents@example.com"),
            date: None,
        };
        assert_eq!(m.message_id, "<inc.inc-1-email@example.com>");
        let d = send_email(m, "k".into(), Some("i"));
        let text = serde_json::to_string(&d).unwrap();
        assert!(text.contains("\"kind\":\"email\""), "{text}");
        let Request::Email(m) = &d.request else {
            panic!()
        };
        let raw = String::from_utf8(build(m).unwrap().formatted()).unwrap();
        assert!(raw.contains("Subject: SEV-1 incident: x"), "{raw}");
        assert!(
            raw.contains("Message-ID: <inc.inc-1-email@example.com>"),
            "{raw}"
        );
        assert_eq!(
            domain_of("Ann <ann@Example.com>").as_deref(),
            Some("example.com")
        );
    }
}
