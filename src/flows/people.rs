//! People across providers (SPEC "People, limits and small rules"): who each person an incident
//! names is in Slack and in Matrix, for the roster's mentions and the room invites, and the hint
//! when `me` is no email. A person is an email (looked up: Slack `users.lookupByEmail`, the
//! homeserver's `@localpart:server` when it is that email's domain), a Matrix user id (as is), or
//! a plain handle (used as written: nobody to mention or invite).

use std::time::Duration;

use crate::ctx::Ctx;
use crate::identity;
use crate::messages;
use crate::model::Incident;
use crate::providers::slack;

/// Who the incident names, each once: every role holder, and me when I am an email (the
/// declarer is in the room too).
pub fn named(ctx: &Ctx, inc: &Incident) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mine = ctx.identity().email().map(str::to_string);
    for p in inc.roles.values().flatten().chain(mine.iter()) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(p)) {
            out.push(p.clone());
        }
    }
    out
}

/// Slack's users for the people given as emails, looked up concurrently, each within the
/// delivery timeout. Someone Slack does not know is a warning (not mentioned, not invited).
pub async fn on_slack(ctx: &Ctx, people: &[String]) -> Vec<(String, slack::User)> {
    let emails: Vec<&String> = people.iter().filter(|p| identity::is_email(p)).collect();
    if emails.is_empty() || ctx.dry_run() {
        return Vec::new();
    }
    let Ok(client) = ctx.slack() else {
        return Vec::new();
    };
    let timeout = timeout(ctx, slack::PROVIDER);
    let found = futures_util::future::join_all(emails.iter().map(|e| async move {
        let r = tokio::time::timeout(timeout, client.user_by_email(e)).await;
        (e.to_string(), r)
    }))
    .await;
    let mut out = Vec::new();
    for (email, r) in found {
        match r {
            // A deactivated account is nobody to mention; an id is what `<@…>` is made of.
            Ok(Ok(Some(u)))
                if !u.deleted
                    && !u.id.is_empty()
                    && u.id.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                out.push((email, u))
            }
            Ok(Ok(Some(_))) => ctx.warn(format!(
                "slack: the user with the email {email} is deactivated: not mentioned or invited"
            )),
            Ok(Ok(None)) => ctx.warn(format!(
                "slack: no user with the email {email}: not mentioned or invited"
            )),
            Ok(Err(e)) => ctx.warn(format!("slack: could not look up {email}: {e}")),
            Err(_) => ctx.warn(format!("slack: no answer looking up {email}")),
        }
    }
    out
}

/// Matrix's users for the people: a Matrix id as given; an email `local@domain` is
/// `@local:server` when the homeserver's name is its domain (or a subdomain of it) and the
/// homeserver has that user. The token's own user is left out (it is in every room it made).
pub async fn on_matrix(ctx: &Ctx, people: &[String]) -> Vec<(String, String)> {
    if people.is_empty() || ctx.dry_run() {
        return Vec::new();
    }
    let Ok(client) = ctx.matrix() else {
        return Vec::new();
    };
    let timeout = timeout(ctx, crate::providers::matrix::PROVIDER);
    let me = match tokio::time::timeout(timeout, client.me()).await {
        Ok(Ok(me)) => me,
        _ => String::new(),
    };
    let server = me.split_once(':').map(|(_, s)| s.to_ascii_lowercase());
    let mut out = Vec::new();
    let mut check = Vec::new();
    for p in people {
        if identity::is_matrix_id(p) {
            out.push((p.clone(), p.trim().to_string()));
        } else if let (Some(server), Some((local, domain))) = (&server, p.split_once('@'))
            && identity::is_email(p)
            && same_domain(server, domain)
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._=-/".contains(c))
        {
            check.push((
                p.clone(),
                format!("@{}:{server}", local.to_ascii_lowercase()),
            ));
        }
    }
    let checked = futures_util::future::join_all(check.into_iter().map(|(p, id)| async move {
        let r = tokio::time::timeout(timeout, client.user_exists(&id)).await;
        (p, id, r)
    }))
    .await;
    for (p, id, r) in checked {
        match r {
            Ok(Ok(true)) => out.push((p, id)),
            Ok(Ok(false)) => {}
            Ok(Err(e)) => ctx.warn(format!("matrix: could not look up {id}: {e}")),
            Err(_) => ctx.warn(format!("matrix: no answer looking up {id}")),
        }
    }
    out.retain(|(_, id)| !id.eq_ignore_ascii_case(&me));
    out
}

/// `example.com` is the server `example.com` or `matrix.example.com`.
fn same_domain(server: &str, domain: &str) -> bool {
    let (s, d) = (server.to_ascii_lowercase(), domain.to_ascii_lowercase());
    s == d || s.ends_with(&format!(".{d}"))
}

/// How long a look-up may take: the delivery timeout, or one short try for a provider another
/// command saw down (as a pull does), so a down provider never holds up the room.
fn timeout(ctx: &Ctx, provider: &str) -> Duration {
    let timeout = ctx
        .config()
        .map(|c| c.values.delivery.timeout.0)
        .unwrap_or(Duration::from_secs(10));
    match ctx.failing(provider) {
        Some(_) => crate::outbox::down::QUICK_TRY.min(timeout) / 3,
        None => timeout,
    }
}

/// Whether incidents are shared: a provider that carries them (a pager, a chat) is configured.
pub fn shared(ctx: &Ctx) -> bool {
    ctx.config().is_ok_and(|c| {
        let v = &c.values;
        v.slack.is_some() || v.matrix.is_some() || v.pagerduty.is_some() || v.opsgenie.is_some()
    })
}

/// Says, once, how to become known by email when `me` is not one and the incident is shared
/// (a pager or a chat provider is configured): `declare` and `attach --as` call it.
pub fn hint(ctx: &Ctx) {
    let me = ctx.identity();
    if me.email().is_some() {
        return;
    }
    if shared(ctx) {
        ctx.warn(messages::identity_hint(&me.name, me.source));
    }
}

/// The name to record for `person` in `inc`: the one the incident already knows them by (a
/// bare `carol` is the `carol@example.com` the IC named), never an email traded for a handle.
pub fn known_as(inc: &Incident, person: &str) -> String {
    let mut known: Vec<&str> = inc.roles.values().flatten().map(String::as_str).collect();
    known.extend(inc.events.iter().filter_map(|e| e.by.as_deref()));
    identity::known_as(person, known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_domain_is_its_homeserver_or_above_it() {
        assert!(same_domain("example.com", "Example.com"));
        assert!(same_domain("matrix.example.com", "example.com"));
        assert!(!same_domain("example.com", "matrix.example.com"));
        assert!(!same_domain("badexample.com", "example.com"));
    }
}
