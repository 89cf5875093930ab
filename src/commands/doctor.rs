//! `inc doctor`: is everything in place before 3 a.m.?

use serde::Serialize;
use serde_json::json;

use crate::config::format_duration;
use crate::ctx::Ctx;
use crate::error::{CliError, CliResult, ErrorKind};

/// Check the config, the state dir and every configured provider's credentials
#[derive(clap::Args, Debug)]
pub struct Args {}

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

pub async fn run(ctx: &Ctx, _args: Args) -> CliResult {
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
                let live = match ctx.pagerduty() {
                    Ok(client) => {
                        tokio::time::timeout(config.values.delivery.timeout.0, client.check())
                            .await
                            .unwrap_or_else(|_| {
                                Err(crate::providers::SendError::Transient {
                                    message: "timed out".into(),
                                    retry_after: None,
                                })
                            })
                    }
                    Err(e) => Err(crate::providers::SendError::Rejected {
                        status: None,
                        message: e.message,
                    }),
                };
                match live {
                    Ok(detail) => check(
                        "pagerduty",
                        Some(true),
                        format!("token from {source}: {detail}"),
                    ),
                    Err(e) => check(
                        "pagerduty",
                        Some(false),
                        format!("token from {source}: {e}"),
                    ),
                }
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
    for (name, present) in [
        ("opsgenie", v.opsgenie.is_some()),
        ("slack", v.slack.is_some()),
        ("webhooks", v.webhooks.is_some()),
        ("matrix", v.matrix.is_some()),
        ("statuspage", v.statuspage.is_some()),
        ("email", v.email.is_some()),
    ] {
        if present {
            checks.push(check(
                name,
                None,
                "configured, but this build has no adapter for it yet: nothing will be sent",
            ));
        }
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
