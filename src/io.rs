//! Terminal facts decided once: which streams are terminals, colour, whether we may prompt,
//! and the helpers that write data (stdout) and everything else (stderr).

use std::io::{IsTerminal, Write};

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use crate::config::Env;
use crate::error::{CliError, CliResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

pub struct Io {
    pub stdin_tty: bool,
    pub stderr_tty: bool,
    /// stdout is a terminal (or `INC_FORCE_TTY=1`, which affects rendering only).
    pub stdout_tty: bool,
    pub color: bool,
    pub json: bool,
    pub quiet: bool,
    pub verbose: u8,
    pub no_input: bool,
}

#[derive(Clone, Copy)]
pub enum Style {
    Ok,
    Fail,
    Warn,
    Bold,
    Dim,
}

impl Io {
    pub fn new(
        env: &Env,
        choice: ColorChoice,
        json: bool,
        quiet: bool,
        verbose: u8,
        no_input: bool,
    ) -> Io {
        let force_tty = env.get("INC_FORCE_TTY").is_some_and(|v| v != "0");
        let stdout_tty = force_tty || std::io::stdout().is_terminal();
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                if env.get("NO_COLOR").is_some() || env.get("CLICOLOR") == Some("0") {
                    false
                } else if env.get("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                    true
                } else {
                    stdout_tty && env.get("TERM") != Some("dumb")
                }
            }
        };
        Io {
            stdin_tty: std::io::stdin().is_terminal(),
            stderr_tty: std::io::stderr().is_terminal(),
            stdout_tty,
            color: color && !json,
            json,
            quiet,
            verbose,
            no_input,
        }
    }

    /// Prompts need a human on both ends: stdin and stderr are terminals and `--no-input` is absent.
    pub fn can_prompt(&self) -> bool {
        self.stdin_tty && self.stderr_tty && !self.no_input
    }

    /// Data: one line on stdout. A closed pipe (`inc list | head -1`) ends the process quietly.
    pub fn out(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        if writeln!(out, "{text}").and_then(|_| out.flush()).is_err() {
            std::process::exit(0);
        }
    }

    /// The one JSON document of `--json`.
    pub fn json_doc(&self, value: &serde_json::Value) {
        self.out(&serde_json::to_string_pretty(value).expect("json values serialize"));
    }

    /// One line of NDJSON (`status --watch --json`).
    pub fn json_line(&self, value: &serde_json::Value) {
        self.out(&serde_json::to_string(value).expect("json values serialize"));
    }

    /// Progress and status for humans, on stderr; `-q` silences it.
    pub fn status(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }

    /// A line on stderr that `-q` does not silence (what a human must act on).
    pub fn say(&self, text: &str) {
        eprintln!("{text}");
    }

    pub fn warn(&self, text: &str) {
        eprintln!("{} {text}", self.paint("warning:", Style::Warn));
    }

    /// `-v` logs on stderr. Callers never pass secrets (see `config::Secret`).
    pub fn log(&self, level: u8, text: &str) {
        if self.verbose >= level {
            eprintln!("{} {text}", self.paint("debug:", Style::Dim));
        }
    }

    pub fn paint(&self, text: &str, style: Style) -> String {
        if !self.color {
            return text.to_string();
        }
        let code = match style {
            Style::Ok => "32",
            Style::Fail => "31",
            Style::Warn => "33",
            Style::Bold => "1",
            Style::Dim => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    pub fn tick(&self, ok: bool) -> String {
        if ok {
            self.paint("✔", Style::Ok)
        } else {
            self.paint("✘", Style::Fail)
        }
    }

    /// A table: comfy-table on a terminal, tab-separated rows (with no header) when piped.
    pub fn table(&self, headers: &[&str], rows: Vec<Vec<String>>) -> String {
        if !self.stdout_tty {
            return rows
                .iter()
                .map(|r| r.join("\t"))
                .collect::<Vec<_>>()
                .join("\n");
        }
        let mut t = Table::new();
        t.load_style(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic);
        if !self.color {
            t.force_no_tty();
        }
        t.set_header(headers.iter().map(|h| h.to_string()));
        for r in rows {
            t.add_row(r);
        }
        t.to_string()
    }

    /// Key/value lines aligned for humans.
    pub fn fields(&self, rows: &[(&str, String)]) -> String {
        let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        rows.iter()
            .map(|(k, v)| format!("{} {v}", self.paint(&format!("{k:width$}"), Style::Bold)))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Io {
    /// All of stdin, for `-` arguments: UTF-8 text without NUL bytes (else exit 2), with
    /// terminal escape sequences and control characters removed (a warning says how many).
    pub fn read_stdin(&self) -> CliResult<String> {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| CliError::failed(format!("cannot read stdin: {e}")))?;
        let (text, removed) = input_text(bytes, "stdin")?;
        if removed > 0 {
            self.warn(&format!(
                "removed {removed} terminal escape sequence(s) or control character(s) from stdin"
            ));
        }
        Ok(text)
    }
}

/// Text that came from outside (stdin, a file): refused when it is not UTF-8 or holds a NUL
/// byte (binary data), else cleaned of terminal escapes ([`strip_controls`]).
pub fn input_text(bytes: Vec<u8>, what: &str) -> CliResult<(String, usize)> {
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        return Err(CliError::usage(format!(
            "{what} contains a NUL byte (at byte {at}): inc takes text, not binary data"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        CliError::usage(format!(
            "{what} is not valid UTF-8 (at byte {}): inc takes UTF-8 text",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(strip_controls(&text))
}

/// The first character of `text` that must not reach a terminal or a chat: a control character
/// (C0, DEL, C1; ESC starts every terminal escape sequence) other than newline and tab.
/// Returns its position in characters (1-based) and the character.
pub fn find_control(text: &str) -> Option<(usize, char)> {
    text.chars()
        .enumerate()
        .find(|(_, c)| is_refused_control(*c))
        .map(|(i, c)| (i + 1, c))
}

fn is_refused_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// How a refused control character is named in a message.
pub fn describe_control(c: char) -> String {
    let name = match c {
        '\u{1b}' => "ESC, which starts terminal escape sequences",
        '\r' => "carriage return",
        '\0' => "NUL",
        '\u{7}' => "BEL",
        '\u{8}' => "backspace",
        '\u{9b}' => "CSI, which starts terminal escape sequences",
        _ => "control character",
    };
    format!("{name}, U+{:04X}", c as u32)
}

/// `text` without terminal escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL|ESC \`,
/// two-character `ESC x`, and their C1 forms) and without other control characters except
/// newline and tab (`\r\n` becomes `\n`). Returns the text and how many were removed.
pub fn strip_controls(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut removed = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if !is_refused_control(c) {
            out.push(c);
            continue;
        }
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        removed += 1;
        // The introducer of a sequence: ESC + one character, or its C1 form.
        let kind = match c {
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    Some('[')
                }
                Some(']' | 'P' | 'X' | '^' | '_') => chars.next(),
                Some(x) if ('\u{20}'..='\u{7e}').contains(x) => {
                    chars.next();
                    None
                }
                _ => None,
            },
            '\u{9b}' => Some('['),
            '\u{9d}' => Some(']'),
            '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => Some('P'),
            _ => None,
        };
        match kind {
            // CSI: parameter and intermediate bytes, then one final byte.
            Some('[') => {
                while let Some(&x) = chars.peek() {
                    if !('\u{20}'..='\u{7e}').contains(&x) {
                        break;
                    }
                    chars.next();
                    if x >= '\u{40}' {
                        break;
                    }
                }
            }
            // OSC, DCS, SOS, PM, APC: a string ended by BEL, ST (`ESC \\`) or C1 ST.
            Some(_) => {
                while let Some(x) = chars.next() {
                    if x == '\u{7}' || x == '\u{9c}' {
                        break;
                    }
                    if x == '\u{1b}' {
                        if chars.peek() == Some(&'\\') {
                            chars.next();
                        }
                        break;
                    }
                }
            }
            None => {}
        }
    }
    (out, removed)
}
