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
    let link = crate::flows::postmortem::link(&inc);
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
