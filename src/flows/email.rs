//! The internal email about an incident (after the call, or after the post-mortem meeting) with
//! the post-mortem link, over SMTP. Two steps: [`prepare`] checks everything and leaves its
//! warnings on the context; [`send`] sends.

use lettre::message::Mailbox;
use serde::Serialize;

use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::{CliError, CliResult};
use crate::postmortem::{self, After};
use crate::providers::Delivery;
use crate::providers::email::{self, EmailMessage};

pub struct Request {
    /// Recipients [default: `[email] to`].
    pub to: Vec<String>,
    pub after: After,
    /// Send a security incident's email outside the sender's domain anyway.
    pub force: bool,
}

/// The email checked and built, ready to send.
pub struct Prepared {
    delivery: Delivery,
    sent: Sent,
}

/// What was sent, as `--json` shows it (with the deliveries).
#[derive(Serialize)]
pub struct Sent {
    pub incident: String,
    pub email: Summary,
    #[serde(skip)]
    pub deliveries: Vec<DeliveryResult>,
}

#[derive(Serialize)]
pub struct Summary {
    pub after: &'static str,
    pub to: Vec<String>,
    pub subject: String,
    pub postmortem: Option<String>,
}

/// Checks the `[email]` config and the recipients (a security incident's email stays inside the
/// sender's domain unless `force`) and builds the email; warns when the post-mortem link is not
/// one others can open.
pub async fn prepare(ctx: &Ctx, req: Request) -> CliResult<Prepared> {
    // A reading command: pull what other responders added first.
    let (inc, _) = super::sync::refresh(ctx, ctx.current_incident()?).await?;
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
    let (to, flag) = if req.to.is_empty() {
        (ec.to.clone(), "email.to")
    } else {
        (req.to, "--to")
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
    if inc.security && !req.force {
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
    match (link, req.after) {
        (None, After::Meeting) => {
            return Err(CliError::usage(
                "no post-mortem for this incident yet: run `inc postmortem new` first",
            ));
        }
        (None, After::Call) => {
            ctx.warn("no post-mortem yet: the email says it will follow (`inc postmortem new`)")
        }
        (Some(l), _) if !l.contains("://") => ctx.warn(format!(
            "the post-mortem is a local file ({l}); publish it (`inc postmortem new --publish confluence|github`) for a link others can open"
        )),
        _ => {}
    }
    let now = ctx.now();
    let subject = postmortem::email_subject(&inc, req.after);
    let body = postmortem::email_body(&inc, req.after, link, now);
    let after = match req.after {
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
    let sent = Sent {
        incident: inc.id.clone(),
        email: Summary {
            after,
            to,
            subject,
            postmortem: link.map(String::from),
        },
        deliveries: Vec::new(),
    };
    Ok(Prepared {
        delivery: email::send_email(message, key, Some(&inc.id)),
        sent,
    })
}

/// Sends the prepared email (failures are kept in the outbox).
pub async fn send(ctx: &Ctx, prepared: Prepared) -> CliResult<Sent> {
    let mut sent = prepared.sent;
    sent.deliveries = ctx.deliver(vec![prepared.delivery]).await?;
    Ok(sent)
}
