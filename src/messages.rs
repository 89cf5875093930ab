//! The words inc posts or shows: roster, contact summary, mirrors of notes and changes. Chat
//! adapters post them; with no chat provider configured, commands show them to the user.

pub mod bot;

use crate::config::CallConfig;
use crate::model::{
    Change, Event, EventKind, Incident, NoteType, PublicIncident, Role, Severity, Stage,
};

/// What starts every message inc sends about a drill (SPEC "Drills").
pub const DRILL: &str = "[DRILL]";

/// `text` as sent about `inc`: a drill's starts with `[DRILL]` (once, however often it passes).
pub fn tagged(inc: &Incident, text: &str) -> String {
    tag_if(inc.drill, text)
}

/// [`tagged`], for a message that may belong to no incident yet (an IC page).
pub fn tag_if(drill: bool, text: &str) -> String {
    if drill && !text.starts_with(DRILL) {
        format!("{DRILL} {text}")
    } else {
        text.to_string()
    }
}

pub fn roster(inc: &Incident) -> String {
    roster_with(inc, str::to_string)
}

/// The roster with each person written by `show` (a Slack `<@U…>` mention, a Matrix pill).
pub fn roster_with(inc: &Incident, show: impl Fn(&str) -> String) -> String {
    let who = |r: Role| {
        inc.roles
            .get(&r)
            .filter(|v| !v.is_empty())
            .map(|v| v.iter().map(|p| show(p)).collect::<Vec<_>>().join(", "))
            .unwrap_or_else(|| "—".into())
    };
    let mut s = format!(
        "Roster: IC {} · Deputy {} · Scribe {}",
        who(Role::Ic),
        who(Role::Deputy),
        who(Role::Scribe)
    );
    for r in [Role::Cl, Role::Il, Role::Sme] {
        if inc.roles.get(&r).is_some_and(|v| !v.is_empty()) {
            s.push_str(&format!(" · {} {}", r.label(), who(r)));
        }
    }
    s
}

/// The contact summary from `[call]`, and how to get an IC.
pub fn contact_summary(call: &CallConfig) -> String {
    let mut lines = Vec::new();
    if let Some(c) = &call.chat {
        lines.push(format!("Chat: {c}"));
    }
    if let Some(u) = &call.bridge_url {
        lines.push(format!("Bridge: {u}"));
    }
    match (&call.phone, &call.pin) {
        (Some(p), Some(pin)) => lines.push(format!("Phone: {p} (PIN {pin})")),
        (Some(p), None) => lines.push(format!("Phone: {p}")),
        (None, Some(pin)) => lines.push(format!("PIN: {pin}")),
        (None, None) => {}
    }
    lines.push("Need an IC? Run `inc page-ic`".into());
    lines.join("\n")
}

/// [`contact_summary`] for the incident's room: where `inc bot` serves it (`[bot]` is
/// configured), the way to get an IC is `!ic page` right there.
pub fn contact_summary_in_room(
    call: &CallConfig,
    bot: Option<&crate::config::BotConfig>,
) -> String {
    let summary = contact_summary(call);
    match bot {
        Some(b) => summary.replace("Need an IC? Run `inc page-ic`", &bot::need_an_ic(&b.prefix)),
        None => summary,
    }
}

pub fn declared(inc: &Incident) -> String {
    let kind = if inc.security {
        "Security incident"
    } else {
        "Major incident"
    };
    format!(
        "{kind} declared: {} \"{}\" ({})",
        inc.severity,
        inc.public_name(),
        inc.id
    )
}

pub fn note(note_type: Option<NoteType>, text: &str) -> String {
    match note_type {
        Some(t) => format!("{}: {text}", t.label()),
        None => text.to_string(),
    }
}

pub fn todo(text: &str) -> String {
    format!("TODO: {text}")
}

// ---- People in what inc posts (team-people) ----

/// A note or TODO as mirrored into rooms and pager notes, where the poster is inc's bot: who
/// wrote it first ("carol: Rolled back 4411").
pub fn authored(by: Option<&str>, text: &str) -> String {
    match by.map(str::trim).filter(|b| !b.is_empty()) {
        // A `": "` in a name would end the name early when read back.
        Some(b) => format!("{}: {text}", b.replace(": ", " ")),
        None => text.to_string(),
    }
}

/// The author and text of a mirrored note ([`authored`]) when what comes before the first
/// `": "` is a person: an email, a Matrix id or a lowercase handle. inc's other words
/// (`Roster: …`, `TODO: …`, `STATUS: …`, `Severity raised: …`) are never taken for one.
pub fn split_author(text: &str) -> Option<(String, String)> {
    let (who, rest) = text.split_once(": ")?;
    let handle = !who.is_empty()
        && who
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    let person = crate::identity::is_email(who) || crate::identity::is_matrix_id(who) || handle;
    (person && !rest.trim().is_empty()).then(|| (who.to_string(), rest.to_string()))
}

/// Said once by `declare` and `attach --as` when `me` is no email (a shared config, `$USER`
/// only): providers know people by email, so they cannot invite or mention this one.
pub fn identity_hint(name: &str, source: &str) -> String {
    format!(
        "you are \"{name}\" (from {source}), not an email: Slack, Matrix and PagerDuty cannot \
         tell who that is (no invite, no mention). Set `[user] email = \"you@example.com\"` in \
         your config, or `INC_USER=you@example.com`"
    )
}

pub fn role(role: Role, person: &str) -> String {
    format!("{person} is now {}", role.label())
}

pub fn handover(from: Option<&str>, to: &str) -> String {
    match from {
        Some(f) => format!("IC handover: {f} → {to}. {to} is now the Incident Commander."),
        None => format!("{to} is now the Incident Commander."),
    }
}

pub fn severity(from: Severity, to: Severity, is_final: bool) -> String {
    if is_final {
        format!("Final severity set: {to} (was {from})")
    } else {
        format!("Severity raised: {from} → {to}")
    }
}

/// Where the incident's rooms are, in each of them (a declaration names them all at once):
/// `Rooms: Slack #inc-20261130-checkout · Matrix #inc-20261130-checkout`. `rooms`: (the
/// provider's name, the room's).
pub fn rooms(rooms: &[(&str, &str)]) -> String {
    let list: Vec<String> = rooms.iter().map(|(p, r)| format!("{p} {r}")).collect();
    format!("Rooms: {}", list.join(" · "))
}

/// The incident room's line about an executive update the exec room received.
pub fn exec_sent(summary: &str) -> String {
    format!("Sent to the executives: {summary}")
}

/// The incident room's line about the public incident `inc resolve` resolved.
pub fn public_resolved(message: &str, url: Option<&str>) -> String {
    let link = url.map(|u| format!(" {u}")).unwrap_or_default();
    format!("Public update (resolved) posted: {message}{link}")
}

pub fn resolved(inc: &Incident) -> String {
    format!(
        "The call is over: {} \"{}\" is resolved ({}). Follow-up continues here.",
        inc.severity,
        inc.public_name(),
        inc.id
    )
}

/// The after-call steps of PagerDuty's process.
pub const AFTER_CALL: &[&str] = &[
    "Set the final severity (`inc sev N --final`) if it differs",
    "Create the post-mortem and give it one owner",
    "Schedule the post-mortem meeting (SEV-1: within 3 calendar days; SEV-2: within 5 business days)",
    "Turn every TODO into a ticket with an owner",
    "Send the internal email with the post-mortem link",
    "Thank the responders",
];

/// An innocuous codename for a security incident's room: nothing in it hints at the problem.
pub fn codename() -> String {
    const ADJ: &[&str] = &[
        "amber", "quiet", "silver", "brisk", "gentle", "hidden", "lucky", "mellow", "north",
        "rapid", "sunny", "velvet",
    ];
    const NOUN: &[&str] = &[
        "harbor", "falcon", "meadow", "lantern", "pebble", "orchard", "comet", "willow", "canyon",
        "beacon", "maple", "river",
    ];
    format!(
        "{}-{}",
        ADJ[fastrand::usize(..ADJ.len())],
        NOUN[fastrand::usize(..NOUN.len())]
    )
}

/// `2026-11-26 03:04 UTC`
pub fn time(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// `03:04:05Z`, for watch lines.
pub fn clock(ts: jiff::Timestamp) -> String {
    ts.strftime("%H:%M:%SZ").to_string()
}

/// `1h05m`, `12m`, `45s`
pub fn elapsed(secs: i64) -> String {
    let secs = secs.max(0);
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}h{m:02}m")
    } else if m > 0 {
        format!("{m}m")
    } else {
        format!("{s}s")
    }
}

/// A `comms` event in the timeline's words.
pub fn public_update(kind: &EventKind) -> String {
    let EventKind::Comms {
        stage,
        message,
        public_id,
        url,
        components,
    } = kind
    else {
        return String::new();
    };
    let mut s = match (stage, message.is_empty()) {
        (Stage::Retract, true) => "public post removed (false alarm)".to_string(),
        (Stage::Retract, false) => format!("public post closed (false alarm): {message}"),
        (_, _) => format!("went public ({stage}): {message}"),
    };
    if !components.is_empty() {
        let c: Vec<String> = components.iter().map(|(k, v)| format!("{k} {v}")).collect();
        s.push_str(&format!(" [{}]", c.join(", ")));
    }
    match (public_id, url) {
        (_, Some(u)) => s.push_str(&format!(" {u}")),
        (None, None) => s.push_str(" (no status page configured: shown for posting by hand)"),
        _ => {}
    }
    s
}

/// One line about the public incident, for `inc show`.
pub fn public_summary(p: &PublicIncident) -> String {
    let mut s = format!(
        "{} since {}, {} post{}",
        p.stage,
        time(p.first_posted_at),
        p.posts,
        if p.posts == 1 { "" } else { "s" }
    );
    if let Some(u) = p.url.as_deref().or(p.id.as_deref()) {
        s.push_str(&format!(" · {u}"));
    }
    s
}

/// One timeline row: what happened, in words.
pub fn describe(e: &Event) -> (&'static str, String) {
    match &e.kind {
        EventKind::Paging { message, .. } => ("paging", format!("IC paged: {message}")),
        EventKind::Posted { text } => ("posted", text.replace('\n', " · ")),
        EventKind::Pager {
            provider,
            action,
            summary,
            incident,
        } => (
            "pager",
            match incident {
                Some(i) => format!("{provider} {i} {action}: {summary}"),
                None => format!("{provider} {action}: {summary}"),
            },
        ),
        EventKind::Linked {
            provider,
            reference,
            name,
            url,
        } => (
            "linked",
            format!(
                "{provider} {}{}",
                name.as_deref().unwrap_or(reference),
                url.as_deref().map(|u| format!(" {u}")).unwrap_or_default()
            ),
        ),
        EventKind::Declared {
            title,
            severity,
            security,
            drill,
            ..
        } => (
            "declared",
            format!(
                "{severity} {title}{}{}",
                if *security { " (security)" } else { "" },
                if *drill { " (drill)" } else { "" }
            ),
        ),
        EventKind::Role { role, person } => ("role", self::role(*role, person)),
        EventKind::Severity { severity, is_final } => (
            "severity",
            if *is_final {
                format!("final {severity}")
            } else {
                format!("raised to {severity}")
            },
        ),
        EventKind::Note { text, note_type } => ("note", note(*note_type, text)),
        EventKind::Mirrored { text, .. } => ("note", text.clone()),
        EventKind::Todo { text } => ("todo", text.clone()),
        EventKind::ExecUpdate { summary } => ("exec update", summary.clone()),
        EventKind::Delivery {
            provider,
            action,
            target,
            ok,
            url,
            ..
        } => (
            "delivery",
            format!(
                "{provider} {action} → {target}: {}{}",
                if *ok { "ok" } else { "failed" },
                url.as_deref().map(|u| format!(" {u}")).unwrap_or_default()
            ),
        ),
        EventKind::Resolved { severity } => ("resolved", format!("final {severity}")),
        EventKind::Acknowledged { provider, who, .. } => (
            "acknowledged",
            format!("{who} acknowledged the page ({provider})"),
        ),
        EventKind::Comms { .. } => ("public", public_update(&e.kind)),
        EventKind::Service { name } => ("service", format!("affected service: {name}")),
        EventKind::SuspectedCause { change: c } => (
            "suspected cause",
            format!(
                "{} {} · {}: {}{}",
                c.at.strftime("%Y-%m-%d %H:%M UTC"),
                c.service,
                c.source,
                c.summary,
                c.url
                    .as_deref()
                    .map(|u| format!(" {u}"))
                    .unwrap_or_default()
            ),
        ),
        EventKind::Postmortem {
            path_or_url, owner, ..
        } => (
            "postmortem",
            match owner {
                Some(o) => format!("{path_or_url} (owner {o})"),
                None => path_or_url.clone(),
            },
        ),
    }
}

/// How long before the incident began a change happened: `17m before`, `1h46m before`, or
/// `after start`.
pub fn before(at: jiff::Timestamp, began: jiff::Timestamp) -> String {
    let secs = began.as_second() - at.as_second();
    if secs < 0 {
        "after start".into()
    } else {
        format!("{} before", elapsed(secs))
    }
}

/// A change in one line, as posted and shown: `02:41 UTC (17m before) checkout · github:
/// deploy v2.14.0 → production (success, ann) https://…`.
pub fn change(c: &Change, began: jiff::Timestamp) -> String {
    let mut s = format!(
        "{} UTC ({}) {} · {}: {}",
        c.at.strftime("%H:%M"),
        before(c.at, began),
        c.service,
        c.source,
        c.summary
    );
    match (&c.status, &c.who) {
        (Some(st), Some(w)) => s.push_str(&format!(" ({st}, {w})")),
        (Some(st), None) => s.push_str(&format!(" ({st})")),
        (None, Some(w)) => s.push_str(&format!(" ({w})")),
        (None, None) => {}
    }
    if let Some(u) = &c.url {
        s.push_str(&format!(" {u}"));
    }
    s
}

/// What the declaration posts with the roster when changes are already in hand: the latest
/// few, newest first.
pub fn latest_changes(changes: &[Change], began: jiff::Timestamp) -> String {
    let mut lines = vec![format!(
        "Latest change{} on the affected services:",
        if changes.len() == 1 { "" } else { "s" }
    )];
    lines.extend(changes.iter().map(|c| format!("• {}", change(c, began))));
    lines.join("\n")
}

/// `inc service add` / `declare --service`: the services named.
pub fn services_added(names: &[String]) -> String {
    format!(
        "Affected service{}: {}",
        if names.len() == 1 { "" } else { "s" },
        names.join(", ")
    )
}

/// `inc changes --cite N`: the change recorded as a suspected cause (never "root cause": the
/// post-mortem looks for several contributing factors).
pub fn suspected_cause(c: &Change, began: jiff::Timestamp) -> String {
    format!("Suspected cause: {}", change(c, began))
}

/// One remote change in words, at its time: "03:12:09Z bob raised the severity to SEV-1".
pub fn change_line(e: &crate::model::Event) -> String {
    format!("{} {}", clock(e.at), remote_change(e))
}

/// One remote change in words: "bob raised the severity to SEV-1".
pub fn remote_change(e: &crate::model::Event) -> String {
    use crate::model::EventKind as K;
    let who = e.by.as_deref().unwrap_or("someone");
    match &e.kind {
        K::Severity {
            severity,
            is_final: false,
        } => format!("{who} raised the severity to {severity}"),
        K::Severity { severity, .. } => format!("{who} set the final severity to {severity}"),
        K::Role { role, person } => format!("{who} made {person} {}", role.label()),
        K::Note { text, .. } => format!("{who} noted: {text}"),
        K::Todo { text } => format!("{who} added a TODO: {text}"),
        K::Resolved { severity } => format!("{who} resolved the incident (final {severity})"),
        K::Acknowledged { who, provider, .. } => {
            format!("{who} acknowledged the page ({provider})")
        }
        _ => {
            let (kind, text) = describe(e);
            format!("{who}: {kind} {text}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_author_is_read_back_only_when_it_is_a_person() {
        let a = authored(Some("carol@example.com"), "TODO: page the DB team");
        assert_eq!(a, "carol@example.com: TODO: page the DB team");
        assert_eq!(
            split_author(&a),
            Some((
                "carol@example.com".to_string(),
                "TODO: page the DB team".to_string()
            ))
        );
        assert_eq!(
            split_author("carol: STATUS: up"),
            Some(("carol".into(), "STATUS: up".into()))
        );
        for not in [
            "Roster: IC ann · Deputy —",
            "TODO: x",
            "STATUS: fine",
            "Severity raised: SEV-2 → SEV-1",
            "Chat: #incident-chat",
            "no colon here",
            "carol: ",
        ] {
            assert_eq!(split_author(not), None, "{not}");
        }
        assert_eq!(authored(None, "x"), "x");
        assert_eq!(authored(Some("Dr: Who"), "x"), "Dr Who: x");
    }

    #[test]
    fn a_drill_message_starts_with_drill_once() {
        assert_eq!(tag_if(true, "Severity raised"), "[DRILL] Severity raised");
        assert_eq!(
            tag_if(true, "[DRILL] Severity raised"),
            "[DRILL] Severity raised"
        );
        assert_eq!(tag_if(false, "Severity raised"), "Severity raised");
    }
}
