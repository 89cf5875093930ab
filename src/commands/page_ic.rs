//! `inc page-ic`: page the primary AND the backup Incident Commander (and shadows) at once,
//! through every configured pager (PagerDuty, Opsgenie) concurrently.

use crate::ctx::Ctx;
use crate::error::CliResult;
use crate::flows::paging::{self, IcPage};
use crate::providers::opsgenie;

/// Page the primary and backup Incident Commanders (and shadows) at the same time
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  inc page-ic\n  inc page-ic -m \"Checkout is down for all EU customers\"\n\n\
page-ic never prompts. The page carries a key stable for the current incident, so running it \
again (or `inc outbox retry`) reports the open page instead of paging twice. With both [pagerduty] \
and [opsgenie] configured, it pages through both at the same time."
)]
pub struct Args {
    /// What the ICs should know [default: the current incident's title, else "Incident Commander needed"]
    #[arg(short, long, value_name = "MSG")]
    pub message: Option<String>,
}

pub async fn run(ctx: &Ctx, args: Args) -> CliResult {
    let page = paging::page_ic(
        ctx,
        &IcPage {
            message: args.message,
        },
    )
    .await?;
    crate::render::paging::page_ic(ctx, &page);
    // The result goes to the incident room too, so nobody there wonders whether an IC is coming.
    let posted = paging::announce(ctx, &page).await?;
    crate::render::report_failures(ctx, &posted);
    page.exit()
}

/// `inc doctor`'s Opsgenie row: the key, and a read-only call (`GET /v2/account`).
pub(crate) async fn doctor_rows(ctx: &Ctx) -> Vec<(&'static str, Option<bool>, String)> {
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
    let live = match ctx.opsgenie() {
        Ok(c) => tokio::time::timeout(config.values.delivery.timeout.0, c.check())
            .await
            .unwrap_or_else(|_| {
                Err(crate::providers::SendError::Transient {
                    message: "timed out".into(),
                    retry_after: None,
                })
            })
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.message),
    };
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
