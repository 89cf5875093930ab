//! Drills (SPEC "Drills"): practice incidents that run the process without reaching anyone
//! outside the drill. The flows ask here what a drill changes; the incident's `drill` flag (in
//! its `declared` event) is how every later command knows.

use crate::config::DrillConfig;
use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};
use crate::model::Incident;

/// The prefix of a drill's own Slack channel and Matrix room when `[drill]
/// slack_channel_prefix` is unset: never the real incidents' prefix.
pub const DEFAULT_PREFIX: &str = "drill-";

/// `INC_DRILL=1` (any value but empty, `0`, `false`, `no` or `off`): what this run starts (a
/// declaration, an IC page before one) is a drill. It does not turn a real incident into one.
pub fn requested(ctx: &Ctx) -> bool {
    ctx.env.get("INC_DRILL").is_some_and(|v| {
        let v = v.trim().to_ascii_lowercase();
        !matches!(v.as_str(), "" | "0" | "false" | "no" | "off")
    })
}

/// The `[drill]` table (its defaults when absent).
pub fn config(ctx: &Ctx) -> DrillConfig {
    ctx.config()
        .map(|c| c.values.drill.clone())
        .unwrap_or_default()
}

/// The prefix of the incident's own Slack channel and Matrix room: a drill's, else `normal`.
pub fn room_prefix(ctx: &Ctx, inc: &Incident, normal: &str) -> String {
    if !inc.drill {
        return normal.to_string();
    }
    config(ctx)
        .slack_channel_prefix
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_PREFIX.to_string())
}

/// What a drill changes in an IC page (SPEC "Drills"): `[drill] ic_schedules` instead of the
/// IC rotation, paged through PagerDuty on `[drill] service` (through Opsgenie when it is the
/// only pager). Without drill schedules nobody is paged: the rotation is looked up, and the
/// page is only rehearsed to show who would have been paged.
pub struct DrillPage {
    pub schedules: Vec<String>,
    pub service: Option<String>,
}

impl DrillPage {
    /// `Some` for a drill: the incident's flag, or `INC_DRILL=1` when the page opens one.
    pub fn of(ctx: &Ctx, inc: Option<&Incident>, use_pd: bool) -> CliResult<Option<DrillPage>> {
        let drill = match inc {
            Some(i) => i.drill,
            None => requested(ctx),
        };
        if !drill {
            return Ok(None);
        }
        let cfg = config(ctx);
        if use_pd && !cfg.ic_schedules.is_empty() && cfg.service.is_none() {
            return Err(CliError::config(
                "drill.ic_schedules needs drill.service: the PagerDuty service a drill's IC page is opened on",
            ));
        }
        Ok(Some(DrillPage {
            schedules: cfg.ic_schedules,
            service: cfg.service,
        }))
    }

    pub fn pages(&self) -> bool {
        !self.schedules.is_empty()
    }

    /// The schedules an IC page looks up and pages: a paging drill's, else the pager's `real`.
    pub fn schedules(drill: Option<&DrillPage>, real: Vec<String>) -> Vec<String> {
        match drill {
            Some(d) if d.pages() => d.schedules.clone(),
            _ => real,
        }
    }
}
