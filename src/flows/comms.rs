//! Customer communication on the status page: the stages of PagerDuty's external
//! communication guidelines, the built-in message templates, the public incident as the
//! journal knows it, and the public-update cadence that `inc status` shows.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::config::{Cadence, format_duration};
use crate::messages;
use crate::model::Incident;
pub use crate::model::{PublicIncident, Stage};
use crate::providers::statuspage;

/// The open public incident's Statuspage id: from the `comms` events, else from a create that
/// was delivered later (`inc outbox retry`).
pub fn open_public_id(inc: &Incident) -> Option<(String, Option<String>)> {
    match &inc.public {
        Some(p) if p.is_open() => p.id.clone().map(|id| (id, p.url.clone())),
        Some(_) => None,
        None => inc
            .find_ref(statuspage::PROVIDER, "create_incident")
            .and_then(|r| Some((r.id.clone()?, r.url.clone()))),
    }
}

// ---- Templates ----

/// Template names: the stages, plus `long` (an incident running over 2 hours).
pub const TEMPLATE_NAMES: [&str; 6] = [
    "investigating",
    "identified",
    "monitoring",
    "resolved",
    "retract",
    "long",
];

/// Placeholders a template may use.
pub const PLACEHOLDERS: [&str; 3] = ["title", "components", "next_update"];

/// The built-in message of a template (inc's own words; override in `[statuspage.templates]`).
pub fn builtin_template(name: &str) -> &'static str {
    match name {
        "investigating" => {
            "We are investigating reports of problems with {components}. Some customers may see errors or slow responses. We will post an update by {next_update}."
        }
        "identified" => {
            "We have found the cause of the problems with {components} and are working on a fix. We will post an update by {next_update}."
        }
        "monitoring" => {
            "A fix for the problems with {components} is in place and we are watching to make sure it holds. We will post an update by {next_update}."
        }
        "resolved" => {
            "The problems with {components} are resolved and everything works normally again. We found no data loss. We are sorry for the disruption."
        }
        "retract" => {
            "This was a false alarm: we found no impact on customers. We are sorry for any confusion."
        }
        "long" => {
            "Recovery of {components} is taking longer than we hoped. Our engineers are still working on it, and we will post the next update by {next_update}."
        }
        _ => "",
    }
}

/// Checks `[statuspage.templates]`: known names, known placeholders. `Err` names the key.
pub fn check_templates(templates: &BTreeMap<String, String>) -> Result<(), String> {
    for (name, text) in templates {
        if !TEMPLATE_NAMES.contains(&name.as_str()) {
            return Err(format!(
                "statuspage.templates.{name}: unknown template; use one of {}",
                TEMPLATE_NAMES.join(", ")
            ));
        }
        if text.trim().is_empty() {
            return Err(format!("statuspage.templates.{name} is empty"));
        }
        for p in placeholders(text) {
            if !PLACEHOLDERS.contains(&p) {
                return Err(format!(
                    "statuspage.templates.{name}: unknown placeholder {{{p}}}; use {}",
                    PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                ));
            }
        }
    }
    Ok(())
}

/// `{word}` placeholders in a template.
fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close)
                if after[..close]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && close > 0 =>
            {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

/// What a template is filled in with.
pub struct Fill<'a> {
    pub title: &'a str,
    /// Names of the affected components.
    pub components: &'a [String],
    pub next_update: Timestamp,
}

pub fn render(template: &str, fill: &Fill<'_>) -> String {
    let components = match fill.components {
        [] => "some of our services".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    template
        .replace("{title}", fill.title)
        .replace("{components}", &components)
        .replace(
            "{next_update}",
            &fill.next_update.strftime("%H:%M UTC").to_string(),
        )
}

// ---- Cadence ----

/// What `inc status` shows about the public incident: fields compared between checks,
/// reminders (keyed, so `--watch` says each once) and the JSON part.
pub struct Cadenced {
    pub fields: Vec<(&'static str, String)>,
    pub reminders: Vec<(String, String)>,
    pub doc: Value,
}

/// After this long, suggest the long-incident message (and never within the first hour).
pub const LONG_INCIDENT: Duration = Duration::from_secs(2 * 3600);

/// The public status: its stage, when the next update is due (`[cadence] public_update` after
/// the last), a reminder when it is overdue, and after 2 hours the long-incident suggestion.
pub fn cadence(inc: &Incident, now: Timestamp, cadence: &Cadence) -> Cadenced {
    let Some(p) = &inc.public else {
        return Cadenced {
            fields: Vec::new(),
            reminders: Vec::new(),
            doc: Value::Null,
        };
    };
    let every = cadence.public_update.0.as_secs() as i64;
    let mut fields = vec![(
        "public status",
        match &p.url {
            Some(u) => format!("{} · {u}", p.stage),
            None => p.stage.to_string(),
        },
    )];
    let mut reminders = Vec::new();
    let mut due = None;
    if p.is_open() && inc.is_open() {
        let at = Timestamp::from_second(p.last_posted_at.as_second() + every)
            .unwrap_or(p.last_posted_at);
        due = Some(at);
        fields.push(("next public update", messages::time(at)));
        if now >= at {
            reminders.push((
                format!("public:{}", at.as_second()),
                format!(
                    "public update due since {} (every {}): `inc comms {} MESSAGE`",
                    messages::time(at),
                    format_duration(cadence.public_update.0),
                    p.stage
                ),
            ));
        }
        let running = now.as_second() - inc.declared_at.as_second();
        if running >= LONG_INCIDENT.as_secs() as i64 {
            reminders.push((
                "public:long".to_string(),
                format!(
                    "the incident has run {}: consider the long-incident message (`inc comms {} --long`), which may slow the cadence but always gives the next update time",
                    messages::elapsed(running),
                    p.stage
                ),
            ));
        }
    }
    let doc = json!({
        "stage": p.stage,
        "id": p.id,
        "url": p.url,
        "first_posted_at": p.first_posted_at,
        "last_posted_at": p.last_posted_at,
        "posts": p.posts,
        "next_update_due": due,
    });
    Cadenced {
        fields,
        reminders,
        doc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;
    use crate::model::{Event, EventKind};

    fn at(min: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + min * 60).unwrap()
    }

    fn incident(posts: &[(i64, Stage)]) -> Incident {
        let mut events = vec![Event {
            id: None,
            at: at(0),
            by: None,
            kind: EventKind::Declared {
                id: "x".into(),
                title: "t".into(),
                severity: Severity::new(1).unwrap(),
                security: false,
                codename: None,
            },
        }];
        for (m, stage) in posts {
            events.push(Event {
                id: None,
                at: at(*m),
                by: None,
                kind: EventKind::Comms {
                    stage: *stage,
                    message: "m".into(),
                    public_id: Some("sp1".into()),
                    url: None,
                    components: BTreeMap::new(),
                },
            });
        }
        Incident::from_events(events).unwrap()
    }

    #[test]
    fn the_next_update_is_due_after_the_cadence_and_reminded_once_overdue() {
        let c = Cadence::default();
        let inc = incident(&[(3, Stage::Investigating), (8, Stage::Identified)]);
        let p = inc.public.as_ref().unwrap();
        assert_eq!(
            (p.posts, p.stage, p.first_posted_at),
            (2, Stage::Identified, at(3))
        );
        let s = cadence(&inc, at(20), &c);
        assert!(s.reminders.is_empty());
        assert_eq!(s.doc["next_update_due"], json!(at(28)));
        let s = cadence(&inc, at(29), &c);
        assert_eq!(s.reminders.len(), 1);
        assert!(s.reminders[0].1.contains("public update due"));
        let s = cadence(&inc, at(125), &c);
        assert!(s.reminders.iter().any(|(k, _)| k == "public:long"));
        // Resolved: nothing is due.
        let inc = incident(&[(3, Stage::Investigating), (30, Stage::Resolved)]);
        assert!(cadence(&inc, at(200), &c).reminders.is_empty());
        assert_eq!(open_public_id(&inc), None);
        // A new flare-up after the resolution opens a new public incident.
        let inc = incident(&[
            (3, Stage::Investigating),
            (30, Stage::Resolved),
            (40, Stage::Investigating),
        ]);
        assert_eq!(inc.public.as_ref().unwrap().posts, 1);
    }

    #[test]
    fn templates_are_checked_and_filled() {
        let ok = BTreeMap::from([(
            "investigating".to_string(),
            "Hi {components} by {next_update}".to_string(),
        )]);
        assert!(check_templates(&ok).is_ok());
        let bad = BTreeMap::from([("investigatng".to_string(), "x".to_string())]);
        assert!(
            check_templates(&bad)
                .unwrap_err()
                .contains("statuspage.templates.investigatng")
        );
        let bad = BTreeMap::from([("resolved".to_string(), "x {nxt}".to_string())]);
        assert!(check_templates(&bad).unwrap_err().contains("{nxt}"));
        for name in TEMPLATE_NAMES {
            for p in placeholders(builtin_template(name)) {
                assert!(PLACEHOLDERS.contains(&p), "{name}: {p}");
            }
        }
        let names = vec!["API".to_string(), "Web".to_string(), "Mobile".to_string()];
        let s = render(
            "{title}: {components} by {next_update}",
            &Fill {
                title: "Checkout",
                components: &names,
                next_update: at(20),
            },
        );
        assert!(s.starts_with("Checkout: API, Web and Mobile by "), "{s}");
        assert!(s.ends_with(" UTC"), "{s}");
    }
}
