//! Terminal facts decided once: which streams are terminals, colour, whether we may prompt,
//! and the helpers that write data (stdout) and everything else (stderr).

use std::io::{IsTerminal, Write};

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use crate::config::Env;

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
    /// All of stdin, for `-` arguments.
    pub fn read_stdin(&self) -> std::io::Result<String> {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
        Ok(s)
    }
}
