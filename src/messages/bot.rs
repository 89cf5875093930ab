//! The words `inc bot` posts in a room: its replies (each in the command's thread), the help,
//! refusals, and the stalk's status message.

use crate::model::Incident;

/// `!help`: every command, one line each.
pub fn help(p: &str) -> String {
    [
        "inc bot commands:".to_string(),
        format!("{p}ic page [MESSAGE]: page the primary and backup IC at once"),
        format!("{p}status: the incident at a glance"),
        format!("{p}status stalk: keep a status message current here (every change posted); {p}status stalk stop ends it"),
        format!("{p}note TEXT, {p}todo TEXT: the timeline and the follow-ups"),
        format!("{p}sev N: raise the severity (1..5)"),
        format!("{p}role ROLE USER: ic, deputy, scribe, cl, il or sme"),
    ]
    .join("\n")
}

/// A `!word` that is not a command (or a command used wrongly): why, and the short help.
pub fn unknown(p: &str, word: &str, why: Option<&str>) -> String {
    let first = match why {
        Some(why) => format!("{p}{word}: {why}"),
        None => format!("{p}{word} is not an inc command"),
    };
    format!(
        "{first}. Commands: {p}ic page, {p}status, {p}status stalk, {p}note, {p}todo, {p}sev, {p}role, {p}help"
    )
}

/// A command seen only after `[bot] max_age`: never acted on.
pub fn missed(p: &str, command: &str, at: jiff::Timestamp) -> String {
    format!(
        "missed while inc bot was away (your {p}{command} of {}): type it again",
        super::time(at)
    )
}

/// The bot stopped before a command was done; `kept`: what it had not delivered (kept in
/// the outbox).
pub fn interrupted(p: &str, command: &str, kept: usize) -> String {
    let mut s = format!("inc bot stopped while it was on your {p}{command}: it may not be done");
    if kept > 0 {
        s.push_str(&format!(
            " ({kept} message(s) not confirmed are kept in its outbox: `inc outbox retry` sends them, never twice)"
        ));
    }
    s.push_str("; type it again if no answer follows");
    s
}

/// A Matrix sender whose homeserver is not allowed.
pub fn refused_server(server: &str, allowed: &[String]) -> String {
    format!(
        "refused: inc bot takes commands only from users of {} (you are on {server})",
        allowed.join(", ")
    )
}

pub fn refused_guest() -> String {
    "refused: guest accounts cannot run inc commands here".into()
}

/// `!ic page` by someone `[bot] pagers` does not name.
pub fn refused_pager(p: &str) -> String {
    format!(
        "refused: only the people in [bot] pagers may {p}ic page here; ask one of them, or run `inc page-ic`"
    )
}

/// A command that needs an incident, in a room with none.
pub fn no_incident(p: &str) -> String {
    format!("no open incident in this room; {p}ic page pages the IC")
}

/// A shared room with several open incidents: which one a command is for is unclear.
pub fn which_incident(p: &str, ids: &[String]) -> String {
    format!(
        "this room has {} open incidents ({}): type the command in the incident's own room, or use {p}status to see them",
        ids.len(),
        ids.join(", ")
    )
}

/// A command that did not work: the reason, as the CLI would say it.
pub fn failed(message: &str) -> String {
    format!("✘ {message}")
}

/// Done: what the timeline now says (`✔ TODO: …`, `✔ Severity raised: SEV-2 → SEV-1`).
pub fn done(what: &str) -> String {
    format!("✔ {what}")
}

/// Nothing to change: what was already so.
pub fn already(what: &str) -> String {
    format!("✔ already so: {what}")
}

/// One person a page was for.
pub struct Paged<'a> {
    pub ok: bool,
    pub role: &'a str,
    pub name: &'a str,
}

/// One pager's part of `!ic page`: who it paged (✔/✘), and its link.
pub fn page(pager: &str, verb: &str, people: &[Paged<'_>], link: Option<&str>) -> String {
    let mut lines = vec![match link {
        Some(l) => format!("IC page via {pager}: {verb} {l}"),
        None => format!("IC page via {pager}: {verb}"),
    }];
    for p in people {
        let mark = if p.ok { "✔" } else { "✘" };
        if p.role.is_empty() {
            lines.push(format!("{mark} {}", p.name));
        } else {
            lines.push(format!("{mark} {} {}", p.role, p.name));
        }
    }
    lines.join("\n")
}

/// An IC page that was already open: nobody was paged twice.
pub fn page_already(pager: &str, note: &str, people: &[Paged<'_>], link: Option<&str>) -> String {
    let who: Vec<String> = people
        .iter()
        .map(|p| format!("{} {}", p.role, p.name).trim().to_string())
        .collect();
    let mut s = format!("✔ An IC page via {pager} is {note}; nobody was paged twice.");
    if !who.is_empty() {
        s.push_str(&format!("\nPaged: {}", who.join(", ")));
    }
    if let Some(l) = link {
        s.push_str(&format!("\n{l}"));
    }
    s
}

/// One person to call by hand.
pub struct Callee<'a> {
    pub role: &'a str,
    pub name: &'a str,
    pub phone: Option<&'a str>,
}

/// CALL THEM NOW, with each IC's number.
pub fn call_now(
    reason: &str,
    people: &[Callee<'_>],
    unknown: &[String],
    cache_note: Option<&str>,
) -> String {
    let mut lines = vec![format!("CALL THEM NOW: {reason}")];
    for c in people {
        let who = format!("{} {}", c.role, c.name).trim().to_string();
        lines.push(match c.phone {
            Some(n) => format!("{who}: {n}"),
            None => format!("{who}: no phone number known"),
        });
    }
    for u in unknown {
        lines.push(format!("{u}: no one known to call"));
    }
    if let Some(n) = cache_note {
        lines.push(n.to_string());
    }
    lines.join("\n")
}

/// One open incident in a shared room's `!status`.
pub fn status_line(inc: &Incident, now: jiff::Timestamp) -> String {
    let ic = inc
        .holder(crate::model::Role::Ic)
        .map(|i| format!(" · IC {i}"))
        .unwrap_or_default();
    format!(
        "{} {} \"{}\" ({}) · {}{ic}",
        inc.severity,
        inc.state(),
        inc.public_name(),
        inc.id,
        super::elapsed(now.as_second() - inc.declared_at.as_second())
    )
}

pub fn no_open_incident(p: &str) -> String {
    format!("no open incident; {p}ic page pages the IC")
}

/// `!status`: the glance's fields, its TODOs and reminders.
pub fn status(
    fields: &[(&str, String)],
    elapsed_secs: i64,
    todos: &[(usize, String)],
    reminders: &[String],
) -> String {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| *f == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("—")
    };
    let mut lines = vec![format!(
        "{} · {} · {} elapsed · {} ({})",
        get("severity"),
        get("state"),
        super::elapsed(elapsed_secs),
        get("title"),
        get("incident")
    )];
    let rest: Vec<String> = fields
        .iter()
        .filter(|(k, _)| !matches!(*k, "severity" | "state" | "title" | "incident"))
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    lines.extend(rest);
    for (n, t) in todos {
        lines.push(format!("TODO {n}: {t}"));
    }
    for r in reminders {
        lines.push(format!("reminder: {r}"));
    }
    lines.join("\n")
}

/// What changed before the incident: the latest few (of `total`), one line each.
pub fn changes(total: usize, latest: &[String]) -> String {
    let mut lines = vec![format!(
        "latest changes ({} of {total}; `inc changes` lists them):",
        latest.len()
    )];
    lines.extend(latest.iter().map(|l| format!("  {l}")));
    lines.join("\n")
}

/// The stalk's status message: the glance as of `at`, edited every interval.
pub fn stalk(p: &str, body: &str, at: jiff::Timestamp, interval: &str) -> String {
    format!(
        "Status (kept current every {interval} by inc bot; {p}status stalk stop ends it)\n{body}\nas of {}",
        super::clock(at)
    )
}

/// The stalk's status message once it ended.
pub fn stalk_ended(body: &str, why: &str, at: jiff::Timestamp) -> String {
    format!(
        "Status ({why}; no longer kept current)\n{body}\nas of {}",
        super::clock(at)
    )
}

pub fn stalk_started(p: &str, interval: &str) -> String {
    format!(
        "✔ stalking: the status message below is kept current every {interval}, and every change is posted here; {p}status stalk stop ends it"
    )
}

pub fn stalk_already(p: &str, holder: &str) -> String {
    format!("✔ this room is already stalked (by {holder}); {p}status stalk stop ends it")
}

pub fn stalk_stopped() -> String {
    "✔ stalk stopped: the status message is no longer updated".into()
}

pub fn stalk_none() -> String {
    "✔ nothing to stop: this room is not stalked".into()
}

/// The contact summary's way to get an IC where `inc bot` serves the room.
pub fn need_an_ic(p: &str) -> String {
    format!("Need an IC? Do `{p}ic page` here (or run `inc page-ic`)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_names_every_command_with_the_prefix() {
        let h = help("?");
        for c in [
            "?ic page",
            "?status",
            "?status stalk",
            "?note",
            "?todo",
            "?sev",
            "?role",
        ] {
            assert!(h.contains(c), "{h}");
        }
    }

    #[test]
    fn a_page_names_each_ic_with_its_mark() {
        let people = [
            Paged {
                ok: true,
                role: "primary",
                name: "Ann",
            },
            Paged {
                ok: true,
                role: "backup",
                name: "Bob",
            },
        ];
        let s = page(
            "PagerDuty",
            "paged",
            &people,
            Some("https://pd/incidents/Q1"),
        );
        assert_eq!(
            s,
            "IC page via PagerDuty: paged https://pd/incidents/Q1\n✔ primary Ann\n✔ backup Bob"
        );
    }
}
