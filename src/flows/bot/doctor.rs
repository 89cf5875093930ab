//! `inc doctor`'s rows for `inc bot` (when `[bot]` is configured): its settings, the rooms it
//! serves besides the incident rooms (each resolved, read-only), and the Slack app-level token
//! (its `apps.connections.open` proves the token and that Socket Mode is on, and opens no socket).

use std::time::Duration;

use crate::config::format_duration;
use crate::ctx::Ctx;
use crate::flows::doctor::Row;

pub async fn rows(ctx: &Ctx, timeout: Duration) -> Vec<Row> {
    let Ok(config) = ctx.config() else {
        return Vec::new();
    };
    let Some(b) = &config.values.bot else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    let who = match &b.pagers {
        Some(p) => format!("{} may !ic page", p.join(", ")),
        None => "anyone in the room may page".into(),
    };
    let servers = if b.allowed_servers.is_empty() {
        "Matrix senders of the bot's own homeserver".to_string()
    } else {
        format!("Matrix senders of {}", b.allowed_servers.join(", "))
    };
    let guests = if b.allow_guests {
        "Slack guests allowed"
    } else {
        "no Slack guests"
    };
    rows.push((
        "bot",
        None,
        format!(
            "prefix {:?}, max_age {}; {servers}; {guests}; {who}",
            b.prefix,
            format_duration(b.max_age.0)
        ),
    ));
    if config.values.slack.is_some() {
        rows.push(app_token(ctx, b, timeout).await);
    }
    let mx = config
        .values
        .matrix
        .is_some()
        .then(|| ctx.matrix().ok())
        .flatten();
    for room in &b.rooms {
        if super::matrix::is_matrix_room(room) {
            let Some(client) = mx else {
                rows.push((
                    "bot room",
                    Some(false),
                    format!("{room}: a Matrix room, and [matrix] is not configured"),
                ));
                continue;
            };
            let found = tokio::time::timeout(timeout, client.resolve(room)).await;
            rows.push(match found {
                Ok(Ok(id)) if id == *room => ("bot room", Some(true), room.clone()),
                Ok(Ok(id)) => ("bot room", Some(true), format!("{room} → {id}")),
                Ok(Err(e)) => ("bot room", Some(false), format!("{room}: {e}")),
                Err(_) => ("bot room", Some(false), format!("{room}: timed out")),
            });
        } else {
            rows.push(slack_room(ctx, room, timeout).await);
        }
    }
    rows
}

/// The Slack app-level token: `apps.connections.open` answers a socket URL only for a good
/// token of an app with Socket Mode on (the URL is dropped unused).
async fn app_token(ctx: &Ctx, b: &crate::config::BotConfig, timeout: Duration) -> Row {
    use crate::providers::slack_socket::{APP_TOKEN_ENV, Socket};
    let spec = b.app_token();
    let source = spec.describe(APP_TOKEN_ENV);
    let token = match spec.resolve(APP_TOKEN_ENV, &ctx.env) {
        Ok(t) => t,
        Err(e) => {
            return (
                "bot slack app",
                Some(false),
                format!(
                    "{e}: inc bot needs the app-level token (xapp-…, connections:write); `inc bot manifest` prints the app"
                ),
            );
        }
    };
    let (Ok(client), Ok(config)) = (ctx.slack(), ctx.config()) else {
        return (
            "bot slack app",
            Some(false),
            "the Slack client cannot be built".into(),
        );
    };
    let http = match crate::providers::http::client(config, &ctx.env) {
        Ok(h) => h,
        Err(e) => return ("bot slack app", Some(false), e.to_string()),
    };
    let socket = Socket::new(client.api_url(), token, http).token_source(source.clone());
    match tokio::time::timeout(timeout, socket.check()).await {
        Ok(Ok(detail)) => ("bot slack app", Some(true), detail),
        Ok(Err(e)) => (
            "bot slack app",
            Some(false),
            format!("token from {source}: {e}"),
        ),
        Err(_) => (
            "bot slack app",
            Some(false),
            format!("token from {source}: timed out"),
        ),
    }
}

/// A Slack channel of `[bot] rooms`: found by name or id, read-only.
async fn slack_room(ctx: &Ctx, room: &str, timeout: Duration) -> Row {
    let Ok(client) = ctx.slack() else {
        return (
            "bot room",
            Some(false),
            format!("{room}: a Slack channel, and [slack] is not configured"),
        );
    };
    match tokio::time::timeout(timeout, client.channel(room)).await {
        Ok(Ok(Some((id, name, _)))) => ("bot room", Some(true), format!("{room} → #{name} ({id})")),
        Ok(Ok(None)) => ("bot room", Some(false), format!("{room}: no such channel")),
        Ok(Err(e)) => ("bot room", Some(false), format!("{room}: {e}")),
        Err(_) => ("bot room", Some(false), format!("{room}: timed out")),
    }
}
