//! The internal email about an incident (after the call, or after the post-mortem meeting) with
//! the post-mortem link, over SMTP. Three steps: [`Request::check`] checks the input before
//! anything leaves the machine, [`prepare`] pulls and builds the email (leaving its warnings on
//! the context), [`send`] sends.

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

/// The input checked ([`Request::check`]): the sender and the recipients, before any sync.
pub struct Checked {
    from: String,
    to: Vec<String>,
    after: After,
}

impl Request {
    /// Checks everything that needs no network: the `[email]` config, every address, a
    /// security incident's domain rule (unless `force`), and a drill's recipients (SPEC
    /// "Drills": only `[drill] email_to`, else nobody, shown as `--dry-run` shows it). Bad input
    /// is exit 2, a bad config value 78; nothing has been synced or sent.
    pub fn check(self, ctx: &Ctx) -> CliResult<Checked> {
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
        let given = !self.to.is_empty();
        let to = addresses(&self.to, "--to", CliError::usage)?;
        if given && to.is_empty() {
            return Err(CliError::usage("--to is empty: name the recipients"));
        }
        let mut to = if given {
            to
        } else {
            addresses(&ec.to, "email.to", CliError::config)?
        };
        if inc.drill {
            let drill = addresses(
                &super::drill::config(ctx).email_to,
                "drill.email_to",
                CliError::config,
            )?;
            let left_out: Vec<&String> = to.iter().filter(|a| !drill.contains(a)).collect();
            if given && !left_out.is_empty() {
                ctx.warn(format!(
                    "{} is a drill: its email goes only to [drill] email_to; not to {}",
                    inc.id,
                    join(&left_out)
                ));
            }
            if drill.is_empty() && !ctx.dry_run() {
                ctx.dry_run_from_here();
                ctx.warn(format!(
                    "{} is a drill and [drill] email_to is empty: the email goes to nobody; shown as --dry-run shows it",
                    inc.id
                ));
            }
            to = drill;
        } else if to.is_empty() {
            return Err(CliError::usage(
                "--to is required: no recipients given and [email] to is empty",
            )
            .hint("e.g. inc email --to eng-all@example.com"));
        }
        if inc.security && !self.force {
            let home = email::domain_of(&from);
            let outside: Vec<&String> = to.iter().filter(|a| email::domain_of(a) != home).collect();
            if !outside.is_empty() {
                return Err(CliError::usage(format!(
                    "{} is a security incident: its email stays inside {} (inc cannot encrypt mail); refused: {}",
                    inc.id,
                    home.as_deref().unwrap_or("the sender's domain"),
                    join(&outside)
                ))
                .hint("send it encrypted yourself, or --force"));
            }
        }
        Ok(Checked {
            from,
            to,
            after: self.after,
        })
    }
}

/// Addresses as given to `key` (blank ones left out), each a valid address: `refuse` (exit 2
/// for a flag, 78 for a config key) names the first that is not.
fn addresses(
    given: &[String],
    key: &str,
    refuse: fn(String) -> CliError,
) -> CliResult<Vec<String>> {
    let mut out = Vec::new();
    for a in given.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        if let Err(e) = a.parse::<Mailbox>() {
            return Err(refuse(format!("{key} '{a}' is not an email address: {e}")));
        }
        if !out.iter().any(|o: &String| o == a) {
            out.push(a.to_string());
        }
    }
    Ok(out)
}

fn join(list: &[&String]) -> String {
    list.iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Pulls what other responders added (the post-mortem link may be theirs), then builds the
/// email; warns when the post-mortem link is not one others can open.
pub async fn prepare(ctx: &Ctx, checked: Checked) -> CliResult<Prepared> {
    let Checked { from, to, after } = checked;
    // A reading command: pull what other responders added first.
    let (inc, _) = super::sync::refresh(ctx, ctx.current_incident()?).await?;
    let link = super::postmortem::link(&inc);
    match (link, after) {
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
    let subject = postmortem::email_subject(&inc, after);
    let body = postmortem::email_body(&inc, after, link, now);
    let after = match after {
        After::Call => "call",
        After::Meeting => "meeting",
    };
    // Stable for this email (a retry from the outbox reuses it); a later run is a new email.
    let key = format!("inc-{}-email-{after}-{}", inc.id, inc.events.len());
    let message = EmailMessage {
        message_id: email::message_id(&key, &from),
        from,
        to: to.clone(),
        subject: subject.clone(),
        body,
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
