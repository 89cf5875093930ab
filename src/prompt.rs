//! The only module that talks to dialoguer. Callers check `Io::can_prompt` first (through
//! `Ctx::prompter`), so a prompt never blocks a script. Esc or Ctrl-C at a prompt cancels (130).

use dialoguer::{Confirm, Input, Select, theme::ColorfulTheme};

use crate::error::{CliError, CliResult};

pub struct Prompter {
    theme: ColorfulTheme,
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
        Select::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .interact_opt()
            .map_err(cancelled)?
            .ok_or_else(CliError::cancelled)
    }

    pub fn input(&self, prompt: &str, default: Option<&str>) -> CliResult<String> {
        let mut input = Input::<String>::with_theme(&self.theme).with_prompt(prompt);
        if let Some(d) = default {
            input = input.default(d.to_string());
        }
        input.interact_text().map_err(cancelled)
    }

    pub fn confirm(&self, prompt: &str, default: bool) -> CliResult<bool> {
        Confirm::with_theme(&self.theme)
            .with_prompt(prompt)
            .default(default)
            .interact_opt()
            .map_err(cancelled)?
            .ok_or_else(CliError::cancelled)
    }
}
