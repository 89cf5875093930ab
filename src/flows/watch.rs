//! `inc status --watch`: each interval, re-check the incident and compute only what changed;
//! with `--post`, post each change to the incident room ("stalk" mode). The watch hands each
//! step to the caller's callback, which shows it; the watch itself never prints.

use std::collections::HashSet;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Serialize, Serializer};

use super::status::{self, Glance};
use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::{CliError, CliResult};
use crate::messages;
use crate::model::{Event, EventKind, Incident};

/// What `inc status --watch` is asked.
pub struct Request<'a> {
    /// The first check, already shown.
    pub first: &'a Glance,
    pub interval: Duration,
    /// `--post`: post each change to the incident room.
    pub post: bool,
}

/// What one check found: its lines (shown, and posted with `--post`) and, as JSON, one NDJSON
/// line. A journal that cannot be read is only an alarm.
#[derive(Serialize)]
pub struct Change {
    pub at: Timestamp,
    #[serde(skip_serializing_if = "is_false")]
    pub recovered: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
    /// The reminders not said before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reminders: Option<Vec<String>>,
    /// What other responders did since the last check ("bob raised the severity to SEV-1").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remote: Vec<String>,
    /// `ALARM: ...`, `field: from → to`, `reminder: ...`, and the remote lines.
    #[serde(skip)]
    pub lines: Vec<String>,
    /// The lines `--post` may post: not what another responder's inc already posted.
    #[serde(skip)]
    pub postable: Vec<String>,
}

fn is_false(b: &bool) -> bool {
    !b
}

/// The fields that changed, in the glance's order; as JSON, `{field: {from, to}}`.
pub struct Changes(pub Vec<(&'static str, Diff)>);

#[derive(Serialize)]
pub struct Diff {
    pub from: String,
    pub to: String,
}

impl Serialize for Changes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, d)| (k, d)))
    }
}

/// A step of the watch, in order, for the caller to show.
pub enum Step<'a> {
    /// A check found something (shown before it is posted).
    Change(&'a Change),
    /// What posting a change to the incident room did.
    Posted(&'a [DeliveryResult]),
    /// A check is over.
    Checked,
}

/// How a watch ended.
pub enum End {
    /// The incident is resolved.
    Resolved,
    /// Ctrl-C.
    Cancelled,
}

/// Re-checks the incident every interval until it is resolved or Ctrl-C, handing each step to
/// `show`. Alarms once per failure to read the journal or the PagerDuty incident, and says when
/// the source is readable again.
pub async fn run(ctx: &Ctx, req: Request<'_>, mut show: impl FnMut(Step<'_>)) -> CliResult<End> {
    let mut watch = Watch::new(req.first, req.post);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(req.interval) => {}
            _ = tokio::signal::ctrl_c() => return Ok(End::Cancelled),
        }
        if let Some(end) = watch.check(ctx, &mut show).await? {
            return Ok(end);
        }
    }
}

/// What a watch remembers between two checks: the fields and reminders it last saw, the last
/// incident it could read, and the alarms it raised. `inc status --watch` checks on its own
/// clock ([`run`]); `inc bot`'s stalk checks on its own.
pub struct Watch {
    id: String,
    post: bool,
    first: Incident,
    said: HashSet<String>,
    previous: Vec<(&'static str, String)>,
    last_good: Option<Incident>,
    alarm: Option<String>,
    pager_alarm: Option<String>,
}

impl Watch {
    /// A watch whose first check (`first`) was already shown; with `post`, changes are posted
    /// to the incident room.
    pub fn new(first: &Glance, post: bool) -> Watch {
        Watch {
            id: first.incident.id.clone(),
            post,
            first: first.incident.clone(),
            said: first.reminders.iter().map(|r| r.key.clone()).collect(),
            previous: first.fields.clone(),
            last_good: None,
            alarm: None,
            pager_alarm: None,
        }
    }

    /// The incident as of the last check that could read it.
    pub fn incident(&self) -> &Incident {
        self.last_good.as_ref().unwrap_or(&self.first)
    }

    /// The glance's fields as of the last check.
    pub fn fields(&self) -> &[(&'static str, String)] {
        &self.previous
    }

    /// One check: pulls the shared record, hands what changed to `show` (and posts it with
    /// `post`), and says how the watch ends when the incident is resolved.
    pub async fn check(
        &mut self,
        ctx: &Ctx,
        show: &mut impl FnMut(Step<'_>),
    ) -> CliResult<Option<End>> {
        let config = ctx.config()?;
        let Watch {
            id,
            post: do_post,
            first,
            said,
            previous,
            last_good,
            alarm,
            pager_alarm,
        } = self;
        let now = ctx.now();
        let mut change = Change {
            at: now,
            recovered: false,
            alarm: None,
            changes: None,
            reminders: None,
            remote: Vec::new(),
            lines: Vec::new(),
            postable: Vec::new(),
        };
        // Pull what other responders and the pager added (a failure is a warning).
        let known = last_good.as_ref().unwrap_or(first);
        let (pulled, read) = match super::sync::pull(ctx, known).await {
            Ok(p) => (p.new, p.sources),
            Err(e) => {
                ctx.warn(format!("could not pull the shared record: {}", e.message));
                (Vec::new(), Vec::new())
            }
        };
        let inc = match ctx
            .journal()
            .and_then(|j| j.load(id).map_err(CliError::from))
        {
            Ok((inc, _)) => inc,
            Err(e) => {
                if alarm.as_deref() != Some(e.message.as_str()) {
                    let text = format!("ALARM: cannot read the incident journal: {}", e.message);
                    change.lines.push(text.clone());
                    change.alarm = Some(text);
                    *alarm = Some(e.message);
                    show(Step::Change(&change));
                    if *do_post && let Some(inc) = last_good.as_ref() {
                        post(ctx, inc, &change, show).await;
                    }
                }
                show(Step::Checked);
                return Ok(None);
            }
        };
        if alarm.take().is_some() {
            change
                .lines
                .push("the incident journal is readable again".into());
            change.recovered = true;
        }
        let (pager, changes) = tokio::join!(
            status::read_pager(ctx, &inc),
            status::read_changes(ctx, &inc)
        );
        // Acknowledgements the pager's state shows before its log does: said now, once (the
        // log entry that follows is then `seen_ack`).
        let pager_acks = new_acks(&pager, &inc);
        match (&pager, &*pager_alarm) {
            (Some(Err(e)), prev) if prev.as_deref() != Some(e.as_str()) => {
                let text = format!("ALARM: cannot read the PagerDuty incident: {e}");
                change.lines.push(text.clone());
                change.alarm = Some(text);
                *pager_alarm = Some(e.clone());
            }
            (Some(Ok(_)), Some(_)) => {
                change
                    .lines
                    .push("the PagerDuty incident is readable again".into());
                *pager_alarm = None;
            }
            _ => {}
        }
        let me = ctx.me();
        // What another responder did since the last check, each once: not mine (from another
        // machine of mine), not an acknowledgement this watch already saw in the pager.
        let reported: Vec<&Event> = pulled
            .iter()
            .filter(|e| e.by.as_deref() != Some(me.as_str()))
            .filter(|e| !seen_ack(e, &inc, &pulled))
            .collect();
        let all_ids: HashSet<&str> = pulled.iter().filter_map(|e| e.id.as_deref()).collect();
        let reported_ids: HashSet<&str> = reported.iter().filter_map(|e| e.id.as_deref()).collect();
        // The fields that differ without some events: the ones those events changed.
        let changed_by = |ids: &HashSet<&str>| -> HashSet<&'static str> {
            if ids.is_empty() {
                return HashSet::new();
            }
            let rest: Vec<Event> = inc
                .events
                .iter()
                .filter(|e| e.id.as_deref().is_none_or(|i| !ids.contains(i)))
                .cloned()
                .collect();
            let Some(before) = Incident::from_events(rest) else {
                return HashSet::new();
            };
            let a = status::glance(before, now, &config.values.cadence, &pager).fields;
            let b = status::glance(inc.clone(), now, &config.values.cadence, &pager).fields;
            b.iter()
                .filter(|(k, v)| a.iter().find(|(ak, _)| ak == k).map(|(_, av)| av) != Some(v))
                .map(|(k, _)| *k)
                .collect()
        };
        // Theirs to post (their inc already did), and said by their line (not twice).
        let theirs = changed_by(&all_ids);
        let mut explained = changed_by(&reported_ids);
        let reported: Vec<&Event> = reported.into_iter().chain(&pager_acks).collect();
        if reported.iter().any(|e| {
            matches!(
                e.kind,
                EventKind::Acknowledged { .. } | EventKind::Pager { .. }
            )
        }) {
            // The pager's own state says the same as its log line.
            explained.extend(PAGER_FIELDS);
        }
        change.postable = change.lines.clone();
        // A provider another command saw down that answers again (said here, not posted).
        let read: Vec<&str> = read
            .iter()
            .filter(|s| s.ok)
            .map(|s| s.provider.as_str())
            .collect();
        change
            .lines
            .extend(super::outbox::recheck(ctx, &read).await);
        for e in &reported {
            // JSON keeps the time it happened; a shown line has the check's clock already.
            change.remote.push(messages::change_line(e));
            change.lines.push(messages::remote_change(e));
        }
        let mut snap = status::glance(inc, now, &config.values.cadence, &pager);
        status::with_changes(&mut snap, changes.as_ref());
        let mut changes = Vec::new();
        for (k, v) in &snap.fields {
            let from = previous
                .iter()
                .find(|(pk, _)| pk == k)
                .map(|(_, pv)| pv.as_str())
                .unwrap_or("—");
            if from != v {
                // The unreadable pager is already an alarm line.
                if !(k == &"pagerduty" && v.starts_with("unreadable")) {
                    if !explained.contains(k) {
                        change.lines.push(format!("{k}: {from} → {v}"));
                    }
                    if !theirs.contains(k) {
                        change.postable.push(format!("{k}: {from} → {v}"));
                    }
                }
                let diff = Diff {
                    from: from.to_string(),
                    to: v.clone(),
                };
                changes.push((*k, diff));
            }
        }
        let fresh: Vec<&status::Reminder> = snap
            .reminders
            .iter()
            .filter(|r| !said.contains(&r.key))
            .collect();
        change
            .lines
            .extend(fresh.iter().map(|r| format!("reminder: {}", r.text)));
        change
            .postable
            .extend(fresh.iter().map(|r| format!("reminder: {}", r.text)));
        change.changes = Some(Changes(changes));
        change.reminders = Some(fresh.iter().map(|r| r.text.clone()).collect());
        said.extend(fresh.iter().map(|r| r.key.clone()));
        *previous = snap.fields;
        let inc = snap.incident;
        if !change.lines.is_empty() {
            show(Step::Change(&change));
            if *do_post && !change.postable.is_empty() {
                post(ctx, &inc, &change, show).await;
            }
        }
        show(Step::Checked);
        let open = inc.is_open();
        *last_good = Some(inc);
        Ok((!open).then_some(End::Resolved))
    }
}

/// The glance's fields that come from the PagerDuty incident as read.
const PAGER_FIELDS: [&str; 3] = ["pagerduty", "acknowledged by", "responders"];

/// A pulled acknowledgement the journal already had from the pager's own state (the same
/// person, the same pager incident, within 2 s): this watch reported it then.
fn seen_ack(e: &Event, inc: &Incident, pulled: &[Event]) -> bool {
    let EventKind::Acknowledged { who, incident, .. } = &e.kind else {
        return false;
    };
    inc.events.iter().any(|k| {
        !pulled.iter().any(|p| p.id.is_some() && p.id == k.id)
            && (k.at.as_second() - e.at.as_second()).abs() <= 2
            && matches!(&k.kind, EventKind::Acknowledged { who: w, incident: i, .. } if w == who && i == incident)
    })
}

/// The acknowledgements the PagerDuty incident as read holds that the journal (as loaded
/// before the read) did not: `Acknowledged` events at the pager's time.
fn new_acks(pager: &Option<Result<serde_json::Value, String>>, inc: &Incident) -> Vec<Event> {
    let Some(Ok(pd)) = pager else {
        return Vec::new();
    };
    let pd_id = pd["id"].as_str().map(str::to_string);
    pd["acknowledgements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let who = a["acknowledger"]["summary"].as_str().unwrap_or("someone");
            let at: Timestamp = a["at"].as_str()?.parse().ok()?;
            let known = inc.events.iter().any(|k| {
                (k.at.as_second() - at.as_second()).abs() <= 2
                    && matches!(&k.kind, EventKind::Acknowledged { who: w, incident: i, .. } if w == who && *i == pd_id)
            });
            (!known).then(|| Event {
                id: None,
                at,
                by: Some(who.to_string()),
                kind: EventKind::Acknowledged {
                    provider: "pagerduty".into(),
                    who: who.to_string(),
                    incident: pd_id.clone(),
                },
            })
        })
        .collect()
}

/// "Stalk" mode: the changes of one check as one post in the incident room. The post is an
/// event whose id comes from its text: when another responder's watch already posted the same
/// change (it is in the shared record), it is not posted again.
async fn post(ctx: &Ctx, inc: &Incident, change: &Change, show: &mut impl FnMut(Step<'_>)) {
    let lines = if change.alarm.is_some() && change.postable.is_empty() {
        &change.lines
    } else {
        &change.postable
    };
    let body = lines.join("\n");
    let id = format!(
        "watch-{}",
        crate::providers::matrix::fnv(&format!("{}\n{body}", inc.id))
    );
    if inc
        .events
        .iter()
        .any(|e| e.id.as_deref() == Some(id.as_str()))
    {
        return;
    }
    let text = format!("Status {}:\n{body}", messages::clock(change.at));
    let mut event = ctx.event(EventKind::Posted { text: body.clone() });
    event.id = Some(id);
    if !ctx.dry_run()
        && let Err(e) = ctx
            .journal()
            .and_then(|j| j.append(&inc.id, &event).map_err(Into::into))
    {
        ctx.warn(format!("could not journal the status post: {}", e.message));
    }
    let mut deliveries = super::room::room_posts(
        ctx,
        inc,
        &text,
        &format!("inc-{}-stalk-{}", inc.id, change.at.as_millisecond()),
    );
    for d in &mut deliveries {
        crate::providers::publish(d, &inc.id, &event);
    }
    match ctx.deliver(deliveries).await {
        Ok(results) => show(Step::Posted(&results)),
        Err(e) => ctx.warn(format!("could not post the status change: {}", e.message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change() -> Change {
        Change {
            at: "2026-01-01T10:00:00Z".parse().unwrap(),
            recovered: false,
            alarm: None,
            changes: None,
            reminders: None,
            remote: Vec::new(),
            lines: vec!["a line".into()],
            postable: Vec::new(),
        }
    }

    #[test]
    fn an_unreadable_journal_is_only_an_alarm() {
        let c = Change {
            alarm: Some("ALARM: x".into()),
            ..change()
        };
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!({ "at": "2026-01-01T10:00:00Z", "alarm": "ALARM: x" })
        );
    }

    #[test]
    fn changes_are_from_and_to_by_field() {
        let diff = Diff {
            from: "SEV-2".into(),
            to: "SEV-1".into(),
        };
        let c = Change {
            recovered: true,
            changes: Some(Changes(vec![("severity", diff)])),
            reminders: Some(vec!["r".into()]),
            ..change()
        };
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!({
                "at": "2026-01-01T10:00:00Z",
                "recovered": true,
                "changes": { "severity": { "from": "SEV-2", "to": "SEV-1" } },
                "reminders": ["r"],
            })
        );
    }
}
