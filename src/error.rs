//! SPEC's exit codes, mapped in this one place.

use std::fmt;

/// The stable exit codes of SPEC "Output and exit codes".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// 1: nothing delivered, or an internal error.
    Failed,
    /// 2: bad usage or bad input; nothing sent.
    Usage,
    /// 3: partly delivered; what failed is in the outbox.
    Partial,
    /// 4: no incident to act on.
    NoIncident,
    /// 78: configuration error.
    Config,
    /// 130: cancelled by the user.
    Cancelled,
}

impl ErrorKind {
    pub fn code(self) -> u8 {
        match self {
            ErrorKind::Failed => 1,
            ErrorKind::Usage => 2,
            ErrorKind::Partial => 3,
            ErrorKind::NoIncident => 4,
            ErrorKind::Config => 78,
            ErrorKind::Cancelled => 130,
        }
    }
}

/// What a command returns when it does not succeed. `message` is empty when the command has
/// already said everything (a partial delivery prints its own report).
#[derive(Debug)]
pub struct CliError {
    pub kind: ErrorKind,
    pub message: String,
    pub hints: Vec<String>,
}

pub type CliResult<T = ()> = Result<T, CliError>;

impl CliError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            hints: Vec::new(),
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }
    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Failed, message)
    }
    pub fn cancelled() -> Self {
        Self::new(ErrorKind::Cancelled, "cancelled")
    }
    pub fn no_incident(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NoIncident, message)
    }
    /// An exit code whose explanation has already been printed.
    pub fn silent(kind: ErrorKind) -> Self {
        Self::new(kind, "")
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::failed(format!("{e:#}"))
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::failed(e.to_string())
    }
}
