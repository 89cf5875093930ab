//! `inc email`: the internal email about an incident (after the call, or after the post-mortem
//! meeting) with the post-mortem link, over SMTP.

use lettre::message::Mailbox;
use serde_json::json;

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::postmortem::{self, After};
use crate::providers::email::{self, EmailMessage};

/// Send the internal email about the incident, with the post-mortem link, over SMTP
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  inc email\n  inc email --to eng-all@example.com,support@example.com\n  inc email --after meeting\n\nSecurity incidents: the subject is only \"Attorney Work Project\", and recipients outside the\nsender's domain are refused (inc cannot encrypt mail) unless --force."
)]
pub struct Args {
    /// Recipients, repeated or comma-separated [default: [email] to]
    #[arg(long, value_name = "ADDR", value_delimiter = ',')]
    pub to: Vec<String>,
    /// Which email: right after the call, or with the results after the post-mortem meeting
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = After::Call)]
    pub after: After,
    /// Send a security incident's email outside the sender's domain anyway
    #[arg(long)]
    pub force: bool,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let inc = ctx.current_incident()?;
    let config = ctx.config()?;
    let hint = "`inc doctor` shows what is configured";
    let Some(ec) = &config.values.email else {
        return Err(CliError::config(
            "email is not configured: add an [email] table (smtp_url, from, to) to the config",
        )
        .hint(hint));
    };
    if ec.smtp_url.is_none() {
        return Err(CliError::config("email.smtp_url is not set").hint(hint));
    }
    let from = ec
        .from
        .clone()
        .ok_or_else(|| CliError::config("email.from is not set").hint(hint))?;
    if let Err(e) = from.parse::<Mailbox>() {
        return Err(CliError::config(format!(
            "email.from '{from}' is not an email address: {e}"
        )));
    }
    let (to, flag) = if args.to.is_empty() {
        (ec.to.clone(), "email.to")
    } else {
        (args.to.clone(), "--to")
    };
    let to: Vec<String> = to
        .iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    if to.is_empty() {
        return Err(CliError::usage(
            "--to is required: no recipients given and [email] to is empty",
        )
        .hint("e.g. inc email --to eng-all@example.com"));
    }
    for a in &to {
        if let Err(e) = a.parse::<Mailbox>() {
            let msg = format!("{flag} '{a}' is not an email address: {e}");
            return Err(if flag == "--to" {
                CliError::usage(msg)
            } else {
                CliError::config(msg)
            });
        }
    }
    if inc.security && !args.force {
        let home = email::domain_of(&from);
        let outside: Vec<&String> = to.iter().filter(|a| email::domain_of(a) != home).collect();
        if !outside.is_empty() {
            return Err(CliError::usage(format!(
                "{} is a security incident: its email stays inside {} (inc cannot encrypt mail); refused: {}",
                inc.id,
                home.as_deref().unwrap_or("the sender's domain"),
                outside
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .hint("send it encrypted yourself, or --force"));
        }
    }
    let link = super::postmortem::link(&inc);
    match (link, args.after) {
        (None, After::Meeting) => {
            return Err(CliError::usage(
                "no post-mortem for this incident yet: run `inc postmortem new` first",
            ));
        }
        (None, After::Call) => ctx
            .io
            .warn("no post-mortem yet: the email says it will follow (`inc postmortem new`)"),
        (Some(l), _) if !l.contains("://") => ctx.io.warn(&format!(
            "the post-mortem is a local file ({l}); publish it (`inc postmortem new --publish confluence|github`) for a link others can open"
        )),
        _ => {}
    }
    let now = ctx.now();
    let subject = postmortem::email_subject(&inc, args.after);
    let body = postmortem::email_body(&inc, args.after, link, now);
    let after = match args.after {
        After::Call => "call",
        After::Meeting => "meeting",
    };
    // Stable for this email (a retry from the outbox reuses it); a later run is a new email.
    let key = format!("inc-{}-email-{after}-{}", inc.id, inc.events.len());
    let message = EmailMessage {
        from,
        to: to.clone(),
        subject: subject.clone(),
        body,
        message_id: email::message_id(&key, ec.from.as_deref().unwrap_or_default()),
        date: Some(now),
    };
    let results = ctx
        .deliver(vec![email::send_email(message, key, Some(&inc.id))])
        .await?;
    let doc = json!({
        "incident": inc.id,
        "email": { "after": after, "to": to, "subject": subject, "postmortem": link },
    });
    crate::render::finish(ctx, &[], doc, &[], results)
}

/// Runs a read-only provider check within the delivery timeout.
async fn timed(
    timeout: std::time::Duration,
    check: impl std::future::Future<Output = Result<String, crate::providers::SendError>>,
) -> Result<String, String> {
    match tokio::time::timeout(timeout, check).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err("timed out".into()),
    }
}

/// `inc doctor` rows for SMTP, Confluence and GitHub: where each secret comes from, and one
/// read-only call (SMTP: connect, TLS, EHLO, NOOP; Confluence: the space; GitHub: the repo).
pub(crate) async fn doctor_rows(ctx: &Ctx) -> Vec<(&'static str, Option<bool>, String)> {
    use crate::providers::{confluence, github};
    let Ok(config) = ctx.config() else {
        return Vec::new();
    };
    let v = &config.values;
    let timeout = v.delivery.timeout.0;
    let mut rows = Vec::new();
    if let Some(ec) = &v.email {
        let spec = email::password_spec(ec);
        let source = match &ec.password_cmd {
            Some(cmd) => format!(
                "password_cmd `{}`",
                cmd.split_whitespace().next().unwrap_or("")
            ),
            None => format!("${}", spec.env_name(email::PASSWORD_ENV)),
        };
        let password = match spec.resolve(email::PASSWORD_ENV, &ctx.env) {
            Ok(_) => format!("password from {source}"),
            Err(e) => format!("no password ({e}): sending without AUTH"),
        };
        rows.push(match ctx.email() {
            Ok(c) => match timed(timeout, c.check()).await {
                Ok(d) => ("email", Some(true), format!("{d}; {password}")),
                Err(e) => ("email", Some(false), format!("{e}; {password}")),
            },
            Err(e) => ("email", Some(false), e.message),
        });
    }
    if let Some(c) = &v.confluence {
        let source = c.secret.describe(confluence::TOKEN_ENV);
        rows.push(match ctx.confluence() {
            Ok(client) => match timed(timeout, client.check()).await {
                Ok(d) => (
                    "confluence",
                    Some(true),
                    format!("token from {source}: {d}"),
                ),
                Err(e) => (
                    "confluence",
                    Some(false),
                    format!("token from {source}: {e}"),
                ),
            },
            Err(e) => ("confluence", Some(false), e.message),
        });
    }
    if let Some(g) = &v.github {
        let source = g.secret.describe(github::TOKEN_ENV);
        rows.push(match ctx.github() {
            Ok(client) => match timed(timeout, client.check()).await {
                Ok(d) => ("github", Some(true), format!("token from {source}: {d}")),
                Err(e) => ("github", Some(false), format!("token from {source}: {e}")),
            },
            Err(e) => ("github", Some(false), e.message),
        });
    }
    rows
}
