//! The shared record's wire format (SPEC "One incident, many responders"): how an event rides
//! along with what people read, so that another `inc` reads it back exactly.
//!
//! - Slack: message metadata `{event_type: "inc_event", event_payload: {v, inc, event_id, event}}`
//!   where `event` is the event as a JSON string (Slack payload values may not be arrays of
//!   strings; a string carries any event).
//! - Matrix: `org.inc.event` in the message content (the payload, `event` as an object), and the
//!   room state event `org.inc.incident` with the incident's current facts.
//! - PagerDuty and Opsgenie notes: the human text ending in a marker `[inc:INCIDENT/EVENT]`.
//!
//! Whatever comes back is untrusted: wrong types, huge strings, unknown kinds and events inc
//! never publishes (delivery records) are refused with a reason, never a panic.

use serde_json::{Value, json};

use super::{Event, EventKind, Incident};

pub const SLACK_EVENT_TYPE: &str = "inc_event";
pub const MATRIX_EVENT_KEY: &str = "org.inc.event";
pub const MATRIX_STATE_TYPE: &str = "org.inc.incident";
pub const VERSION: u64 = 1;
/// No field of a published event is longer (a note is at most 10,000 characters).
const MAX_TEXT: usize = 10_000;
/// An event's whole JSON is at most this many bytes.
const MAX_EVENT_BYTES: usize = 64 * 1024;

/// The payload for Matrix content (`org.inc.event`); `also`: events the same post carries
/// (a declaration's roles, the places a declaration opened).
pub fn payload(inc_id: &str, e: &Event, also: &[Event]) -> Value {
    let mut p = json!({ "v": VERSION, "inc": inc_id, "event_id": e.id, "event": e });
    if !also.is_empty() {
        p["also"] = json!(also);
    }
    p
}

/// Slack's `metadata` argument for a post that carries `e` (and `also`).
pub fn slack_metadata(inc_id: &str, e: &Event, also: &[Event]) -> Value {
    let mut p = json!({
        "v": VERSION,
        "inc": inc_id,
        "event_id": e.id.clone().unwrap_or_default(),
        "event": serde_json::to_string(e).expect("events serialise"),
    });
    if !also.is_empty() {
        p["also"] = json!(serde_json::to_string(also).expect("events serialise"));
    }
    json!({ "event_type": SLACK_EVENT_TYPE, "event_payload": p })
}

/// The marker that ends a note mirrored to a pager.
pub fn marker(inc_id: &str, e: &Event) -> String {
    format!("[inc:{inc_id}/{}]", e.id.as_deref().unwrap_or("-"))
}

/// `text` with its event's marker, once: a marker it already ends in is replaced (a note is
/// published once, whoever calls this twice).
pub fn marked(text: &str, inc_id: &str, e: &Event) -> String {
    let text = match parse_marker(text) {
        Some((_, _, before)) => before,
        None => text.trim_end().to_string(),
    };
    if text.is_empty() {
        return marker(inc_id, e);
    }
    let sep = if text.contains('\n') { "\n" } else { " " };
    format!("{text}{sep}{}", marker(inc_id, e))
}

/// A note's marker, if it ends in one: `(incident id, event id, the text before it)`. The text
/// loses every trailing marker (an older inc wrote some notes' marker twice).
pub fn parse_marker(text: &str) -> Option<(String, String, String)> {
    let (inc, ev, mut before) = last_marker(text)?;
    while let Some((_, _, b)) = last_marker(&before) {
        before = b;
    }
    Some((inc, ev, before))
}

fn last_marker(text: &str) -> Option<(String, String, String)> {
    let t = text.trim_end();
    let start = t.rfind("[inc:")?;
    let inner = t[start + 5..].strip_suffix(']')?;
    let (inc, ev) = inner.split_once('/')?;
    (valid_id(inc) && valid_id(ev)).then(|| {
        (
            inc.to_string(),
            ev.to_string(),
            t[..start].trim_end().to_string(),
        )
    })
}

/// How a PagerDuty incident's body names the incident's rooms (one line each, for people and
/// for another responder's `inc attach`): `Slack: #inc-20261130-checkout`.
const PLACE_LABELS: [(&str, &str); 2] = [("slack", "Slack"), ("matrix", "Matrix")];

/// The lines naming `places` (`(provider, name)`) in a PagerDuty incident's body.
pub fn places_text(places: &[(&str, &str)]) -> String {
    places
        .iter()
        .filter_map(|(provider, name)| {
            let label = PLACE_LABELS.iter().find(|(p, _)| p == provider)?.1;
            Some(format!("{label}: {name}"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The places a PagerDuty incident's body names (`(provider, name)`), each checked: a room
/// name or id without spaces, at most 255 characters. Anything else in the text is ignored.
pub fn places_from_text(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines().take(64) {
        for (provider, label) in PLACE_LABELS {
            let Some(name) = line
                .trim()
                .strip_prefix(label)
                .and_then(|r| r.strip_prefix(": "))
            else {
                continue;
            };
            let name = name.trim();
            let fine = !name.is_empty()
                && name.len() <= 255
                && name.starts_with(['#', '!', 'C', 'G'])
                && !name.chars().any(|c| c.is_whitespace() || c.is_control());
            if fine && !out.iter().any(|(p, _)| p == provider) {
                out.push((provider.to_string(), name.to_string()));
            }
        }
    }
    out
}

/// Reads a Slack message's `metadata`: every event it carries (the main one first).
pub fn events_from_slack(meta: &Value) -> Result<Option<(String, Vec<Event>)>, String> {
    let Some((inc, first)) = from_slack_metadata(meta)? else {
        return Ok(None);
    };
    let mut all = vec![first];
    if let Some(text) = meta["event_payload"]["also"].as_str() {
        if text.len() > 8 * MAX_EVENT_BYTES {
            return Err("the events it carries are too large".into());
        }
        let list: Vec<Value> =
            serde_json::from_str(text).map_err(|e| format!("also is not a JSON list: {e}"))?;
        for v in list.into_iter().take(64) {
            all.push(checked(&json!(inc), v)?.1);
        }
    }
    Ok(Some((inc, all)))
}

/// Reads a Matrix message's `org.inc.event`: every event it carries (the main one first).
pub fn events_from_payload(p: &Value) -> Result<(String, Vec<Event>), String> {
    let (inc, first) = from_payload(p)?;
    let mut all = vec![first];
    if let Some(list) = p["also"].as_array() {
        if list.len() > 64 {
            return Err("carries too many events".into());
        }
        for v in list {
            if serde_json::to_vec(v).map_or(0, |b| b.len()) > MAX_EVENT_BYTES {
                return Err("an event is too large".into());
            }
            all.push(checked(&json!(inc), v.clone())?.1);
        }
    }
    Ok((inc, all))
}

/// Reads a Slack message's `metadata`: `Ok(None)` when it carries none, an error (to warn
/// about) when it is another app's or malformed.
pub fn from_slack_metadata(meta: &Value) -> Result<Option<(String, Event)>, String> {
    if meta.is_null() {
        return Ok(None);
    }
    let kind = meta["event_type"].as_str().unwrap_or("");
    if kind != SLACK_EVENT_TYPE {
        return Err(format!(
            "metadata of type {:?} is not inc's",
            truncate(kind, 40)
        ));
    }
    let p = &meta["event_payload"];
    let text = p["event"]
        .as_str()
        .ok_or("event_payload.event is not a string")?;
    if text.len() > MAX_EVENT_BYTES {
        return Err(format!("event of {} bytes is too large", text.len()));
    }
    let event: Value = serde_json::from_str(text).map_err(|e| format!("event is not JSON: {e}"))?;
    checked(&p["inc"], event).map(Some)
}

/// Reads a Matrix message's `org.inc.event`.
pub fn from_payload(p: &Value) -> Result<(String, Event), String> {
    if serde_json::to_vec(&p["event"]).map_or(0, |v| v.len()) > MAX_EVENT_BYTES {
        return Err("event is too large".into());
    }
    checked(&p["inc"], p["event"].clone())
}

fn checked(inc: &Value, event: Value) -> Result<(String, Event), String> {
    let inc = inc
        .as_str()
        .filter(|i| valid_id(i))
        .ok_or("no valid incident id")?;
    if !event.is_object() {
        return Err("event is not an object".into());
    }
    long_strings(&event)?;
    let e: Event = serde_json::from_value(event).map_err(|e| format!("not an inc event: {e}"))?;
    if !e.id.as_deref().is_some_and(valid_id) {
        return Err("event without a valid event_id".into());
    }
    if matches!(e.kind, EventKind::Delivery { .. }) {
        return Err("delivery records are never published".into());
    }
    if matches!(e.kind, EventKind::Mirrored { .. }) {
        return Err("a pager's copy of an event is never published".into());
    }
    if let EventKind::Declared { id, .. } | EventKind::Paging { id, .. } = &e.kind
        && id != inc
    {
        return Err("declares another incident".into());
    }
    Ok((inc.to_string(), e))
}

fn long_strings(v: &Value) -> Result<(), String> {
    match v {
        Value::String(s) if s.chars().count() > MAX_TEXT => {
            Err(format!("a field of {} characters", s.chars().count()))
        }
        Value::Array(a) => a.iter().try_for_each(long_strings),
        Value::Object(o) => o.values().try_for_each(long_strings),
        _ => Ok(()),
    }
}

/// Our ids: `[a-z0-9-]`, 1..=64 (incident ids, event ids).
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// The room state event `org.inc.incident`: the incident's current facts.
pub fn incident_state(inc: &Incident) -> Value {
    json!({
        "v": VERSION,
        "id": inc.id,
        "title": inc.title,
        "severity": inc.severity,
        "state": inc.state,
        "security": inc.security,
        "drill": inc.drill,
        "roles": inc.roles,
        "declared_at": inc.declared_at,
        "resolved_at": inc.resolved_at,
        "linked": inc.linked.iter().chain(&inc.named).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    fn note() -> Event {
        Event {
            id: Some("abc123def456".into()),
            at: "2026-11-30T10:00:00Z".parse().unwrap(),
            by: Some("ann@example.com".into()),
            kind: EventKind::Note {
                text: "Rolled back".into(),
                note_type: None,
            },
        }
    }

    #[test]
    fn round_trips_through_slack_and_matrix_and_markers() {
        let e = note();
        let meta = slack_metadata("261130-1000-abcd", &e, &[]);
        assert_eq!(
            from_slack_metadata(&meta).unwrap(),
            Some(("261130-1000-abcd".to_string(), e.clone()))
        );
        let p = payload("261130-1000-abcd", &e, &[]);
        assert_eq!(from_payload(&p).unwrap().1, e);
        let text = marked("Rolled back", "261130-1000-abcd", &e);
        assert_eq!(
            parse_marker(&text),
            Some((
                "261130-1000-abcd".into(),
                "abc123def456".into(),
                "Rolled back".into()
            ))
        );
        assert_eq!(parse_marker("no marker here"), None);
        let mut role = e.clone();
        role.id = Some("role00000001".into());
        let meta = slack_metadata("261130-1000-abcd", &e, std::slice::from_ref(&role));
        let (_, all) = events_from_slack(&meta).unwrap().unwrap();
        assert_eq!(all, vec![e.clone(), role.clone()]);
        let p = payload("261130-1000-abcd", &e, std::slice::from_ref(&role));
        assert_eq!(events_from_payload(&p).unwrap().1, vec![e.clone(), role]);
        assert_eq!(parse_marker("[inc:../etc/x]"), None);
    }

    #[test]
    fn a_note_carries_one_marker_however_often_it_is_published() {
        let e = note();
        let once = marked("Rolled back", "inc-1", &e);
        assert_eq!(once, "Rolled back [inc:inc-1/abc123def456]");
        assert_eq!(marked(&once, "inc-1", &e), once);
        // An older inc's note with its marker twice reads as one text, no marker left in it.
        let twice = format!("{once} [inc:inc-1/abc123def456]");
        assert_eq!(parse_marker(&twice).unwrap().2, "Rolled back");
        assert_eq!(marked(&twice, "inc-1", &e), once);
        // A body of several lines gets the marker on its own line.
        assert_eq!(
            marked("Slack: #inc-x\nMatrix: #inc-x", "inc-1", &e),
            "Slack: #inc-x\nMatrix: #inc-x\n[inc:inc-1/abc123def456]"
        );
        assert_eq!(marked("", "inc-1", &e), "[inc:inc-1/abc123def456]");
    }

    #[test]
    fn the_places_a_pagerduty_body_names_are_read_back_and_checked() {
        let text = places_text(&[("slack", "#inc-20261130-x"), ("matrix", "#inc-20261130-x")]);
        assert_eq!(text, "Slack: #inc-20261130-x\nMatrix: #inc-20261130-x");
        let body = format!("{text}\n[inc:inc-1/abc]");
        assert_eq!(
            places_from_text(&body),
            vec![
                ("slack".to_string(), "#inc-20261130-x".to_string()),
                ("matrix".to_string(), "#inc-20261130-x".to_string())
            ]
        );
        // What a person or another tool wrote there is not a place.
        let hostile = format!(
            "Slack: not a channel\nMatrix: \nSlack: #{}\nMatrix: #a\u{7}b\nTeams: #x\nSlack: #ok\nSlack: #second",
            "x".repeat(300)
        );
        assert_eq!(
            places_from_text(&hostile),
            vec![("slack".to_string(), "#ok".to_string())]
        );
        assert!(places_from_text("").is_empty());
    }

    #[test]
    fn hostile_payloads_are_refused_not_panicked_on() {
        let big = "x".repeat(MAX_TEXT + 1);
        for bad in [
            json!({ "event_type": "other_app", "event_payload": {} }),
            json!({ "event_type": "inc_event", "event_payload": { "inc": 5, "event": "{}" } }),
            json!({ "event_type": "inc_event", "event_payload": { "inc": "a", "event": "not json" } }),
            json!({ "event_type": "inc_event", "event_payload": { "inc": "a", "event": "[1,2]" } }),
            json!({ "event_type": "inc_event", "event_payload": { "inc": "a",
                "event": json!({"event_id": "x", "at": "2026-11-30T10:00:00Z", "event": "unknown_kind"}).to_string() } }),
            json!({ "event_type": "inc_event", "event_payload": { "inc": "a",
                "event": json!({"event_id": "x", "at": "2026-11-30T10:00:00Z", "event": "note", "text": big}).to_string() } }),
            json!({ "event_type": "inc_event", "event_payload": { "inc": "a",
                "event": json!({"event_id": "x", "at": "2026-11-30T10:00:00Z", "event": "delivery",
                    "provider": "p", "action": "a", "target": "t", "ok": true}).to_string() } }),
            json!({ "event_type": "inc_event", "event_payload": { "inc": "a",
                "event": json!({"event_id": "x", "at": "2026-11-30T10:00:00Z", "event": "declared",
                    "id": "other", "title": "t", "severity": "SEV-1"}).to_string() } }),
            json!({ "event_type": "inc_event", "event_payload": { "inc": "a",
                "event": json!({"at": "2026-11-30T10:00:00Z", "event": "severity", "severity": "SEV-1"}).to_string() } }),
            json!({ "event_type": "inc_event", "event_payload": { "inc": "a",
                "event": json!({"event_id": "x", "at": "2026-11-30T10:00:00Z", "event": "mirrored",
                    "provider": "pagerduty", "text": "a pager's copy"}).to_string() } }),
        ] {
            assert!(from_slack_metadata(&bad).is_err(), "{bad}");
        }
        let ok = json!({ "event_type": "inc_event", "event_payload": { "inc": "a",
            "event": json!({"event_id": "x", "at": "2026-11-30T10:00:00Z", "event": "severity", "severity": "SEV-1"}).to_string() } });
        let (_, e) = from_slack_metadata(&ok).unwrap().unwrap();
        assert_eq!(
            e.kind,
            EventKind::Severity {
                severity: Severity::new(1).unwrap(),
                is_final: false
            }
        );
    }
}
