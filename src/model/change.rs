//! A change on an affected service (SPEC "What changed"): a deploy, a release, a PagerDuty
//! change event, a message in the team's deploy channel. What the providers say about a change
//! is untrusted text: it is made one bounded line without control characters or terminal
//! escapes before it is kept, shown or posted, and its link is kept only when it is a plain
//! http(s) URL.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The longest summary kept (characters): one line a terminal and a chat post can carry.
pub const MAX_SUMMARY: usize = 200;
/// The longest link kept (characters).
pub const MAX_URL: usize = 2_000;

/// One change, as read from a source.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Change {
    /// When it happened (a deployment's creation, a release's publication, the event's time).
    pub at: Timestamp,
    /// The affected service it belongs to (a name of `[changes.services]`).
    pub service: String,
    /// `github`, `pagerduty`, `slack` or `matrix`.
    pub source: String,
    /// `deploy`, `release`, `change` (a PagerDuty change event) or `announcement`.
    pub kind: String,
    /// One line, cleaned and bounded.
    pub summary: String,
    /// A deploy's latest status (`success`, `failure`, `in_progress`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Who made it (the deployment's creator, the release's author, the poster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Stable across reads and machines: `github:acme/web:deployment:42`.
    pub id: String,
}

impl Change {
    /// A failed deploy (highlighted where changes are shown).
    pub fn failed(&self) -> bool {
        matches!(self.status.as_deref(), Some("failure" | "error"))
    }

    /// A deploy still under way.
    pub fn pending(&self) -> bool {
        matches!(
            self.status.as_deref(),
            Some("in_progress" | "queued" | "pending")
        )
    }
}

/// Provider text as one line: terminal escape sequences (CSI, OSC and the other `ESC x`
/// forms, and their C1 introducers) and every other control character removed, runs of
/// whitespace (newlines included) made one space, and at most `max` characters (the rest
/// replaced by `…`). Reads no further than it needs: a megabyte of text costs `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    skip_csi(&mut chars);
                }
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    chars.next();
                    skip_string(&mut chars);
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_whitespace() => space = count > 0,
            c if c.is_control() => {}
            // Bidirectional overrides reorder what a terminal shows.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c => {
                if space {
                    if count + 1 >= max {
                        out.push('…');
                        return out;
                    }
                    out.push(' ');
                    count += 1;
                    space = false;
                }
                if count + 1 >= max && chars.peek().is_some() {
                    out.push('…');
                    return out;
                }
                out.push(c);
                count += 1;
            }
        }
    }
    out
}

/// Skips a CSI sequence's parameters and its final byte.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// Skips an OSC/DCS/... string up to its terminator (BEL, ST or `ESC \`).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// A link from a provider, when it is a plain `http(s)://` URL of reasonable length; written
/// so that it cannot break out of a Markdown link or a table cell (`(`, `)`, `|` and `<>`
/// percent-encoded).
pub fn safe_url(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > MAX_URL || raw.chars().any(char::is_control) {
        return None;
    }
    let url = url::Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return None;
    }
    let s = url
        .as_str()
        .replace('(', "%28")
        .replace(')', "%29")
        .replace('|', "%7C")
        .replace('<', "%3C")
        .replace('>', "%3E");
    (s.len() <= MAX_URL).then_some(s)
}

/// The first `http(s)://` link in a message's text (Slack writes `<url|label>`).
pub fn first_url(text: &str) -> Option<String> {
    let start = text.find("https://").or_else(|| text.find("http://"))?;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '|' | '>' | '"' | '\''))
        .unwrap_or(rest.len());
    safe_url(rest[..end].trim_end_matches(['.', ',', ')', ';']))
}

/// Slack's markup made plain: `<url|label>` is its label, `<url>` the URL, `<@U1>` and
/// `<#C1|name>` the mention's name.
pub fn slack_plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(4096));
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &rest[open + 1..open + close];
        let shown = match inner.split_once('|') {
            Some((_, label)) => label,
            None => inner.trim_start_matches(['@', '#', '!']),
        };
        out.push_str(shown);
        rest = &rest[open + close + 1..];
        if out.len() > 64 * 1024 {
            return out;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_text_becomes_one_bounded_line() {
        assert_eq!(
            one_line("deploy \u{1b}[31mv2\u{1b}[0m\n\tdone", 200),
            "deploy v2 done"
        );
        assert_eq!(
            one_line("\u{1b}]0;pwned\u{7}title \u{9b}2Jx", 200),
            "title x"
        );
        assert_eq!(one_line("  lead\r\nline\u{0}s ", 200), "lead lines");
        assert_eq!(one_line("abc\u{202e}def", 200), "abcdef");
        let long = "x".repeat(1_000_000);
        let cut = one_line(&long, 200);
        assert_eq!(cut.chars().count(), 200);
        assert!(cut.ends_with('…'));
        assert_eq!(one_line("exactly", 7), "exactly");
        assert_eq!(one_line("", 10), "");
    }

    #[test]
    fn links_are_plain_http_and_cannot_break_markdown() {
        assert_eq!(
            safe_url("https://github.com/acme/web/releases/tag/v1").as_deref(),
            Some("https://github.com/acme/web/releases/tag/v1")
        );
        assert_eq!(
            safe_url("https://x.example/a)b|c").as_deref(),
            Some("https://x.example/a%29b%7Cc")
        );
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "not a url",
            "https://x/\u{1b}[0m",
        ] {
            assert_eq!(safe_url(bad), None, "{bad}");
        }
        assert_eq!(
            first_url("Deployed <https://ci.example/run/7|run 7> to prod").as_deref(),
            Some("https://ci.example/run/7")
        );
        assert_eq!(
            slack_plain("Deployed <https://ci.example/run/7|run 7> by <@U123>"),
            "Deployed run 7 by U123"
        );
    }
}
