//! Input is checked before anything leaves the machine (SPEC "Delivery rules"): every flow that
//! syncs, looks up or sends takes its request through a `check` that reads nothing from the
//! network, so a bad flag, a missing `--file` or `--template`, a malformed address or person is
//! exit 2 (a bad config value 78) with nothing sent or written. The checks every command shares
//! live here; each flow's own request type (`email::Request::check`,
//! `postmortem::Request::check`, `exec::check`) calls them before its first sync.

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};

/// The longest person inc takes (an email address is at most 254 characters).
const PERSON_MAX: usize = 254;

/// A person as given to `FLAG` (`--ic`, `--owner`, `inc role ROLE USER`): `me` (whoever runs
/// inc), an email address, or a handle used as written (SPEC "People"): letters, digits and
/// `. _ - + : '`, optionally after an `@` (a Slack handle, a Matrix user id). One person only.
pub fn person(ctx: &Ctx, given: &str, flag: &str) -> CliResult<String> {
    let given = given.trim();
    if given.is_empty() {
        return Err(CliError::usage(format!("{flag} is empty")));
    }
    if given.eq_ignore_ascii_case("me") {
        return Ok(ctx.me());
    }
    check_person(given).map_err(|why| CliError::usage(format!("{flag} '{given}': {why}")))?;
    Ok(given.to_string())
}

/// Why `given` is not one person, if it is not (see [`person`]).
pub fn check_person(given: &str) -> Result<(), String> {
    if given.contains([',', ';']) || given.to_ascii_lowercase().contains(" and ") {
        return Err("name one person only".into());
    }
    if given.chars().count() > PERSON_MAX {
        return Err(format!("longer than {PERSON_MAX} characters"));
    }
    let handle = given.strip_prefix('@').unwrap_or(given);
    if handle.contains('@') {
        return given
            .parse::<lettre::Address>()
            .map(|_| ())
            .map_err(|_| "not an email address (name@example.com) or a handle".into());
    }
    if handle.is_empty() {
        return Err("not a handle".into());
    }
    match handle
        .chars()
        .find(|c| !(c.is_alphanumeric() || "._-+:'".contains(*c)))
    {
        None => Ok(()),
        Some(c) if c.is_whitespace() => {
            Err("a handle has no spaces: give an email address or a handle".into())
        }
        Some(c) => Err(format!(
            "'{c}' is not allowed in a handle: give an email address or a handle (letters, digits, . _ - + : ')"
        )),
    }
}

/// An `inc page` TARGET (`ep:ID`, `schedule:ID`, `user:ID`, an email or a user id) and its
/// message, checked before any lookup: exit 2 naming what is wrong.
pub fn page_target(target: &str, message: Option<&str>) -> CliResult<()> {
    let t = target.trim();
    let bad = |why: &str| Err(CliError::usage(format!("TARGET '{t}': {why}")));
    if t.is_empty() {
        return Err(CliError::usage("TARGET is empty"));
    }
    if message.is_some_and(|m| m.trim().is_empty()) {
        return Err(CliError::usage("--message is empty"));
    }
    let id = ["ep:", "escalation_policy:", "schedule:", "user:"]
        .iter()
        .find_map(|p| t.strip_prefix(p));
    match id {
        None if t.contains('@') => match t.parse::<lettre::Address>() {
            Ok(_) => Ok(()),
            Err(_) => bad("not an email address"),
        },
        Some("") => bad("the id after the colon is empty"),
        id => match id.unwrap_or(t).chars().find(|c| !c.is_ascii_alphanumeric()) {
            None => Ok(()),
            Some(_) => bad(
                "not an email, a PagerDuty id (letters and digits) or user:ID, schedule:ID, ep:ID",
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::{check_person, page_target};

    #[test]
    fn page_targets_are_checked_before_any_lookup() {
        for ok in [
            "dan@example.com",
            "PDAN001",
            "user:PDAN001",
            "schedule:PDBSCHD",
            "ep:PNETWRK",
            "escalation_policy:PNETWRK",
        ] {
            assert!(page_target(ok, None).is_ok(), "{ok}");
        }
        for bad in ["schedule:", "ep:", "x@", "not an email", "user:a/b", " "] {
            assert!(page_target(bad, None).is_err(), "{bad}");
        }
        assert!(page_target("PDAN001", Some(" ")).is_err());
    }

    #[test]
    fn people_are_emails_or_handles() {
        for ok in [
            "ann@example.com",
            "ann",
            "net-oncall",
            "@ann",
            "@ann:matrix.example.com",
            "o'brien",
            "josé",
            "U0123ABC",
        ] {
            assert_eq!(check_person(ok), Ok(()), "{ok}");
        }
        for (bad, says) in [
            ("ann@", "email"),
            ("@", "handle"),
            ("ann smith", "no spaces"),
            ("ann, bob", "one person"),
            ("ann and bob", "one person"),
            ("<ann>", "'<'"),
            ("ann@exa mple.com", "email"),
        ] {
            let why = check_person(bad).expect_err(bad);
            assert!(why.contains(says), "{bad}: {why}");
        }
        assert!(check_person(&"a".repeat(300)).is_err());
    }
}
