//! What a room message asks of `inc bot`: the first word, after `[bot] prefix`, names the
//! command (case-insensitive); any other message is not a command and is never answered.

use crate::model::{Role, Severity};

/// The longest note or TODO, as on the command line.
const MAX_TEXT: usize = 10_000;

/// A command typed in a room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `!ic page [MESSAGE]`: `inc page-ic`.
    IcPage {
        message: Option<String>,
    },
    /// `!status`: `inc status`.
    Status,
    /// `!status stalk`: `inc status --watch --post`, in the room.
    Stalk,
    /// `!status stalk stop` (or `!status unstalk`).
    StalkStop,
    Note {
        text: String,
    },
    Todo {
        text: String,
    },
    Sev {
        severity: Severity,
    },
    Role {
        role: Role,
        user: String,
    },
    Help,
    /// A `!word` that is not a command, or a command used wrongly: the short help, and why.
    Unknown {
        word: String,
        why: Option<String>,
    },
}

impl Command {
    /// The command's name in log lines and replies (`ic page`, `status stalk`).
    pub fn name(&self) -> String {
        match self {
            Command::IcPage { .. } => "ic page".into(),
            Command::Status => "status".into(),
            Command::Stalk => "status stalk".into(),
            Command::StalkStop => "status stalk stop".into(),
            Command::Note { .. } => "note".into(),
            Command::Todo { .. } => "todo".into(),
            Command::Sev { .. } => "sev".into(),
            Command::Role { .. } => "role".into(),
            Command::Help => "help".into(),
            Command::Unknown { word, .. } => word.clone(),
        }
    }

    /// Whether it changes the incident (and so needs one to act on).
    pub fn writes(&self) -> bool {
        matches!(
            self,
            Command::Note { .. }
                | Command::Todo { .. }
                | Command::Sev { .. }
                | Command::Role { .. }
        )
    }
}

/// The text of a Matrix message without the reply fallback: a reply's body starts with the
/// quoted message (`> <@ann:example.com> !ic page`) and an empty line, which must not run
/// the quoted command again.
pub fn without_reply_fallback(body: &str) -> &str {
    if !body.starts_with("> ") {
        return body;
    }
    let mut rest = body;
    while let Some(line_end) = rest.find('\n').map(|i| i + 1) {
        let line = &rest[..line_end];
        if line.starts_with('>') {
            rest = &rest[line_end..];
        } else {
            break;
        }
        if !rest.starts_with('>') {
            break;
        }
    }
    if rest.starts_with('>') {
        // Only quoted lines: nothing of its own.
        return "";
    }
    rest.trim_start_matches(['\r', '\n'])
}

/// Parses a message; `None` when it is not a command (it does not start with the prefix and
/// a word). `mention` is a Slack `app_mention`: its text starts with `<@U…>`, and the prefix
/// may then be left out (`@inc status`).
pub fn parse(text: &str, prefix: &str, mention: bool) -> Option<Command> {
    let mut t = text.trim_start();
    if mention && t.starts_with("<@") {
        t = t.split_once('>').map_or("", |(_, rest)| rest).trim_start();
        if !t.starts_with(prefix) {
            return word_command(t);
        }
    }
    let rest = t.strip_prefix(prefix)?;
    word_command(rest)
}

/// `word args…` after the prefix.
fn word_command(rest: &str) -> Option<Command> {
    let first = rest.split_whitespace().next()?;
    // `!` then a word: `!!!`, `! ic`, `!1` are not commands.
    if !rest.starts_with(first)
        || !first.chars().next().is_some_and(|c| c.is_alphabetic())
        || !first
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    let word = first.to_lowercase();
    let args = rest[first.len()..].trim();
    let unknown = |why: &str| Command::Unknown {
        word: word.clone(),
        why: Some(why.to_string()),
    };
    Some(match word.as_str() {
        "ic" => {
            let (sub, msg) = split_word(args);
            match sub.to_lowercase().as_str() {
                "page" => Command::IcPage {
                    message: (!msg.is_empty()).then(|| msg.to_string()),
                },
                _ => unknown("`ic page [MESSAGE]` pages the primary and backup IC"),
            }
        }
        "status" => {
            let words: Vec<String> = args.split_whitespace().map(str::to_lowercase).collect();
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            match words.as_slice() {
                [] => Command::Status,
                ["stalk"] => Command::Stalk,
                ["stalk", "stop"] | ["unstalk"] | ["stalk", "off"] => Command::StalkStop,
                _ => unknown("`status`, `status stalk` or `status stalk stop`"),
            }
        }
        "unstalk" => Command::StalkStop,
        "note" | "todo" => {
            if args.is_empty() {
                return Some(unknown(&format!("`{word} TEXT` needs the text")));
            }
            let n = args.chars().count();
            if n > MAX_TEXT {
                return Some(unknown(&format!(
                    "the text is {n} characters; the limit is 10,000"
                )));
            }
            let text = args.to_string();
            if word == "note" {
                Command::Note { text }
            } else {
                Command::Todo { text }
            }
        }
        "sev" => match args.parse::<Severity>() {
            Ok(severity) => Command::Sev { severity },
            Err(_) => unknown("`sev N` takes 1..5 or SEV-1..SEV-5"),
        },
        "role" => {
            let (role, user) = split_word(args);
            let role = match role.to_lowercase().as_str() {
                "ic" => Role::Ic,
                "deputy" => Role::Deputy,
                "scribe" => Role::Scribe,
                "cl" => Role::Cl,
                "il" => Role::Il,
                "sme" => Role::Sme,
                _ => {
                    return Some(unknown(
                        "`role ROLE USER`: ROLE is ic, deputy, scribe, cl, il or sme",
                    ));
                }
            };
            if user.is_empty() || user.split_whitespace().count() > 1 {
                return Some(unknown(
                    "`role ROLE USER`: USER is one person (an email, a handle, a mention or `me`)",
                ));
            }
            Command::Role {
                role,
                user: user.to_string(),
            }
        }
        "help" => Command::Help,
        _ => Command::Unknown { word, why: None },
    })
}

/// The first word and the rest.
fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim()),
        None => (s, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Option<Command> {
        parse(s, "!", false)
    }

    #[test]
    fn commands_are_the_first_word_after_the_prefix_in_any_case() {
        assert_eq!(p("!ic page"), Some(Command::IcPage { message: None }));
        assert_eq!(
            p("  !IC Page  checkout is down for EU "),
            Some(Command::IcPage {
                message: Some("checkout is down for EU".into())
            })
        );
        assert_eq!(p("!status"), Some(Command::Status));
        assert_eq!(p("!Status STALK"), Some(Command::Stalk));
        assert_eq!(p("!status stalk stop"), Some(Command::StalkStop));
        assert_eq!(p("!status unstalk"), Some(Command::StalkStop));
        assert_eq!(
            p("!note rolled back 4411"),
            Some(Command::Note {
                text: "rolled back 4411".into()
            })
        );
        assert_eq!(
            p("!todo alert on queue depth\nbefore it saturates"),
            Some(Command::Todo {
                text: "alert on queue depth\nbefore it saturates".into()
            })
        );
        assert_eq!(
            p("!sev SEV-1"),
            Some(Command::Sev {
                severity: "1".parse().unwrap()
            })
        );
        assert_eq!(
            p("!role scribe carol@example.com"),
            Some(Command::Role {
                role: Role::Scribe,
                user: "carol@example.com".into()
            })
        );
        assert_eq!(p("!help"), Some(Command::Help));
    }

    #[test]
    fn other_messages_are_not_commands() {
        for s in [
            "ic page",
            "please !ic page",
            "",
            "!",
            "!!!",
            "! ic page",
            "!1",
            "!?",
            "> !ic page",
        ] {
            assert_eq!(p(s), None, "{s:?}");
        }
    }

    #[test]
    fn unknown_words_and_bad_arguments_get_the_help() {
        assert!(matches!(
            p("!deploy now"),
            Some(Command::Unknown { why: None, .. })
        ));
        for s in [
            "!ic",
            "!ic call",
            "!sev 9",
            "!sev",
            "!note",
            "!role king ann",
            "!role scribe",
            "!role scribe ann bob",
            "!status please",
        ] {
            assert!(
                matches!(p(s), Some(Command::Unknown { why: Some(_), .. })),
                "{s:?}: {:?}",
                p(s)
            );
        }
        let long = format!("!note {}", "x".repeat(10_001));
        assert!(matches!(
            p(&long),
            Some(Command::Unknown { why: Some(_), .. })
        ));
    }

    #[test]
    fn another_prefix_and_mentions() {
        assert_eq!(parse("?status", "?", false), Some(Command::Status));
        assert_eq!(parse("!status", "?", false), None);
        assert_eq!(parse("<@U0BOT> status", "!", true), Some(Command::Status));
        assert_eq!(parse("<@U0BOT> !status", "!", true), Some(Command::Status));
        assert_eq!(
            parse("<@U0BOT> hello there", "!", true),
            Some(Command::Unknown {
                word: "hello".into(),
                why: None
            })
        );
        assert_eq!(parse("<@U0BOT>", "!", true), None);
    }

    #[test]
    fn the_reply_fallback_is_not_the_message() {
        assert_eq!(
            without_reply_fallback("> <@ann:example.com> !ic page\n\nthanks"),
            "thanks"
        );
        assert_eq!(
            without_reply_fallback("> <@ann:example.com> !ic page\n> more\n\n!status"),
            "!status"
        );
        assert_eq!(without_reply_fallback("> <@ann:example.com> !ic page"), "");
        assert_eq!(without_reply_fallback("!status"), "!status");
        assert_eq!(p(without_reply_fallback("> <@a:x> !ic page\n\nok")), None);
    }
}
