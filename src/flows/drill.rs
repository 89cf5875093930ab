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

/// `inc doctor`'s `[drill]` rows: where a drill would go with this config (information), and
/// the `[drill]` values that would make one fail (✘): schedules without a service, an address
/// that is not one.
pub fn doctor_rows(ctx: &Ctx) -> Vec<(&'static str, Option<bool>, String)> {
    let Ok(config) = ctx.config() else {
        return Vec::new();
    };
    let v = &config.values;
    let d = &v.drill;
    let mut rows = Vec::new();
    let set = |o: &Option<String>| {
        o.as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
    };
    let pagers = v.pagerduty.is_some() || v.opsgenie.is_some();
    rows.push(match (d.ic_schedules.is_empty(), &d.service) {
        _ if !pagers => ("drill page", None, "no pager configured".to_string()),
        (true, _) => (
            "drill page",
            None,
            "nobody: page-ic shows who would have been paged (drill.ic_schedules unset)".into(),
        ),
        (false, Some(s)) => (
            "drill page",
            None,
            format!("{} on service {s}", d.ic_schedules.join(", ")),
        ),
        (false, None) if v.pagerduty.is_some() => (
            "drill page",
            Some(false),
            "drill.ic_schedules needs drill.service: the PagerDuty service a drill's IC page is opened on".into(),
        ),
        (false, None) => (
            "drill page",
            None,
            format!("{} through Opsgenie", d.ic_schedules.join(", ")),
        ),
    });
    if v.pagerduty.is_some() {
        rows.push((
            "drill incident",
            None,
            match &d.service {
                Some(s) => format!("PagerDuty incidents on service {s}"),
                None => "no PagerDuty incident (drill.service unset): chat and the journal".into(),
            },
        ));
    }
    let prefix = set(&d.slack_channel_prefix).unwrap_or_else(|| DEFAULT_PREFIX.to_string());
    let mut rooms = Vec::new();
    let mut exec = Vec::new();
    if let Some(s) = &v.slack {
        let shared = s.channel.as_deref().unwrap_or("the shared channel");
        rooms.push(match (s.per_incident_channel, set(&d.exec_channel)) {
            (true, _) => format!("Slack {prefix}…"),
            (false, Some(c)) => format!("Slack {c} (never {shared})"),
            (false, None) => {
                format!("Slack: none, the terminal (never {shared}; set drill.exec_channel)")
            }
        });
        exec.push(match set(&d.exec_channel) {
            Some(c) => format!("Slack {c}"),
            None => "Slack: the drill's room".to_string(),
        });
    }
    if let Some(m) = &v.matrix {
        let shared = m.room.as_deref().unwrap_or("the shared room");
        rooms.push(match (m.per_incident_room, set(&d.exec_room)) {
            (true, _) => format!("Matrix #{prefix}…"),
            (false, Some(r)) => format!("Matrix {r} (never {shared})"),
            (false, None) => {
                format!("Matrix: none, the terminal (never {shared}; set drill.exec_room)")
            }
        });
        exec.push(match set(&d.exec_room) {
            Some(r) => format!("Matrix {r}"),
            None => "Matrix: the drill's room".to_string(),
        });
    }
    if !rooms.is_empty() {
        rows.push(("drill rooms", None, rooms.join("; ")));
        rows.push(("drill exec updates", None, exec.join("; ")));
    }
    if v.email.is_some() {
        let bad = d
            .email_to
            .iter()
            .find(|a| a.trim().parse::<lettre::message::Mailbox>().is_err());
        rows.push(match bad {
            Some(a) => (
                "drill email",
                Some(false),
                format!("drill.email_to '{a}' is not an email address"),
            ),
            None if d.email_to.is_empty() => (
                "drill email",
                None,
                "nobody (drill.email_to unset): shown as --dry-run shows it".into(),
            ),
            None => ("drill email", None, d.email_to.join(", ")),
        });
    }
    rows
}
