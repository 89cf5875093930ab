//! The words inc posts or shows: roster, contact summary, mirrors of notes and changes. Chat
//! adapters post them; with no chat provider configured, commands show them to the user.

use crate::config::CallConfig;
use crate::model::{Incident, NoteType, Role, Severity};

pub fn roster(inc: &Incident) -> String {
    let who = |r: Role| {
        inc.roles
            .get(&r)
            .filter(|v| !v.is_empty())
            .map(|v| v.join(", "))
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
