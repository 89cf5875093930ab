//! `inc doctor`: the config, the state dir and every configured provider, each as a typed row:
//! where each secret comes from (never the secret) and one read-only call to prove it.

use std::future::Future;
use std::time::Duration;

use serde::Serialize;

use crate::config::{MatrixConfig, WebhooksConfig, format_duration};
use crate::ctx::{Ctx, Wait};
use crate::error::CliResult;
use crate::providers::{
    self, Delivery, SendError, confluence, email, github, matrix, opsgenie, pagerduty,
};

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
        let row = match pd.secret.resolve("PAGERDUTY_TOKEN", &ctx.env) {
            Err(e) => check("pagerduty", Some(false), format!("{e}")),
            Ok(_) => {
                let live = timed(timeout, ctx.pagerduty().map(|c| c.check())).await;
                token_row("pagerduty", &source, live)
            }
        };
        let token_ok = row.ok == Some(true);
        checks.push(row);
        if token_ok && let Ok(client) = ctx.pagerduty() {
            checks.extend(pagerduty_checks(ctx, client, pd, timeout).await);
        }
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
    let rows = rows.chain(super::bot::doctor::rows(ctx, timeout).await);
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

/// PagerDuty's settings that make the page fail when they are wrong, each proven by a read:
/// `from` is a PagerDuty user's email (REST writes carry it); `ic_service`,
/// `incident_service`, every `ic_schedules` entry and the `[drill]` ids exist; who is on call
/// for each IC schedule (nobody: that IC role cannot be paged); and whether `ic_service`'s
/// escalation policy pages every IC schedule on its first level (what `ic_page = "service"`
/// needs; remembered, so that `page-ic` pages in one round trip when it does).
async fn pagerduty_checks(
    ctx: &Ctx,
    client: &pagerduty::Client,
    pd: &crate::config::PagerDutyConfig,
    timeout: Duration,
) -> Vec<Check> {
    let from = async {
        let Some(from) = pd.from.as_deref() else {
            return check(
                "pagerduty from",
                Some(false),
                "pagerduty.from is not set: PagerDuty's REST writes (page-ic, declare, notes) need a PagerDuty user's email",
            );
        };
        if !from.contains('@') {
            return check(
                "pagerduty from",
                Some(false),
                format!(
                    "pagerduty.from {from:?} is not an email: PagerDuty refuses REST writes without a user's email"
                ),
            );
        }
        match within(timeout, client.user_by_email(from)).await {
            Ok(Some((id, name))) => check(
                "pagerduty from",
                Some(true),
                format!("{from} is PagerDuty user {name} ({id})"),
            ),
            Ok(None) => check(
                "pagerduty from",
                Some(false),
                format!(
                    "no PagerDuty user has the email {from}: PagerDuty refuses the page and every REST write"
                ),
            ),
            Err(e) => check("pagerduty from", Some(false), format!("{from}: {e}")),
        }
    };
    let service_row = |name: &'static str, key: &'static str, id: Option<String>| async move {
        let id = id?;
        Some(match within(timeout, client.service(&id)).await {
            Ok(Some(s)) => {
                let ep = s["escalation_policy"]["id"]
                    .as_str()
                    .unwrap_or("?")
                    .to_string();
                (
                    check(
                        name,
                        Some(true),
                        format!(
                            "{id} {} (escalation policy {ep})",
                            s["name"].as_str().unwrap_or_default()
                        ),
                    ),
                    Some(ep),
                )
            }
            Ok(None) => (
                check(
                    name,
                    Some(false),
                    format!("{key} {id}: PagerDuty has no such service"),
                ),
                None,
            ),
            Err(e) => (check(name, Some(false), format!("{key} {id}: {e}")), None),
        })
    };
    let drill = &ctx
        .config()
        .map(|c| c.values.drill.clone())
        .unwrap_or_default();
    let (from, ic, major, drill_service, ic_rows, drill_rows) = tokio::join!(
        from,
        service_row(
            "pagerduty ic_service",
            "pagerduty.ic_service",
            pd.ic_service.clone()
        ),
        service_row(
            "pagerduty incident_service",
            "pagerduty.incident_service",
            pd.incident_service.clone()
        ),
        service_row(
            "pagerduty drill service",
            "drill.service",
            drill.service.clone()
        ),
        schedule_rows(client, &pd.ic_schedules, "pagerduty.ic_schedules", timeout),
        schedule_rows(client, &drill.ic_schedules, "drill.ic_schedules", timeout),
    );
    let mut rows = vec![from];
    let ic_ep: Option<String> = ic.as_ref().and_then(|(_, ep)| ep.clone());
    rows.extend(ic.map(|(c, _)| c));
    if let (Some(ep), Some(service)) = (ic_ep, pd.ic_service.as_deref())
        && !pd.ic_schedules.is_empty()
    {
        rows.push(policy_row(ctx, client, pd, service, &ep, timeout).await);
    }
    rows.extend(major.map(|(c, _)| c));
    rows.extend(ic_rows);
    rows.extend(drill_service.map(|(c, _)| c));
    rows.extend(drill_rows);
    rows
}

/// A read bounded by the delivery timeout, its error in words.
async fn within<T>(
    timeout: Duration,
    f: impl Future<Output = Result<T, SendError>>,
) -> Result<T, String> {
    match tokio::time::timeout(timeout, f).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err("timed out".to_string()),
    }
}

/// Each schedule exists, and who is on call for it (one `GET /oncalls` for all of them).
async fn schedule_rows(
    client: &pagerduty::Client,
    schedules: &[String],
    key: &str,
    timeout: Duration,
) -> Vec<Check> {
    if schedules.is_empty() {
        return Vec::new();
    }
    let exists = futures_util::future::join_all(
        schedules
            .iter()
            .map(|s| tokio::time::timeout(timeout, client.schedule(s))),
    );
    let (exists, oncall) = tokio::join!(
        exists,
        tokio::time::timeout(timeout, client.oncalls(schedules))
    );
    schedules
        .iter()
        .zip(exists)
        .enumerate()
        .map(|(i, (s, found))| {
            let name = format!("pagerduty schedule {s}");
            let role = super::paging::role(i);
            let found = match found {
                Ok(Ok(Some(v))) => v,
                Ok(Ok(None)) => {
                    return check(
                        &name,
                        Some(false),
                        format!("{key}: PagerDuty has no schedule {s}"),
                    );
                }
                Ok(Err(e)) => return check(&name, Some(false), format!("{key}: {e}")),
                Err(_) => return check(&name, Some(false), format!("{key}: timed out")),
            };
            let title = format!(
                "{} ({role})",
                found["name"]
                    .as_str()
                    .or(found["summary"].as_str())
                    .unwrap_or(s)
            );
            match &oncall {
                Ok(Ok(people)) => {
                    let on: Vec<String> = people
                        .iter()
                        .filter(|p| p.schedule_id.as_deref() == Some(s.as_str()))
                        .map(|p| match &p.email {
                            Some(e) => format!("{} <{e}>", p.name),
                            None => p.name.clone(),
                        })
                        .collect();
                    if on.is_empty() {
                        check(
                            &name,
                            Some(false),
                            format!(
                                "{title}: nobody on call: `inc page-ic` cannot page a {role} IC"
                            ),
                        )
                    } else {
                        check(
                            &name,
                            Some(true),
                            format!("{title}: on call {}", on.join(", ")),
                        )
                    }
                }
                Ok(Err(e)) => check(&name, Some(false), format!("{title}: who is on call: {e}")),
                Err(_) => check(
                    &name,
                    Some(false),
                    format!("{title}: who is on call: timed out"),
                ),
            }
        })
        .collect()
}

/// Does `ic_service`'s escalation policy page every IC schedule on its first level? What it
/// found is remembered: `page-ic` pages in one round trip while it does.
async fn policy_row(
    ctx: &Ctx,
    client: &pagerduty::Client,
    pd: &crate::config::PagerDutyConfig,
    service: &str,
    ep: &str,
    timeout: Duration,
) -> Check {
    use crate::config::IcPageMode;
    let name = "pagerduty ic_page";
    let policy = match tokio::time::timeout(timeout, client.escalation_policy(ep)).await {
        Ok(Ok(Some(p))) => p,
        Ok(Ok(None)) => {
            return check(
                name,
                Some(false),
                format!("escalation policy {ep}: not found"),
            );
        }
        Ok(Err(e)) => return check(name, Some(false), format!("escalation policy {ep}: {e}")),
        Err(_) => {
            return check(
                name,
                Some(false),
                format!("escalation policy {ep}: timed out"),
            );
        }
    };
    let missing = super::ic_page::missing_on_level1(&policy, &pd.ic_schedules);
    if !ctx.dry_run() {
        let p = super::ic_page::Policy {
            service: service.to_string(),
            schedules: pd.ic_schedules.clone(),
            escalation_policy: Some(ep.to_string()),
            level1: missing.is_empty(),
            checked_at: ctx.now(),
        };
        let _ = super::ic_page::store_policy(&ctx.config().expect("loaded").state_dir, &p);
    }
    let configured = pd.ic_page;
    match (missing.is_empty(), configured) {
        (true, Some(IcPageMode::Assign)) => check(
            name,
            None,
            format!(
                "escalation policy {ep} pages every IC schedule on level 1; ic_page = \"assign\" looks them up first (\"service\" pages in one round trip)"
            ),
        ),
        (true, _) => check(
            name,
            Some(true),
            format!(
                "escalation policy {ep} pages every IC schedule on level 1: page-ic opens the page in one round trip"
            ),
        ),
        (false, Some(IcPageMode::Service)) => check(
            name,
            Some(false),
            format!(
                "escalation policy {ep} does not page {} on level 1: with ic_page = \"service\" they are not paged; set ic_page = \"assign\" or fix the policy",
                missing.join(", ")
            ),
        ),
        (false, _) => check(
            name,
            None,
            format!(
                "escalation policy {ep} does not page {} on level 1: page-ic looks the ICs up and assigns them (two round trips)",
                missing.join(", ")
            ),
        ),
    }
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
        let client = ctx.opsgenie().ok();
        let found = match client {
            Some(c) => within(timeout, c.oncalls(&og.ic_schedules)).await,
            None => Err("no client".into()),
        };
        match found {
            Ok(people) => {
                let gaps = super::paging::gaps(&og.ic_schedules, &people);
                let each: Vec<String> = og
                    .ic_schedules
                    .iter()
                    .map(|s| {
                        let on: Vec<&str> = people
                            .iter()
                            .filter(|p| p.schedule.as_deref() == Some(s.as_str()))
                            .map(|p| p.name.as_str())
                            .collect();
                        match on.as_slice() {
                            [] => format!("{s}: nobody on call"),
                            on => format!("{s}: {}", on.join(", ")),
                        }
                    })
                    .collect();
                (
                    "opsgenie ic",
                    Some(gaps.is_empty()),
                    format!("page-ic pages {}", each.join("; ")),
                )
            }
            Err(e) => (
                "opsgenie ic",
                Some(false),
                format!(
                    "page-ic pages schedules {}; who is on call: {e}",
                    og.ic_schedules.join(", ")
                ),
            ),
        }
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
