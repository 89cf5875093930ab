//! `inc doctor`: is everything in place before 3 a.m.?

use serde::Serialize;
use serde_json::json;

use crate::config::format_duration;
use crate::ctx::Ctx;
use crate::error::{CliError, CliResult, ErrorKind};

/// Check the config, the state dir and every configured provider's credentials
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Also post one short test message through each chat webhook (otherwise nothing is sent to them)
    #[arg(long)]
    pub send_test: bool,
}

#[derive(Serialize)]
struct Check {
    check: String,
    /// `true` ok, `false` failed, `null` for information.
    ok: Option<bool>,
    detail: String,
}

fn check(name: &str, ok: Option<bool>, detail: impl Into<String>) -> Check {
    Check {
        check: name.into(),
        ok,
        detail: detail.into(),
    }
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let config = ctx.config()?;
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
    if let Some(pd) = &v.pagerduty {
        let source = pd.secret.describe("PAGERDUTY_TOKEN");
        checks.push(match pd.secret.resolve("PAGERDUTY_TOKEN", &ctx.env) {
            Err(e) => check("pagerduty", Some(false), format!("{e}")),
            Ok(_) => {
                live_row(
                    ctx,
                    "pagerduty",
                    &source,
                    ctx.pagerduty().map(|c| c.check()),
                )
                .await
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
        let source = sl.secret.describe(crate::providers::slack::TOKEN_ENV);
        checks.push(live_row(ctx, "slack", &source, ctx.slack().map(|c| c.check())).await);
    }
    if let Some(mx) = &v.matrix {
        checks.extend(matrix_checks(ctx, mx).await);
    }
    let rows = super::page_ic::doctor_rows(ctx).await;
    for (name, ok, detail) in rows.into_iter().chain(super::comms::doctor_rows(ctx).await) {
        checks.push(check(name, ok, detail));
    }
    for (name, ok, detail) in super::email::doctor_rows(ctx).await {
        checks.push(check(name, ok, detail));
    }
    if let Some(w) = &v.webhooks {
        checks.extend(webhook_checks(ctx, w, args.send_test).await);
    }
    if crate::providers::configured(config).is_empty() {
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
    let failed = checks.iter().any(|c| c.ok == Some(false));
    if ctx.io.json {
        ctx.io.json_doc(&json!({ "ok": !failed, "checks": checks }));
    } else {
        let rows = checks
            .iter()
            .map(|c| {
                let mark = match c.ok {
                    Some(ok) => ctx.io.tick(ok),
                    None => "·".into(),
                };
                vec![mark, c.check.clone(), c.detail.clone()]
            })
            .collect();
        ctx.io.out(&ctx.io.table(&["", "CHECK", "DETAIL"], rows));
    }
    if failed {
        Err(CliError::silent(ErrorKind::Failed))
    } else {
        Ok(())
    }
}

/// A provider's read-only call, bounded by the delivery timeout, as a row that also says where
/// the secret comes from (never the secret).
async fn live_row<F>(ctx: &Ctx, name: &str, source: &str, call: CliResult<F>) -> Check
where
    F: std::future::Future<Output = Result<String, crate::providers::SendError>>,
{
    use crate::providers::SendError;
    let timeout = ctx
        .config()
        .map(|c| c.values.delivery.timeout.0)
        .unwrap_or(std::time::Duration::from_secs(10));
    let result = match call {
        Ok(f) => tokio::time::timeout(timeout, f).await.unwrap_or_else(|_| {
            Err(SendError::Transient {
                message: "timed out".into(),
                retry_after: None,
            })
        }),
        Err(e) => Err(SendError::Rejected {
            status: None,
            message: e.message,
        }),
    };
    match result {
        Ok(detail) => check(name, Some(true), format!("token from {source}: {detail}")),
        Err(e) => check(name, Some(false), format!("token from {source}: {e}")),
    }
}

/// Matrix: `whoami` proves the token; each configured room alias must resolve (read-only:
/// nothing is joined).
async fn matrix_checks(ctx: &Ctx, mx: &crate::config::MatrixConfig) -> Vec<Check> {
    use crate::providers::{SendError, matrix};
    let source = mx.secret.describe(matrix::TOKEN_ENV);
    let timeout = ctx
        .config()
        .map(|c| c.values.delivery.timeout.0)
        .unwrap_or(std::time::Duration::from_secs(10));
    let timed_out = || SendError::Transient {
        message: "timed out".into(),
        retry_after: None,
    };
    let client = match ctx.matrix() {
        Ok(c) => c,
        Err(e) => return vec![check("matrix", Some(false), e.message)],
    };
    let first = live_row(ctx, "matrix", &source, Ok(client.check())).await;
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
        let found = tokio::time::timeout(timeout, client.resolve(room))
            .await
            .unwrap_or_else(|_| Err(timed_out()));
        rows.push(match found {
            Ok(id) if id == room => check(&name, Some(true), room),
            Ok(id) => check(&name, Some(true), format!("{room} → {id}")),
            Err(e) => check(&name, Some(false), format!("{room}: {e}")),
        });
    }
    rows
}

/// One row per chat webhook from its configuration alone (a webhook has no read-only call to
/// prove it); with `--send-test`, one test post each, concurrently and never parked in the outbox.
async fn webhook_checks(
    ctx: &Ctx,
    w: &crate::config::WebhooksConfig,
    send_test: bool,
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
        if ctx.dry_run() && !ctx.io.json {
            for d in &tests {
                ctx.io.out(&crate::render::dry_run_text(d));
            }
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
