//! `inc doctor`: the config, the state dir and every configured provider, each as a typed row:
//! where each secret comes from (never the secret) and one read-only call to prove it.

use std::future::Future;
use std::time::Duration;

use serde::Serialize;

use crate::config::{MatrixConfig, WebhooksConfig, format_duration};
use crate::ctx::{Ctx, Wait};
use crate::error::CliResult;
use crate::providers::{self, Delivery, SendError, confluence, email, github, matrix, opsgenie};

/// A row as an area's own checks give it: name, ok (`None` for information), detail.
pub type Row = (&'static str, Option<bool>, String);

pub struct Request {
    /// Also post one test message through each chat webhook.
    pub send_test: bool,
}

#[derive(Serialize)]
pub struct Check {
    pub check: String,
    /// `true` ok, `false` failed, `null` for information.
    pub ok: Option<bool>,
    pub detail: String,
}

/// Every check, in order; `ok` unless one failed.
#[derive(Serialize)]
pub struct Doctor {
    pub ok: bool,
    pub checks: Vec<Check>,
    /// The webhook test posts, for `--dry-run` to show (they were not sent).
    #[serde(skip)]
    pub test_posts: Vec<Delivery>,
}

fn check(name: &str, ok: Option<bool>, detail: impl Into<String>) -> Check {
    Check {
        check: name.into(),
        ok,
        detail: detail.into(),
    }
}

/// Runs every check; the Statuspage rows come from `flows::comms`, in their place in the order.
pub async fn run(ctx: &Ctx, req: Request) -> CliResult<Doctor> {
    let config = ctx.config()?;
    let _waiting = ctx.waiting(vec![Wait::new(
        "inc",
        "check",
        &providers::configured(config).join(", "),
    )]);
    let mut checks = Vec::new();
    checks.push(match &config.file {
        Some(f) => check("config", Some(true), format!("{} parsed", f.display())),
        None => check(
            "config",
            Some(true),
            format!(
                "no file at {} (built-in defaults)",
                config.looked_at.display()
            ),
        ),
    });
    let dir = &config.state_dir;
    let writable = if ctx.dry_run() {
        Ok(())
    } else {
        std::fs::create_dir_all(dir).and_then(|_| {
            let probe = dir.join(format!(".doctor.{}", std::process::id()));
            std::fs::write(&probe, b"ok").and_then(|_| std::fs::remove_file(&probe))
        })
    };
    checks.push(match writable {
        Ok(()) => check(
            "state dir",
            Some(true),
            format!("{} writable ({})", dir.display(), config.state_dir_source),
        ),
        Err(e) => check("state dir", Some(false), format!("{}: {e}", dir.display())),
    });
    let v = &config.values;
    let timeout = v.delivery.timeout.0;
    if let Some(pd) = &v.pagerduty {
        let source = pd.secret.describe("PAGERDUTY_TOKEN");
        checks.push(match pd.secret.resolve("PAGERDUTY_TOKEN", &ctx.env) {
            Err(e) => check("pagerduty", Some(false), format!("{e}")),
            Ok(_) => {
                let live = timed(timeout, ctx.pagerduty().map(|c| c.check())).await;
                token_row("pagerduty", &source, live)
            }
        });
        if let Some(var) = &pd.routing_key_env {
            let set = ctx.env.get(var).is_some();
            checks.push(check(
                "pagerduty events",
                Some(set),
                format!(
                    "routing key from ${var}{}",
                    if set { "" } else { ": not set" }
                ),
            ));
        }
    }
    if let Some(sl) = &v.slack {
        let source = sl.secret.describe(providers::slack::TOKEN_ENV);
        let live = timed(timeout, ctx.slack().map(|c| c.check())).await;
        checks.push(token_row("slack", &source, live));
    }
    if let Some(mx) = &v.matrix {
        checks.extend(matrix_checks(ctx, mx, timeout).await);
    }
    let rows = opsgenie_rows(ctx, timeout).await;
    let rows = rows.into_iter().chain(super::comms::doctor_rows(ctx).await);
    let rows = rows.chain(publishing_rows(ctx, timeout).await);
    let rows = rows.chain(super::drill::doctor_rows(ctx));
    checks.extend(rows.map(|(name, ok, detail)| check(name, ok, detail)));
    let mut test_posts = Vec::new();
    if let Some(w) = &v.webhooks {
        checks.extend(webhook_checks(ctx, w, req.send_test, &mut test_posts).await);
    }
    if providers::configured(config).is_empty() {
        checks.push(check(
            "providers",
            None,
            "none configured: inc keeps the local journal and shows what it would post",
        ));
    }
    let c = &v.cadence;
    for (key, d) in [
        ("status_interval", c.status_interval),
        ("elapsed_callout", c.elapsed_callout),
        ("exec_update", c.exec_update),
        ("public_update", c.public_update),
        ("handover", c.handover),
    ] {
        let name = format!("cadence.{key}");
        checks.push(check(
            &name,
            None,
            format!("{} ({})", format_duration(d.0), config.source_of(&name)),
        ));
    }
    Ok(Doctor {
        ok: !checks.iter().any(|c| c.ok == Some(false)),
        checks,
        test_posts,
    })
}

/// A provider's read-only call, bounded by the delivery timeout; a client that cannot be built
/// fails with its message.
async fn timed<F>(timeout: Duration, call: CliResult<F>) -> Result<String, String>
where
    F: Future<Output = Result<String, SendError>>,
{
    match call {
        Ok(f) => match tokio::time::timeout(timeout, f).await {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(_) => Err("timed out".into()),
        },
        Err(e) => Err(e.message),
    }
}

/// A live call's row that also says where the token comes from.
fn token_row(name: &str, source: &str, live: Result<String, String>) -> Check {
    match live {
        Ok(detail) => check(name, Some(true), format!("token from {source}: {detail}")),
        Err(e) => check(name, Some(false), format!("token from {source}: {e}")),
    }
}

/// Matrix: `whoami` proves the token; each configured room alias must resolve (read-only:
/// nothing is joined).
async fn matrix_checks(ctx: &Ctx, mx: &MatrixConfig, timeout: Duration) -> Vec<Check> {
    let source = mx.secret.describe(matrix::TOKEN_ENV);
    let client = match ctx.matrix() {
        Ok(c) => c,
        Err(e) => return vec![check("matrix", Some(false), e.message)],
    };
    let first = token_row("matrix", &source, timed(timeout, Ok(client.check())).await);
    let failed = first.ok == Some(false);
    let mut rows = vec![first];
    if failed {
        return rows;
    }
    let rooms = [("room", &mx.room), ("exec_room", &mx.exec_room)];
    for (key, room) in rooms {
        let Some(room) = room.as_deref() else {
            continue;
        };
        let name = format!("matrix {key}");
        rows.push(match timed(timeout, Ok(client.resolve(room))).await {
            Ok(id) if id == room => check(&name, Some(true), room),
            Ok(id) => check(&name, Some(true), format!("{room} → {id}")),
            Err(e) => check(&name, Some(false), format!("{room}: {e}")),
        });
    }
    rows
}

/// Opsgenie: the key and a read-only call (`GET /v2/account`), then the IC schedules
/// `inc page-ic` pages.
async fn opsgenie_rows(ctx: &Ctx, timeout: Duration) -> Vec<Row> {
    let Ok(config) = ctx.config() else {
        return Vec::new();
    };
    let Some(og) = &config.values.opsgenie else {
        return Vec::new();
    };
    let source = og.secret.describe(opsgenie::TOKEN_ENV);
    if let Err(e) = og.secret.resolve(opsgenie::TOKEN_ENV, &ctx.env) {
        return vec![("opsgenie", Some(false), e.to_string())];
    }
    let live = timed(timeout, ctx.opsgenie().map(|c| c.check())).await;
    let mut rows = vec![match live {
        Ok(detail) => (
            "opsgenie",
            Some(true),
            format!("key from {source}: {detail}"),
        ),
        Err(e) => ("opsgenie", Some(false), format!("key from {source}: {e}")),
    }];
    rows.push(if og.ic_schedules.is_empty() {
        (
            "opsgenie ic",
            Some(false),
            "opsgenie.ic_schedules is empty: `inc page-ic` cannot page through Opsgenie".into(),
        )
    } else {
        (
            "opsgenie ic",
            None,
            format!("page-ic pages schedules {}", og.ic_schedules.join(", ")),
        )
    });
    rows
}

/// SMTP, Confluence and GitHub: where each secret comes from, and one read-only call (SMTP:
/// connect, TLS, EHLO, NOOP; Confluence: the space; GitHub: the repo).
async fn publishing_rows(ctx: &Ctx, timeout: Duration) -> Vec<Row> {
    let Ok(config) = ctx.config() else {
        return Vec::new();
    };
    let v = &config.values;
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
            Ok(c) => match timed(timeout, Ok(c.check())).await {
                Ok(d) => ("email", Some(true), format!("{d}; {password}")),
                Err(e) => ("email", Some(false), format!("{e}; {password}")),
            },
            Err(e) => ("email", Some(false), e.message),
        });
    }
    if let Some(c) = &v.confluence {
        let source = c.secret.describe(confluence::TOKEN_ENV);
        rows.push(match ctx.confluence() {
            Ok(client) => match timed(timeout, Ok(client.check())).await {
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
            Ok(client) => match timed(timeout, Ok(client.check())).await {
                Ok(d) => ("github", Some(true), format!("token from {source}: {d}")),
                Err(e) => ("github", Some(false), format!("token from {source}: {e}")),
            },
            Err(e) => ("github", Some(false), e.message),
        });
    }
    rows
}

/// One row per chat webhook from its configuration alone (a webhook has no read-only call to
/// prove it); with `send_test`, one test post each, concurrently and never parked in the outbox
/// (under `--dry-run` they land in `test_posts` to be shown).
async fn webhook_checks(
    ctx: &Ctx,
    w: &WebhooksConfig,
    send_test: bool,
    test_posts: &mut Vec<Delivery>,
) -> Vec<Check> {
    use crate::providers::webhook;
    let rows = webhook::doctor_rows(w, &ctx.env);
    if rows.is_empty() {
        return vec![check(
            "webhooks",
            None,
            "[webhooks] names no webhook (teams, mattermost, discord): nothing will be posted",
        )];
    }
    let mut checks: Vec<Check> = rows
        .iter()
        .map(|(p, ok, detail)| check(&format!("{p} webhook"), Some(*ok), detail.clone()))
        .collect();
    if send_test {
        let key = format!("doctor-{}", ctx.now().as_second());
        let tests = webhook::test_posts(Some(w), &key);
        if ctx.dry_run() {
            test_posts.clone_from(&tests);
        }
        let names: Vec<String> = tests
            .iter()
            .map(|d| format!("{} test post", d.provider))
            .collect();
        let sent =
            futures_util::future::join_all(tests.into_iter().map(|d| ctx.redeliver(d))).await;
        for (name, r) in names.iter().zip(sent) {
            checks.push(match r {
                Ok(r) if r.dry_run => check(name, None, "dry run: not sent"),
                Ok(r) if r.ok => check(
                    name,
                    Some(true),
                    format!("posted ({} attempt(s))", r.attempts),
                ),
                Ok(r) => check(
                    name,
                    Some(false),
                    r.error.unwrap_or_else(|| "failed".into()),
                ),
                Err(e) => check(name, Some(false), e.message),
            });
        }
    }
    checks
}
