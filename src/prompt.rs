//! The only module that talks to dialoguer. Callers check `Io::can_prompt` first (through
//! `Ctx::prompter`), so a prompt never blocks a script. Esc or Ctrl-C at a prompt cancels (130),
//! and leaves the cursor visible.
//!
//! While a prompt reads keys the terminal is raw, so Ctrl-C reaches it as a key, and console
//! then raises SIGINT itself: by default that ended the process at once, with the cursor the
//! prompt had hidden still hidden. Each prompt therefore ignores SIGINT while it reads (it
//! gets the key as an interrupted read instead), shows the cursor again and returns 130.

use dialoguer::{Confirm, Input, Select, theme::ColorfulTheme};

use crate::error::{CliError, CliResult};

pub struct Prompter {
    theme: ColorfulTheme,
}

/// SIGINT ignored while it lives; the previous disposition (default, or the handler a wait
/// installed) comes back when it is dropped.
struct SigintIgnored(Option<libc::sigaction>);

impl SigintIgnored {
    fn new() -> Self {
        // SAFETY: plain sigaction(2) calls on zeroed structs; SIG_IGN runs no code.
        unsafe {
            let mut ignore: libc::sigaction = std::mem::zeroed();
            ignore.sa_sigaction = libc::SIG_IGN;
            libc::sigemptyset(&mut ignore.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGINT, &ignore, &mut old) == 0 {
                SigintIgnored(Some(old))
            } else {
                SigintIgnored(None)
            }
        }
    }
}

impl Drop for SigintIgnored {
    fn drop(&mut self) {
        if let Some(old) = &self.0 {
            // SAFETY: restores the disposition saved above.
            unsafe {
                libc::sigaction(libc::SIGINT, old, std::ptr::null_mut());
            }
        }
    }
}

/// Runs one prompt with SIGINT ignored; whatever ends it, the cursor is shown again.
fn asking<T>(ask: impl FnOnce() -> dialoguer::Result<T>) -> CliResult<T> {
    let quiet = SigintIgnored::new();
    let answer = ask();
    drop(quiet);
    if answer.is_err() {
        let _ = dialoguer::console::Term::stderr().show_cursor();
    }
    answer.map_err(cancelled)
}

fn cancelled(e: dialoguer::Error) -> CliError {
    match e {
        dialoguer::Error::IO(e) if e.kind() == std::io::ErrorKind::Interrupted => {
            CliError::cancelled()
        }
        dialoguer::Error::IO(e) => CliError::failed(format!("prompt failed: {e}")),
    }
}

impl Prompter {
    pub(crate) fn new() -> Self {
        Prompter {
            theme: ColorfulTheme::default(),
        }
    }

    /// Picks one of `items`; returns its index.
    pub fn select(&self, prompt: &str, items: &[String], default: usize) -> CliResult<usize> {
        asking(|| {
            Select::with_theme(&self.theme)
                .with_prompt(prompt)
                .items(items)
                .default(default)
                .interact_opt()
        })?
        .ok_or_else(CliError::cancelled)
    }

    pub fn input(&self, prompt: &str, default: Option<&str>) -> CliResult<String> {
        let mut input = Input::<String>::with_theme(&self.theme).with_prompt(prompt);
        if let Some(d) = default {
            input = input.default(d.to_string());
        }
        asking(|| input.interact_text())
    }

    pub fn confirm(&self, prompt: &str, default: bool) -> CliResult<bool> {
        asking(|| {
            Confirm::with_theme(&self.theme)
                .with_prompt(prompt)
                .default(default)
                .interact_opt()
        })?
        .ok_or_else(CliError::cancelled)
    }
}
